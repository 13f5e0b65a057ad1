"""Golden records: one clean record per person, chosen field by field, with provenance.

A person (a cluster of records) usually has several values for the same field: two
spellings of a name, a NIK typed with a separator in one dataset and a wrong digit in
another, a phone number that changed. Survivorship rules pick, for each field, the value the
golden record keeps, and remember which record it came from (``<field>_from``).

The whole computation is vectorized: one sort and one "first row per person" per field,
so a million records take seconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._pandas import object_frame
from migrant_records.errors import ConfigError, SchemaError
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = [
    "DEFAULT_RULES",
    "GOLDEN_FIELDS",
    "SurvivorshipRule",
    "golden_records",
]

logger = logging.getLogger(__name__)

GOLDEN_FIELDS: tuple[str, ...] = CANONICAL_COLUMNS[2:]
"""The canonical person fields a golden record holds, in output order."""


class SurvivorshipRule(str, Enum):
    """How the value of one field is chosen among a person's records.

    Every rule breaks its ties the same way: the more frequent value among the person's
    records, then the source listed first in ``source_priority``, then the most complete
    record (most non-missing canonical fields), then the smallest ``(source, record_id)``.
    Missing values never win over present ones.

    Example:
        >>> SurvivorshipRule("most_recent")
        <SurvivorshipRule.MOST_RECENT: 'most_recent'>
    """

    MOST_FREQUENT = "most_frequent"
    """The value held by most of the person's records."""
    MOST_RECENT = "most_recent"
    """The value of the most recently extracted record (needs ``recency``)."""
    SOURCE_PRIORITY = "source_priority"
    """The value of the record whose source comes first in ``source_priority``."""
    MOST_COMPLETE = "most_complete"
    """The value of the record with the most non-missing canonical fields."""
    VALID_NIK = "valid_nik"
    """A value from a record with a valid NIK first, then the most frequent."""
    LONGEST = "longest"
    """The longest value (e.g. the fullest spelling of a name)."""

    @classmethod
    def parse(cls, value: str | SurvivorshipRule, *, field: str = "") -> SurvivorshipRule:
        """Turn a rule name into a rule, with a clear error for unknown names.

        Args:
            value: A rule or its name (case-insensitive; ``-`` and spaces read as ``_``).
            field: The field the rule is for, named in the error message.

        Raises:
            ConfigError: When the name is not a rule.
        """
        if isinstance(value, SurvivorshipRule):
            return value
        if isinstance(value, str):
            key = value.strip().lower().replace("-", "_").replace(" ", "_")
            for rule in cls:
                if rule.value == key:
                    return rule
        where = f" for field {field!r}" if field else ""
        valid = ", ".join(r.value for r in cls)
        raise ConfigError(f"Unknown survivorship rule {value!r}{where}; valid rules: {valid}.")


DEFAULT_RULES: dict[str, SurvivorshipRule] = {
    "nik": SurvivorshipRule.VALID_NIK,
    "full_name": SurvivorshipRule.MOST_FREQUENT,
    "sex": SurvivorshipRule.MOST_FREQUENT,
    "birth_date": SurvivorshipRule.MOST_FREQUENT,
    "birth_place": SurvivorshipRule.MOST_FREQUENT,
    "phone": SurvivorshipRule.MOST_FREQUENT,  # most_recent when ``recency`` is given
    "passport_no": SurvivorshipRule.MOST_FREQUENT,
    "address": SurvivorshipRule.MOST_FREQUENT,
    "village": SurvivorshipRule.MOST_FREQUENT,
    "district": SurvivorshipRule.MOST_FREQUENT,
    "regency": SurvivorshipRule.MOST_FREQUENT,
    "province": SurvivorshipRule.MOST_FREQUENT,
    "mother_name": SurvivorshipRule.MOST_FREQUENT,
}
"""Rules used when none is given for a field (``phone`` uses ``most_recent`` with ``recency``)."""

# Standardised columns whose values are grouped together when counting frequencies.
_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("name_norm",),
    "birth_place": ("birth_place_norm",),
    "address": ("address_norm",),
    "village": ("village_code",),
    "district": ("district_code",),
    "regency": ("regency_code",),
    "province": ("province_code",),
    "mother_name": ("mother_norm",),
}


# ---------------------------------------------------------------------------- helpers
@dataclass
class _Field:
    """One field, encoded: per record a value code (-1 = missing) into ``table`` (the clean
    output values) and a grouping-key code (equal keys count as one value)."""

    codes: np.ndarray
    table: np.ndarray
    keys: np.ndarray


def _encode_text(values: pd.Series, *, compact: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Factorize once, clean the unique values (strip, collapse whitespace; blank = missing)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    cleaned = [" ".join(str(u).split()) or None for u in uniques]
    if compact:
        cleaned = [c.replace(" ", "") if c else c for c in cleaned]
    table = np.array(cleaned, dtype=object) if cleaned else np.empty(0, dtype=object)
    blank = np.array([c is None for c in cleaned], dtype=bool)
    if blank.any():
        codes[(codes >= 0) & blank[np.maximum(codes, 0)]] = -1
    return codes, table


def _key_codes(codes: np.ndarray, table: np.ndarray, fold: Callable[[str], str]) -> np.ndarray:
    """Key code per record: the code of the folded clean value (e.g. casefolded)."""
    if len(table) == 0:
        return codes
    folded = np.array([fold(str(t)) for t in table], dtype=object)
    per_unique = pd.factorize(folded)[0].astype(np.int64)
    return np.where(codes >= 0, per_unique[np.maximum(codes, 0)], -1)


def _encode_field(records: pd.DataFrame, field: str) -> _Field:
    """Encode the value a golden record would output for each record, and its grouping key."""
    cols = records.columns
    if field == "birth_date" and "dob" in cols:
        dates = pd.to_datetime(records["dob"], errors="coerce")
        codes, uniques = pd.factorize(dates, use_na_sentinel=True)
        table = np.asarray(pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), dtype=object)
        codes = codes.astype(np.int64)
        return _Field(codes, table, codes)
    clean_col = {"nik": "nik_digits", "sex": "sex_norm", "phone": "phone_e164"}.get(field)
    if clean_col in cols:
        codes, table = _encode_text(records[clean_col])
        return _Field(codes, table, codes)
    if field not in cols:
        empty = np.full(len(records), -1, dtype=np.int64)
        return _Field(empty, np.empty(0, dtype=object), empty)
    codes, table = _encode_text(records[field])
    if field == "passport_no":
        return _Field(codes, table, _key_codes(codes, table, lambda t: t.replace(" ", "").upper()))
    keys = _key_codes(codes, table, str.casefold)
    for col in _KEY_COLUMNS.get(field, ()):
        if col in cols:
            std = pd.factorize(records[col], use_na_sentinel=True)[0].astype(np.int64)
            offset = int(std.max()) + 1 if len(std) else 0
            keys = np.where(std >= 0, std, keys + offset)
    return _Field(codes, table, keys)


def _joined_sources(pid: np.ndarray, src: pd.Series, n_persons: int) -> np.ndarray:
    """Sorted, ``;``-joined distinct sources per person."""
    codes, uniques = pd.factorize(src, sort=True)
    names = [str(u) for u in uniques]
    out = np.full(n_persons, None, dtype=object)
    if len(names) <= 62:
        masks = np.zeros(n_persons, dtype=np.int64)
        np.bitwise_or.at(masks, pid, np.left_shift(np.int64(1), codes.astype(np.int64)))
        distinct, inverse = np.unique(masks, return_inverse=True)
        text = np.array(
            [";".join(n for k, n in enumerate(names) if int(m) >> k & 1) or None for m in distinct],
            dtype=object,
        )
        out[:] = text[inverse.ravel()]
        out[masks == 0] = None
        return out
    pairs = np.unique(np.stack([pid, codes.astype(np.int64)], axis=1), axis=0)
    joined = (
        pd.Series(np.asarray(names, dtype=object)[pairs[:, 1]]).groupby(pairs[:, 0]).agg(";".join)
    )
    out[joined.index.to_numpy()] = joined.to_numpy()
    return out


def _bool_column(values: pd.Series) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy()
    return values.map(lambda v: v is True or v is np.True_ or v == 1).to_numpy(dtype=bool)


def _recency_values(
    records: pd.DataFrame, recency: str | Mapping[str, str] | None
) -> np.ndarray | None:
    """Recency rank per record: 0 for the newest extract date, missing dates last."""
    if recency is None:
        return None
    if isinstance(recency, str):
        if recency not in records.columns:
            raise ConfigError(
                f"recency={recency!r} is not a column of the records; pass the name of an "
                "extract-date column or a mapping source -> ISO date."
            )
        dates = pd.to_datetime(records[recency], errors="coerce")
    elif isinstance(recency, Mapping):
        parsed: dict[str, pd.Timestamp] = {}
        for source, value in recency.items():
            stamp = pd.to_datetime(value, errors="coerce")
            if pd.isna(stamp):
                raise ConfigError(
                    f"recency date {value!r} for source {source!r} is not a date; use ISO "
                    "YYYY-MM-DD."
                )
            parsed[str(source)] = stamp
        dates = pd.to_datetime(records["source"].astype(str).map(parsed), errors="coerce")
    else:
        raise ConfigError(
            f"recency must be a column name or a mapping source -> ISO date, "
            f"not {type(recency).__name__}."
        )
    # Dense rank, newest = 0, missing = last.
    codes, uniques = pd.factorize(dates, sort=True, use_na_sentinel=True)
    rank = (len(uniques) - 1 - codes).astype(np.int64)
    rank[codes < 0] = len(uniques)
    return rank


def _first_per_group(group: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """Row indices of the best row per group; ``keys`` are sort keys, most important first,
    each ascending (negate to sort descending)."""
    order = np.lexsort([*reversed(keys), group])
    g = group[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    return order[first]


def _resolve_rules(
    rules: Mapping[str, str | SurvivorshipRule] | None, recency_given: bool
) -> dict[str, SurvivorshipRule]:
    resolved = dict(DEFAULT_RULES)
    if recency_given:
        resolved["phone"] = SurvivorshipRule.MOST_RECENT
    for field, rule in (rules or {}).items():
        if field not in GOLDEN_FIELDS:
            raise ConfigError(
                f"No survivorship for unknown field {field!r}; fields: {', '.join(GOLDEN_FIELDS)}."
            )
        resolved[field] = SurvivorshipRule.parse(rule, field=field)
    return resolved


# ---------------------------------------------------------------------------- main
def golden_records(
    records: pd.DataFrame,
    clusters: pd.DataFrame,
    *,
    rules: Mapping[str, str | SurvivorshipRule] | None = None,
    source_priority: Sequence[str] | None = None,
    recency: str | Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Build one golden record per person, field by field, with provenance.

    Args:
        records: Canonical or prepared (standardised) records with ``source``, ``record_id``
            and the canonical columns. Standardised columns are used when present (see below).
        clusters: ``source, record_id, person_id``, one row per record.
        rules: Survivorship rule per field (a :class:`SurvivorshipRule` or its name), on top
            of :data:`DEFAULT_RULES`.
        source_priority: Sources from most to least trusted. Used by the ``source_priority``
            rule and to break ties of every rule; unlisted sources come last.
        recency: Extract date per record, for ``most_recent``: the name of a date column in
            ``records`` or a mapping ``source -> ISO date``. When given, ``phone`` defaults
            to ``most_recent``.

    Returns:
        One row per ``person_id`` (sorted) with ``person_id, n_records, sources`` (sorted,
        ``;``-joined), the fields of :data:`GOLDEN_FIELDS`, and a ``<field>_from`` column per
        field holding ``"source:record_id"`` of the record the value came from (missing when
        no record has a value). With standardised columns present, ``nik_valid`` (whether
        the chosen NIK is a valid, non-dummy identifier) is added after ``nik``.

        When the prepared frame is given, values are clean: ``nik`` the NIK digits,
        ``sex`` ``M``/``F``, ``birth_date`` ISO ``YYYY-MM-DD`` (from ``dob``), ``phone`` E.164
        (from ``phone_e164``); a record whose value could not be parsed does not offer it.
        Names, places and addresses keep their original spelling, whitespace-collapsed;
        their frequencies are counted on the normalised forms (``name_norm``, region codes,
        ...), so "SITI AMINAH" and "Siti Aminah" count as one value. ``full_name`` picks the
        most frequent normalised name, then its longest spelling; ``birth_date`` prefers
        dates that agree with the birth date encoded in a valid NIK.

    Raises:
        SchemaError: When a column is missing or a clustered record is not in ``records``.
        ConfigError: For an unknown rule or field, or a rule that needs an argument that
            was not given (``most_recent`` without ``recency``, ``source_priority``
            without ``source_priority``).

    Example:
        >>> import pandas as pd
        >>> recs = pd.DataFrame({"source": ["A", "B"], "record_id": ["1", "2"],
        ...                      "full_name": ["Siti Aminah", "SITI AMINAH"]})
        >>> cl = pd.DataFrame({"source": ["A", "B"], "record_id": ["1", "2"],
        ...                    "person_id": ["P1", "P1"]})
        >>> golden_records(recs, cl, source_priority=["B", "A"])[["full_name", "full_name_from"]]
             full_name full_name_from
        0  SITI AMINAH            B:2
    """
    for name, frame, needed in (
        ("records", records, ("source", "record_id")),
        ("clusters", clusters, ("source", "record_id", "person_id")),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise SchemaError(
                f"{name} lacks column(s) {', '.join(missing)}; found: "
                f"{', '.join(map(str, frame.columns))}."
            )
    resolved = _resolve_rules(rules, recency is not None)
    used = set(resolved.values())
    if SurvivorshipRule.MOST_RECENT in used and recency is None:
        fields = [f for f, r in resolved.items() if r is SurvivorshipRule.MOST_RECENT]
        raise ConfigError(
            f"Rule most_recent (for {', '.join(fields)}) needs recency=: a date column name "
            "or a mapping source -> ISO date."
        )
    if SurvivorshipRule.SOURCE_PRIORITY in used and not source_priority:
        fields = [f for f, r in resolved.items() if r is SurvivorshipRule.SOURCE_PRIORITY]
        raise ConfigError(
            f"Rule source_priority (for {', '.join(fields)}) needs source_priority=[...], "
            "the sources from most to least trusted."
        )

    # Attach the person id to each record (row order of ``records`` kept).
    rec = records
    src = rec["source"].astype(str)
    rid = rec["record_id"].astype(str)
    ref = src + ":" + rid
    cl_ref = clusters["source"].astype(str) + ":" + clusters["record_id"].astype(str)
    person_codes, persons = pd.factorize(clusters["person_id"], sort=True)
    lookup = pd.Series(person_codes, index=pd.Index(cl_ref))
    if not lookup.index.is_unique:
        dup = lookup.index[lookup.index.duplicated()][:5]
        raise SchemaError(
            f"clusters lists some records more than once (e.g. {', '.join(dup)}); each "
            "record must belong to exactly one person."
        )
    pid_all = lookup.reindex(ref).to_numpy(dtype=float)
    in_cluster = ~np.isnan(pid_all)
    if int(in_cluster.sum()) < len(lookup):
        absent_mask = ~lookup.index.isin(ref)
        if absent_mask.any():
            absent = lookup.index[absent_mask][:5]
            raise SchemaError(
                f"{int(absent_mask.sum())} clustered record(s) are not in records "
                f"(e.g. {', '.join(absent)}); pass the records the clusters were built from."
            )
    if not in_cluster.all():
        logger.warning(
            "%d record(s) have no person in clusters and are left out of the golden records",
            int((~in_cluster).sum()),
        )
        keep = np.flatnonzero(in_cluster)
        rec = rec.iloc[keep]
        src, rid, ref = src.iloc[keep], rid.iloc[keep], ref.iloc[keep]
    pid = pid_all[in_cluster].astype(np.int64)
    n_persons = len(persons)

    # Encode every field once (a factorize per column, cleaning on unique values only).
    encoded = {field: _encode_field(rec, field) for field in GOLDEN_FIELDS}

    # Per-record tie-breaks, folded into one rank: source priority, then the most complete
    # record (most fields with a value), then the smallest "source:record_id".
    priority_list = [str(s) for s in (source_priority or [])]
    prio_map = {s: i for i, s in enumerate(priority_list)}
    prio = src.map(prio_map).fillna(len(priority_list)).to_numpy(dtype=np.int64)
    completeness = np.zeros(len(rec), dtype=np.int64)
    for enc in encoded.values():
        completeness += enc.codes >= 0
    key_rank = pd.factorize(ref, sort=True)[0].astype(np.int64)
    tie = np.empty(len(rec), dtype=np.int64)
    tie[np.lexsort([key_rank, -completeness, prio])] = np.arange(len(rec))
    recency_rank = _recency_values(rec, recency)

    has_validity = "nik_id" in rec.columns or "nik_valid" in rec.columns
    if "nik_id" in rec.columns:
        nik_ok = rec["nik_id"].notna().to_numpy()
    elif "nik_valid" in rec.columns:
        nik_ok = _bool_column(rec["nik_valid"].fillna(False))
    else:
        nik_enc = encoded["nik"]
        table_ok = np.array(
            [bool(re.fullmatch(r"\d{16}", re.sub(r"[\s.\-']", "", str(t)))) for t in nik_enc.table],
            dtype=bool,
        )
        nik_ok = (nik_enc.codes >= 0) & (
            table_ok[np.maximum(nik_enc.codes, 0)] if len(table_ok) else False
        )

    dob_agrees: np.ndarray | None = None
    if "dob" in rec.columns and "nik_birth_date" in rec.columns:
        # A date agrees when it equals the birth date in any of the person's valid NIKs.
        nik_dates = pd.to_datetime(rec["nik_birth_date"], errors="coerce").to_numpy()
        own = pd.to_datetime(rec["dob"], errors="coerce").to_numpy()
        has = ~np.isnat(nik_dates)
        known = pd.MultiIndex.from_arrays([pid[has], nik_dates[has]])
        dob_agrees = pd.MultiIndex.from_arrays([pid, own]).isin(known) & ~np.isnat(own)

    out: dict[str, Any] = {
        "person_id": np.asarray(persons),
        "n_records": np.bincount(pid, minlength=n_persons),
        "sources": _joined_sources(pid, src, n_persons),
    }
    provenance: dict[str, np.ndarray] = {}
    ref_arr = ref.to_numpy(dtype=object)
    nik_valid = pd.array([pd.NA] * n_persons, dtype="boolean")
    for field in GOLDEN_FIELDS:
        enc = encoded[field]
        golden = np.full(n_persons, None, dtype=object)
        origin = np.full(n_persons, None, dtype=object)
        idx = np.flatnonzero(enc.codes >= 0)
        if len(idx):
            p = pid[idx]
            key = enc.keys[idx]
            combined = p * (int(key.max()) + 1) + key
            group_codes = pd.factorize(combined)[0]
            freq = np.bincount(group_codes)[group_codes]
            lengths = np.array([len(t) for t in enc.table], dtype=np.int64)[enc.codes[idx]]
            rule = resolved[field]
            sort_keys: list[np.ndarray] = []
            if rule is SurvivorshipRule.MOST_RECENT:
                assert recency_rank is not None
                sort_keys.append(recency_rank[idx])
            elif rule is SurvivorshipRule.SOURCE_PRIORITY:
                sort_keys.append(prio[idx])
            elif rule is SurvivorshipRule.MOST_COMPLETE:
                sort_keys.append(-completeness[idx])
            elif rule is SurvivorshipRule.VALID_NIK:
                sort_keys.append(-nik_ok[idx].astype(np.int64))
            elif rule is SurvivorshipRule.LONGEST:
                sort_keys.append(-lengths)
            elif field == "birth_date" and dob_agrees is not None:
                sort_keys.append(-dob_agrees[idx].astype(np.int64))
            sort_keys.append(-freq)
            if field == "full_name" and rule is SurvivorshipRule.MOST_FREQUENT:
                sort_keys.append(-lengths)
            sort_keys.append(tie[idx])
            best = idx[_first_per_group(p, sort_keys)]
            golden[pid[best]] = enc.table[enc.codes[best]]
            origin[pid[best]] = ref_arr[best]
            if field == "nik":
                nik_valid[pid[best]] = nik_ok[best]
        out[field] = golden
        provenance[field] = origin
        if field == "nik" and has_validity:
            out["nik_valid"] = nik_valid
    for field in GOLDEN_FIELDS:
        out[f"{field}_from"] = provenance[field]
    result = object_frame(out)
    logger.info("built %d golden records from %d records", len(result), len(rec))
    return result
