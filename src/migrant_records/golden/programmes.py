"""Programme views over the person index: counts once per person, overlaps, journeys.

Ministries count beneficiaries by their own records, so a worker trained by one ministry,
placed abroad by another and given business capital by a third is counted three times, and
twice within one ministry when registered twice. With the clusters (``source, record_id,
person_id``) the same tables count persons:

- :func:`programme_overview`: unique persons per programme type and ministry beside the
  naive record counts, the person-level overlap matrix between programme types, and named
  headline overlaps (e.g. Desa Migran Emas returnees who also received business capital);
- :func:`journey`: one person's records, programme participations and placements in time
  order, across ministries.

Programme tables follow docs/architecture.md ("Programme tables").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migrant_records.errors import SchemaError
from migrant_records.records import record_key

__all__ = ["HEADLINE_OVERLAPS", "ProgrammeOverview", "programme_overview"]

logger = logging.getLogger(__name__)

TRAINING_TYPES = ("PRE_DEPARTURE_TRAINING", "CERTIFICATION")
BUSINESS_TYPES = ("BUSINESS_CAPITAL", "COOPERATIVE")
VILLAGE_TYPE = "DESA_MIGRAN_EMAS"
PLACEMENT_MINISTRY = "KP2MI"
_WELDING = r"(?i)weld|\blas\b|pengelasan"

HEADLINE_OVERLAPS: dict[str, str] = {
    "desa_migran_emas_with_business_support": (
        "Persons in a Desa Migran Emas programme who also received business capital or "
        "joined a cooperative"
    ),
    "trained_then_placed": (
        "Persons trained or certified (pre-departure training, certification) who were later "
        "placed abroad (training start before a departure)"
    ),
    "welding_trained_then_placed": (
        "Trained or certified persons later placed abroad in a welding occupation"
    ),
    "returned_then_business_support": (
        "Persons back from a placement who then received business capital or joined a "
        "cooperative (return date on or before the programme start)"
    ),
}
"""Names and descriptions of the headline overlaps in :attr:`ProgrammeOverview.headlines`."""


@dataclass
class ProgrammeOverview:
    """Programme participation counted once per person.

    Attributes:
        persons: One row per ``(program_type, ministry)`` with ``participations`` (rows),
            ``records`` (distinct worker records: the naive count), ``persons`` (unique
            persons) and ``double_counted`` (``records - persons``); largest first.
        by_ministry: The same counts per ministry (a person in two programmes of one
            ministry counts once).
        by_programme: The same counts per ``program_id`` (with ``name`` when a programme
            table was given).
        overlap: Square person-level co-occurrence matrix over programme types: cell
            ``[A, B]`` is the number of persons in both A and B; the diagonal is the number
            of persons in A. Placements abroad count as type ``PLACEMENT``.
        headlines: ``headline, description, persons`` for :data:`HEADLINE_OVERLAPS`
            (``persons`` is missing for an overlap that needs placements when none were
            given).
        total_persons: Persons with at least one participation or placement.
        unmatched: Participation or placement rows whose record is not in the clusters
            (left out of every count).
    """

    persons: pd.DataFrame
    by_ministry: pd.DataFrame
    by_programme: pd.DataFrame
    overlap: pd.DataFrame
    headlines: pd.DataFrame
    total_persons: int
    unmatched: int = 0
    notes: list[str] = field(default_factory=list)

    def headline(self, name: str) -> int | None:
        """The number of persons of one headline overlap (None when it could not be computed).

        Example:
            ``overview.headline("trained_then_placed")``
        """
        hit = self.headlines.loc[self.headlines["headline"] == name, "persons"]
        if hit.empty:
            raise KeyError(f"No headline {name!r}; known: {', '.join(HEADLINE_OVERLAPS)}.")
        value = hit.iloc[0]
        return None if pd.isna(value) else int(value)


# ---------------------------------------------------------------------------- helpers
def _require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{name} lacks column(s) {', '.join(missing)}; found: "
            f"{', '.join(map(str, frame.columns))}. See docs/architecture.md, "
            "'Programme tables'."
        )


def _person_lookup(clusters: pd.DataFrame) -> pd.Series:
    _require(clusters, "clusters", ("source", "record_id", "person_id"))
    ref = record_key(clusters["source"], clusters["record_id"])
    return pd.Series(clusters["person_id"].to_numpy(), index=pd.Index(ref))


def _attach_person(frame: pd.DataFrame, lookup: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Person id per row, and an integer code per distinct (source, record_id)."""
    ref = record_key(frame["source"], frame["record_id"])
    person = pd.Series(lookup.reindex(ref).to_numpy(), index=frame.index)
    return person, pd.factorize(ref)[0]


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _prepare_participations(
    participations: pd.DataFrame, programmes: pd.DataFrame | None
) -> pd.DataFrame:
    _require(participations, "participations", ("source", "record_id"))
    parts = participations.copy()
    if programmes is not None and "program_id" in parts.columns and "program_id" in programmes:
        info = programmes.drop_duplicates("program_id").set_index("program_id")
        for col in ("program_type", "ministry", "name"):
            if col in info.columns:
                looked_up = parts["program_id"].map(info[col])
                if col in parts.columns:
                    parts[col] = parts[col].where(parts[col].notna(), looked_up)
                else:
                    parts[col] = looked_up
    for col in ("program_type", "ministry"):
        if col not in parts.columns:
            raise SchemaError(
                f"participations lack {col!r} and no programme table supplies it; add the "
                "column or pass programmes= with program_id, program_type, ministry."
            )
    parts["program_type"] = parts["program_type"].astype(object).fillna("OTHER").astype(str)
    parts["ministry"] = parts["ministry"].astype(object).fillna("OTHER").astype(str)
    return parts


def _counts(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    work = frame[by].copy()
    work["_ref"] = frame["_ref"].to_numpy()
    work["_pid"] = frame["person_id"].to_numpy()
    grouped = work.groupby(by, sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "participations": grouped.size(),
            "records": grouped["_ref"].nunique(),
            "persons": grouped["_pid"].nunique(),
        }
    ).reset_index()
    out["double_counted"] = out["records"] - out["persons"]
    return out.sort_values(["persons", *by], ascending=[False] + [True] * len(by)).reset_index(
        drop=True
    )


def _before(first: pd.DataFrame, then: pd.DataFrame, *, strict: bool = True) -> np.ndarray:
    """Persons with a ``first`` date before (or on, when not strict) a ``then`` date."""
    a = first.dropna(subset=["date"])[["person_id", "date"]]
    b = then.dropna(subset=["date"])[["person_id", "date"]]
    if a.empty or b.empty:
        return np.array([], dtype=object)
    # Earliest first-event per person against latest then-event per person is enough.
    a_min = a.groupby("person_id")["date"].min()
    b_max = b.groupby("person_id")["date"].max()
    both = pd.concat([a_min.rename("a"), b_max.rename("b")], axis=1, join="inner")
    ok = both["a"] < both["b"] if strict else both["a"] <= both["b"]
    return both.index[ok.to_numpy()].to_numpy()


# ---------------------------------------------------------------------------- overview
def programme_overview(
    clusters: pd.DataFrame,
    participations: pd.DataFrame,
    programmes: pd.DataFrame | None = None,
    placements: pd.DataFrame | None = None,
) -> ProgrammeOverview:
    """Count programme participation once per person and find overlaps between programmes.

    Args:
        clusters: ``source, record_id, person_id``.
        participations: ``source, record_id, program_type, ministry`` (and ``program_id``,
            ``start_date``; ``program_type``/``ministry`` may come from ``programmes``).
        programmes: Optional programme table (``program_id, name, program_type, ministry``).
        placements: Optional placements abroad (``source, record_id, departure_date,
            return_date, occupation``); they add the ``PLACEMENT`` type to the overlap
            matrix and feed the placement headlines.

    Returns:
        A :class:`ProgrammeOverview`.

    Raises:
        SchemaError: When a needed column is missing.

    Example:
        >>> import pandas as pd
        >>> cl = pd.DataFrame({"source": ["A", "B"], "record_id": ["1", "9"],
        ...                    "person_id": ["P1", "P1"]})
        >>> parts = pd.DataFrame({"source": ["A", "B"], "record_id": ["1", "9"],
        ...     "program_type": ["DESA_MIGRAN_EMAS", "BUSINESS_CAPITAL"],
        ...     "ministry": ["KEMENDES", "KEMENKOP"]})
        >>> programme_overview(cl, parts).headline("desa_migran_emas_with_business_support")
        1
    """
    lookup = _person_lookup(clusters)
    parts = _prepare_participations(participations, programmes)
    parts["person_id"], parts["_ref"] = _attach_person(parts, lookup)
    unmatched = int(parts["person_id"].isna().sum())
    parts = parts.loc[parts["person_id"].notna()]
    parts["start"] = _dates(parts["start_date"]) if "start_date" in parts else pd.NaT

    places: pd.DataFrame | None = None
    if placements is not None:
        _require(placements, "placements", ("source", "record_id"))
        places = placements.copy()
        places["person_id"] = _attach_person(places, lookup)[0]
        unmatched += int(places["person_id"].isna().sum())
        places = places.loc[places["person_id"].notna()]
        places["departure"] = (
            _dates(places["departure_date"]) if "departure_date" in places else pd.NaT
        )
        places["return"] = _dates(places["return_date"]) if "return_date" in places else pd.NaT
    if unmatched:
        logger.warning("%d programme rows refer to records not in the clusters", unmatched)

    persons = _counts(parts, ["program_type", "ministry"])
    by_ministry = _counts(parts, ["ministry"])
    if "program_id" in parts.columns:
        by_cols = ["program_id", *(["name"] if "name" in parts.columns else [])]
        by_programme = _counts(parts.assign(name=parts.get("name", "")), by_cols)
        types = parts.drop_duplicates("program_id").set_index("program_id")
        by_programme.insert(
            len(by_cols), "program_type", by_programme["program_id"].map(types["program_type"])
        )
        by_programme.insert(
            len(by_cols) + 1, "ministry", by_programme["program_id"].map(types["ministry"])
        )
    else:
        by_programme = persons.copy()

    # Person x type indicator matrix -> co-occurrence counts.
    membership = parts[["person_id", "program_type"]]
    if places is not None and len(places):
        membership = pd.concat(
            [
                membership,
                pd.DataFrame({"person_id": places["person_id"], "program_type": "PLACEMENT"}),
            ],
            ignore_index=True,
        )
    membership = membership.drop_duplicates()
    p_codes, p_uniques = pd.factorize(membership["person_id"])
    t_codes, t_uniques = pd.factorize(membership["program_type"], sort=True)
    indicator = np.zeros((len(p_uniques), len(t_uniques)), dtype=np.int64)
    indicator[p_codes, t_codes] = 1
    co = indicator.T @ indicator
    labels = [str(t) for t in t_uniques]
    overlap = pd.DataFrame(co, index=pd.Index(labels, name="program_type"), columns=labels)

    def persons_of(types: tuple[str, ...]) -> set[object]:
        return set(parts.loc[parts["program_type"].isin(types), "person_id"])

    village = persons_of((VILLAGE_TYPE,))
    business = persons_of(BUSINESS_TYPES)
    counts: dict[str, float] = {
        "desa_migran_emas_with_business_support": len(village & business),
    }
    training = parts.loc[parts["program_type"].isin(TRAINING_TYPES)].rename(
        columns={"start": "date"}
    )
    business_rows = parts.loc[parts["program_type"].isin(BUSINESS_TYPES)].rename(
        columns={"start": "date"}
    )
    if places is not None:
        departures = places.rename(columns={"departure": "date"})
        counts["trained_then_placed"] = len(_before(training, departures))
        occ = places.get("occupation", pd.Series(index=places.index, dtype=object))
        sector = places.get("sector", pd.Series(index=places.index, dtype=object))
        welding = (occ.astype(str).str.contains(_WELDING, regex=True) & occ.notna()) | (
            sector.astype(str).str.contains(_WELDING, regex=True) & sector.notna()
        )
        counts["welding_trained_then_placed"] = len(
            _before(training, departures.loc[welding.to_numpy()])
        )
        returns = places.rename(columns={"return": "date"})
        counts["returned_then_business_support"] = len(
            _before(returns, business_rows, strict=False)
        )
    else:
        for name in HEADLINE_OVERLAPS:
            counts.setdefault(name, np.nan)
    headlines = pd.DataFrame(
        {
            "headline": list(HEADLINE_OVERLAPS),
            "description": list(HEADLINE_OVERLAPS.values()),
            "persons": pd.array([counts[k] for k in HEADLINE_OVERLAPS], dtype="Int64"),
        }
    )
    notes = []
    if places is None:
        notes.append("No placement table: placement overlaps were not computed.")
    return ProgrammeOverview(
        persons=persons,
        by_ministry=by_ministry,
        by_programme=by_programme,
        overlap=overlap,
        headlines=headlines,
        total_persons=len(p_uniques),
        unmatched=unmatched,
        notes=notes,
    )


# ---------------------------------------------------------------------------- journey
