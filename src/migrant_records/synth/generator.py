"""The synthetic multi-ministry data generator (see :func:`generate`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.schemas import CANONICAL_COLUMNS
from migrant_records.synth import _strings as st
from migrant_records.synth._dates import NA_DAY, day_number, iso_dates
from migrant_records.synth._errors import ErrorLog
from migrant_records.synth._people import People, draw_people
from migrant_records.synth._placements import draw_placements
from migrant_records.synth._regions import load_regions
from migrant_records.synth._render import render
from migrant_records.synth._sources import build_sources
from migrant_records.synth._tables import OCCUPATIONS
from migrant_records.synth.profiles import ERROR_PROFILES, SOURCE_STYLES, SOURCES

__all__ = ["SyntheticData", "generate", "write_dataset"]

logger = logging.getLogger(__name__)


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class SyntheticData:
    """Synthetic ministry datasets with their ground truth.

    Attributes:
        sources: One frame per source dataset (canonical worker columns as raw strings, then
            the source's programme fields), keyed by source name.
        truth: ``source, record_id, person_id``: which person each record belongs to.
        people: The clean person table with true values (one row per person).
        programmes: ``program_id, name, program_type, ministry, location, regency_code, year``.
        participations: ``participation_id, source, record_id, program_id, program_type,
            ministry, start_date, end_date, status``.
        placements: ``placement_id, source, record_id, destination_country, occupation,
            sector, employer, departure_date, return_date, status``.
        errors: Error log, one row per error applied: ``source, record_id, error``.
        error_summary: Per source and error: ``eligible`` records, ``applied`` count,
            ``expected_rate`` (the profile) and ``observed_rate``.
        seed: The seed used (``None`` for loaded data).

    Example:
        >>> data = generate(people=200, seed=1)
        >>> sorted(data.sources)[:2]
        ['bps_survey', 'kemendes_dme']
        >>> len(data.truth) == len(data.records())
        True
    """

    sources: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    people: pd.DataFrame
    programmes: pd.DataFrame
    participations: pd.DataFrame
    placements: pd.DataFrame
    errors: pd.DataFrame = field(default_factory=lambda: _empty(("source", "record_id", "error")))
    error_summary: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ("source", "error", "eligible", "applied", "expected_rate", "observed_rate")
        )
    )
    seed: int | None = None

    def records(self) -> pd.DataFrame:
        """All sources concatenated, canonical columns first, then every extra column.

        Returns:
            One frame with a fresh ``RangeIndex``; extra columns a source lacks are missing.
        """
        frames = [f for f in self.sources.values() if len(f)]
        if not frames:
            return _empty(CANONICAL_COLUMNS)
        out = pd.concat(frames, ignore_index=True, sort=False)
        extra = [c for c in out.columns if c not in CANONICAL_COLUMNS]
        return out[[*CANONICAL_COLUMNS, *extra]]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.sources.items())
        return f"SyntheticData(people={len(self.people)}, records: {counts})"


def generate(
    people: int = 10_000, seed: int = 0, reference_date: str = "2026-01-01"
) -> SyntheticData:
    """Generate synthetic ministry datasets about the same migrant workers, with truth.

    Six sources (:data:`~migrant_records.synth.SOURCES`) hold records of ``people``
    persons: KP2MI placements (one record per placement), Desa Migran Emas participants,
    Cooperatives/SMEs business-capital recipients, hospitality training participants, BPS
    survey respondents and campus Migran Centre members. Every source writes names, NIKs,
    dates, phones, addresses and regions its own way and with its own error rates
    (:data:`~migrant_records.synth.ERROR_PROFILES`). Siblings and twins share an address,
    mother's name and family card number; twins also share the birth date.

    Args:
        people: Number of persons (at least 1).
        seed: Random seed; the same seed gives identical frames and CSV files.
        reference_date: The "today" of the data: no placement, programme or survey is
            after it; workers whose contract runs past it are still abroad.

    Returns:
        A :class:`SyntheticData` with the sources, truth, people and programme tables.

    Raises:
        ConfigError: ``people`` is below 1, or ``reference_date`` is not a date or is
            before 2021-01-01 (the Desa Migran Emas records start in 2021).

    Example:
        >>> data = generate(people=300, seed=3)
        >>> bool(data.truth.groupby("person_id").size().max() >= 2)
        True
    """
    if not isinstance(people, (int, np.integer)) or people < 1:
        raise ConfigError(f"people must be a positive integer, got {people!r}")
    ref = day_number(reference_date)
    if ref < day_number("2021-01-01"):
        raise ConfigError(
            f"reference_date must be 2021-01-01 or later, got {reference_date!r}: the "
            "synthetic Desa Migran Emas records start in 2021"
        )
    # One child generator for the population and two per source (who is in it, how it is
    # written), so that changing one source leaves the other sources' records unchanged.
    children = np.random.SeedSequence(seed).spawn(1 + len(SOURCES))
    rng = np.random.default_rng(children[0])
    per_source = {s: c.spawn(2) for s, c in zip(SOURCES, children[1:])}
    member_rngs = {s: np.random.default_rng(k[0]) for s, k in per_source.items()}
    p, dep1, dest1, occ1 = draw_people(rng, int(people), ref)
    pl = draw_placements(rng, p, dep1, dest1, occ1, ref)
    rows_by_source, programmes = build_sources(member_rngs, p, pl, ref)

    sources: dict[str, pd.DataFrame] = {}
    truths: list[pd.DataFrame] = []
    parts: list[pd.DataFrame] = []
    places: list[pd.DataFrame] = []
    logs: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []
    for source, rows in rows_by_source.items():
        rng = np.random.default_rng(per_source[source][1])
        style = SOURCE_STYLES[source]
        log = ErrorLog()
        # within-source duplicates (a second registration of the same participation)
        k = len(rows.person)
        dup = rng.random(k) < ERROR_PROFILES[source].get("duplicate", 0.0)
        take = np.concatenate([np.arange(k), np.flatnonzero(dup)])
        is_dup = np.zeros(len(take), dtype=bool)
        is_dup[k:] = True
        # shuffle the records so that files are not in person order
        perm = rng.permutation(len(take))
        take, is_dup = take[perm], is_dup[perm]
        log.add("duplicate", is_dup, k)
        person = rows.person[take]
        passport = rows.passport[take] if rows.passport is not None else None
        cols = render(rng, source, p, person, passport, log)
        # exact duplicates: rows copied verbatim (an import run twice), appended with new ids
        rendered = len(take)
        copied = rng.random(rendered) < ERROR_PROFILES[source].get("exact_duplicate", 0.0)
        log.add("exact_duplicate", copied, rendered)
        src_rows = np.flatnonzero(copied)
        extra_copies = np.where(
            rng.random(len(src_rows)) < 0.1, rng.integers(1, 4, len(src_rows)), 0
        )
        src_rows = np.concatenate([src_rows, np.repeat(src_rows, extra_copies)])
        src_rows = np.sort(src_rows)
        rows_out = np.concatenate([np.arange(rendered), src_rows])
        copy_pos = rendered + np.arange(len(src_rows))
        for error, chunks in log.rows.items():  # a copy carries the errors of its original
            had = np.zeros(rendered, dtype=bool)
            had[np.concatenate(chunks)] = True
            if error != "exact_duplicate" and had[src_rows].any():
                chunks.append(copy_pos[had[src_rows]])
        take, person = take[rows_out], person[rows_out]
        cols = {c: v[rows_out] for c, v in cols.items()}
        width = max(6, len(str(len(take))) + 1)
        offset = int(rng.integers(1, 10 ** (width - 1)))
        rid = st.to_obj(
            st.cat(style.id_prefix, st.digits(np.arange(len(take), dtype=np.int64) + offset, width))
        )
        frame = pd.DataFrame(
            {
                "source": np.full(len(take), source, dtype=object),
                "record_id": rid,
                **cols,
                **{c: v[take] for c, v in rows.extra.items()},
            }
        )
        sources[source] = frame
        truths.append(
            pd.DataFrame({"source": source, "record_id": rid, "person_id": p.person_id[person]})
        )
        parts.append(
            pd.DataFrame(
                {
                    "source": source,
                    "record_id": rid,
                    "program_id": rows.program_id[take],
                    "start_date": iso_dates(rows.start[take]),
                    "end_date": iso_dates(rows.end[take]),
                    "status": rows.status[take],
                }
            )
        )
        if rows.placement is not None:
            j = rows.placement[take]
            places.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "record_id": rid,
                        "destination_country": pl.dest[j],
                        "occupation": pl.occ[j],
                        "sector": np.array([OCCUPATIONS[o][1] for o in pl.occ[j].tolist()], object),
                        "employer": pl.employer[j],
                        "departure_date": iso_dates(pl.dep[j]),
                        "return_date": iso_dates(pl.ret[j]),
                        "status": np.where(pl.ret[j] == NA_DAY, "working", "returned"),
                    }
                )
            )
        for error, chunks in log.rows.items():
            hit = np.concatenate(chunks)
            if len(hit):
                logs.append(pd.DataFrame({"source": source, "record_id": rid[hit], "error": error}))
            eligible = log.eligible[error]
            summary.append(
                {
                    "source": source,
                    "error": error,
                    "eligible": eligible,
                    "applied": len(hit),
                    "expected_rate": ERROR_PROFILES[source].get(error, 0.0),
                    "observed_rate": len(hit) / eligible if eligible else float("nan"),
                }
            )
        logger.debug("generated %d records for %s", len(frame), source)

    participations = pd.concat(parts, ignore_index=True)
    info = programmes.set_index("program_id")
    participations["program_type"] = participations["program_id"].map(info["program_type"])
    participations["ministry"] = participations["program_id"].map(info["ministry"])
    participations.insert(
        0,
        "participation_id",
        st.to_obj(st.cat("PART", st.digits(np.arange(1, len(participations) + 1), 8))),
    )
    participations = participations[
        [
            "participation_id",
            "source",
            "record_id",
            "program_id",
            "program_type",
            "ministry",
            "start_date",
            "end_date",
            "status",
        ]
    ]
    placements = pd.concat(places, ignore_index=True)
    placements.insert(
        0, "placement_id", st.to_obj(st.cat("PL", st.digits(np.arange(1, len(placements) + 1), 8)))
    )
    return SyntheticData(
        sources=sources,
        truth=pd.concat(truths, ignore_index=True),
        people=_people_frame(p),
        programmes=_none_for_na(programmes),
        participations=_none_for_na(participations),
        placements=_none_for_na(placements),
        errors=pd.concat(logs, ignore_index=True)
        if logs
        else _empty(("source", "record_id", "error")),
        error_summary=pd.DataFrame(summary),
        seed=seed,
    )


def _none_for_na(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding ``None`` where values are missing."""
    out = frame.astype(object)
    return out.where(out.notna(), None)  # type: ignore[call-overload, no-any-return]


def _people_frame(p: People) -> pd.DataFrame:
    reg = load_regions()
    v = p.village
    address = p.address[0, p.hh]
    abroad_e164 = p.phone_abroad
    return pd.DataFrame(
        {
            "person_id": p.person_id,
            "nik": p.nik,
            "kk_number": p.kk,
            "full_name": p.name,
            "sex": np.where(p.female, "F", "M").astype(object),
            "birth_date": iso_dates(p.dob),
            "birth_place": p.birth_place,
            "phone": st.to_obj(st.cat("+62", p.phone_nsn)),
            "phone_abroad": abroad_e164,
            "address": address,
            "village": reg.village_name[v],
            "district": reg.district_name[v],
            "regency": reg.regency_name[v],
            "province": reg.province_name[v],
            "village_code": reg.village_code[v],
            "district_code": reg.district_code[v],
            "regency_code": reg.regency_code[v],
            "province_code": reg.province_code[v],
            "mother_name": p.mother,
            "father_name": p.father,
            "household_id": st.to_obj(st.cat("H", st.digits(p.hh + 1, 7))),
            "twin": p.twin,
            "tradition": p.tradition,
            "migrant": p.migrant,
        }
    )


def write_dataset(data: SyntheticData, out_dir: str | Path) -> list[Path]:
    """Write the synthetic data as UTF-8 CSV files (no index).

    Writes ``<source>.csv`` for every source, then ``truth.csv``, ``programmes.csv``,
    ``participations.csv``, ``placements.csv`` and ``people.csv`` (the clean person
    table). The same data always gives byte-identical files.

    Args:
        data: What :func:`generate` returned.
        out_dir: Folder to write into (created if missing).

    Returns:
        The paths written, in that order.

    Example:
        >>> import tempfile
        >>> paths = write_dataset(generate(people=50, seed=1), tempfile.mkdtemp())
        >>> paths[-1].name
        'people.csv'
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from migrant_records.errors import InputFileError

        raise InputFileError(f"cannot create output folder {out}: {exc}") from exc
    tables: list[tuple[str, pd.DataFrame]] = [(f"{k}.csv", v) for k, v in data.sources.items()]
    tables += [
        ("truth.csv", data.truth),
        ("programmes.csv", data.programmes),
        ("participations.csv", data.participations),
        ("placements.csv", data.placements),
    ]
    if len(data.people):
        tables.append(("people.csv", data.people))
    paths: list[Path] = []
    for name, frame in tables:
        path = out / name
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
