"""The one bridge from the Spark engine to the pandas stage functions (internal).

Everything the Spark engine computes on records or pairs goes through the functions here,
which call the same standardisation, blocking keys, comparators, model and clustering code as
:class:`~migrant_records.Matcher`. Each function works on one pandas batch (a partition, a
group or a component), so the Spark engine reaches the same results as the pandas engine by
running the same code, not a copy of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records import pipeline
from migrant_records.blocking import BaseStrategy, BlockingStrategy, ExactBlock, QGramLSH
from migrant_records.blocking._keys import KeyItem, key_codes
from migrant_records.blocking.duplicates import IDENTIFYING_COLUMNS
from migrant_records.blocking.strategies import minhash_signatures
from migrant_records.cluster import assign_person_ids, cluster_pairs, nik_conflict
from migrant_records.cluster.graph import constraints_from
from migrant_records.cluster.split import as_objects, name_tokens
from migrant_records.compare import Comparator, compare_pairs
from migrant_records.errors import ConfigError
from migrant_records.matcher import Matcher
from migrant_records.model import FellegiSunter, Training, sample_random_pairs
from migrant_records.model.tf import _codes as _tf_codes
from migrant_records.records import record_key
from migrant_records.schemas import CANONICAL_COLUMNS
from migrant_records.standardize import standardize
from migrant_records.standardize.core import profile_from_evidence
from migrant_records.standardize.nik import parse_nik
from migrant_records.standardize.person_columns import recognize_person_columns

__all__ = [
    "KEY_SEP",
    "candidate_gamma",
    "check_strategies",
    "conflict_frame",
    "edge_conflicts",
    "exact_items",
    "identifying_columns",
    "key_strings",
    "lsh_band_keys",
    "nik_partition_key",
    "person_ids",
    "prepare",
    "random_pairs_of",
    "record_keys",
    "resolve",
    "score",
    "side_profile",
    "split_component",
    "tf_values",
    "train",
]

KEY_SEP = "\x1f"
"""Separator between the parts of a composite blocking key."""

_MULT = np.uint64(0x9E3779B97F4A7C15)


# ---------------------------------------------------------------------- standardisation
def prepare(
    frame: pd.DataFrame,
    *,
    profile: str,
    min_year: int,
    person_columns: dict[str, str] | None,
) -> pd.DataFrame:
    """Standardise one batch of canonical records as ``pipeline.prepare_inputs`` does, with the
    profile and the generic person columns decided once for all records of the side."""
    return standardize(
        frame.reset_index(drop=True),
        profile=profile,
        min_year=min_year,
        person_columns=person_columns,
    )


def side_profile(
    profile: str, probe: pd.DataFrame, evidence: Callable[[], tuple[int, int, int, int]]
) -> tuple[str, dict[str, str]]:
    """The name profile and generic person columns of one side, as ``standardize`` decides
    them on all of the side's records.

    Args:
        profile: The matcher's profile (``auto`` decides from the data).
        probe: Each column's first 200 non-missing values in record order (what the person
            column recognition reads).
        evidence: Counts of :func:`~migrant_records.standardize.core.profile_evidence` over
            all records (called only when needed).
    """
    roles = recognize_person_columns(probe, exclude=frozenset(CANONICAL_COLUMNS))
    if profile == "auto":
        if not set(roles) - {"occupation"}:
            profile = "indonesia"
        else:
            profile = profile_from_evidence(evidence())
    return profile, roles


def nik_partition_key(nik: pd.Series) -> pd.Series:
    """The cleaned NIK of valid NIKs (``None`` otherwise): records sharing one are standardised
    together, so that checks across records of one NIK (repeated NIKs) see all of them."""
    parsed = parse_nik(nik.reset_index(drop=True))
    digits = parsed["nik"].to_numpy(dtype=object)
    valid = parsed["valid"].to_numpy(dtype=bool)
    out = np.full(len(digits), None, dtype=object)
    out[valid] = digits[valid]
    return pd.Series(out, index=nik.index, dtype=object)


def resolve(
    matcher: Matcher, left: pd.DataFrame, right: pd.DataFrame | None
) -> tuple[list[Comparator], list[BlockingStrategy]]:
    """Comparators and blocking passes of ``matcher`` for frames with these filled columns."""
    matcher._resolve(pipeline.Inputs(left=left, right=right, rejects=pd.DataFrame()))
    assert matcher.comparators_ is not None and matcher.blocking_ is not None
    return list(matcher.comparators_), list(matcher.blocking_)


def identifying_columns(columns: Sequence[str]) -> list[str]:
    """The columns on which exact copies are equal (the pandas engine's collapse of copies)."""
    return [c for c in IDENTIFYING_COLUMNS if c in columns]


# ---------------------------------------------------------------------- blocking keys
def exact_items(strategy: BlockingStrategy) -> list[KeyItem] | None:
    """The key items of a pass that pairs records with equal keys (``None`` for others).

    ``ExactBlock`` passes and user strategies that only define ``keys(frame)``.
    """
    if isinstance(strategy, ExactBlock):
        return list(strategy.items)
    if (
        isinstance(strategy, BaseStrategy)
        and not isinstance(strategy, QGramLSH)
        and type(strategy).keys is not BaseStrategy.keys
        and type(strategy)._block_pairs is BaseStrategy._block_pairs
    ):
        return [strategy.keys]
    return None


def check_strategies(strategies: Sequence[BlockingStrategy]) -> None:
    """Refuse passes the Spark engine cannot run as joins, with what to use instead."""
    names = [s.name for s in strategies]
    if len(set(names)) != len(names):
        raise ConfigError(f"Blocking pass names must be unique, got {names}; pass name=... .")
    for s in strategies:
        if exact_items(s) is None and not isinstance(s, QGramLSH):
            raise ConfigError(
                f"Blocking pass {s.name!r} ({type(s).__name__}) cannot run on Spark: the Spark "
                "engine runs passes that pair records with equal keys (ExactBlock, or a "
                "BaseStrategy with a keys(frame) method) and QGramLSH, as joins on their keys. "
                "Express the pass as a key, or run this matcher with the pandas engine."
            )


def key_strings(items: Sequence[KeyItem], frame: pd.DataFrame) -> np.ndarray:
    """One string per row naming the row's block (``None`` where a key part is missing).

    The parts are computed by the pandas blocking code (``key_codes``), so two records share a
    key string exactly when the pandas engine puts them in one block.
    """
    keys = key_codes(items, [frame.reset_index(drop=True)])
    out = np.full(len(frame), None, dtype=object)
    valid = keys.codes >= 0
    if not valid.any():
        return out
    pieces: list[np.ndarray] = []
    for (codes, uniques), label in zip(keys.parts, keys.labels):
        uniq = np.asarray(uniques, dtype=object)
        text = np.array([f"{label}={_plain(v)}" for v in uniq.tolist()] + [""], dtype=object)
        pieces.append(text[np.where(codes >= 0, codes, len(uniq))])
    joined = pieces[0]
    for part in pieces[1:]:
        joined = joined + KEY_SEP + part
    out[valid] = joined[valid]
    return out


def _plain(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


def lsh_band_keys(strategy: QGramLSH, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Band block keys of a :class:`QGramLSH` pass for one batch.

    Returns:
        ``(keys, values)``: ``keys`` has shape ``(rows, bands)`` (``None`` where the record is
        in no block), ``values`` the record's value (pairs of one band block must differ in
        it when the pass leaves equal values to other passes).
    """
    frame = frame.reset_index(drop=True)
    value_keys = key_codes([strategy.column], [frame])
    vcodes = value_keys.codes
    uniques = np.asarray(value_keys.parts[0][1], dtype=object)
    within = key_strings(strategy.within, frame) if strategy.within else None
    valid = vcodes >= 0
    if within is not None:
        valid &= pd.notna(within)
    keys = np.full((len(frame), strategy.bands), None, dtype=object)
    values = np.full(len(frame), None, dtype=object)
    if not valid.any():
        return keys, values
    used = np.unique(vcodes[valid])
    sig = minhash_signatures(
        [str(uniques[v]) for v in used], strategy.q, strategy.num_perm, strategy.seed
    )
    slot = np.searchsorted(used, vcodes[valid])
    rows = np.flatnonzero(valid)
    values[rows] = uniques[vcodes[valid]]
    suffix = within[rows] if within is not None else np.full(len(rows), "", dtype=object)
    for band in range(strategy.bands):
        block = sig[:, band * strategy.rows : (band + 1) * strategy.rows].astype(np.uint64)
        h = np.zeros(len(block), dtype=np.uint64)
        for r in range(strategy.rows):
            h = (h ^ block[:, r]) * _MULT
        text = np.array([f"band {band} ~ {x:016x}" for x in h.tolist()], dtype=object)
        keys[rows, band] = text[slot] + KEY_SEP + suffix
    return keys, values


# ---------------------------------------------------------------------- comparison
def candidate_gamma(
    comparators: Sequence[Comparator], left: pd.DataFrame, right: pd.DataFrame
) -> np.ndarray:
    """Comparison levels of row-aligned pairs (row ``k`` of ``left`` with row ``k`` of
    ``right``)."""
    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)
    pos = np.arange(len(left), dtype=np.int64)
    return compare_pairs(comparators, left, right, pos, pos)


def tf_columns(comparators: Sequence[Comparator]) -> dict[str, str]:
    """Comparator name -> the column whose value frequency adjusts its exact level."""
    out: dict[str, str] = {}
    for comp in comparators:
        column = getattr(comp, "tf_column", None)
        if column:
            out[comp.name] = str(column)
    return out


def tf_values(values: pd.Series) -> pd.Series:
    """The value counted for term frequencies (``None`` for nulls and blank strings)."""
    codes, uniq = _tf_codes(values.reset_index(drop=True))
    arr = np.concatenate([np.asarray(uniq, dtype=object), np.array([None], dtype=object)])
    return pd.Series(arr[np.where(codes >= 0, codes, len(uniq))], index=values.index)


def pair_tf(left: pd.Series, right: pd.Series, freq: pd.Series) -> np.ndarray:
    """Frequency of the shared value of each row-aligned pair (NaN where they differ)."""
    lv = tf_values(left).to_numpy(dtype=object)
    rv = tf_values(right).to_numpy(dtype=object)
    agree = pd.notna(lv) & (lv == rv)
    out = np.full(len(lv), np.nan, dtype=np.float32)
    out[agree] = freq.to_numpy(dtype=np.float64)[agree]
    return out


# ---------------------------------------------------------------------- model
def random_pairs_of(
    matcher: Matcher, n_left: int, n_right: int | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` random pairs the pandas engine draws to estimate u (same seed)."""
    return sample_random_pairs(n_left, n_right, max_pairs=n, seed=matcher.seed)


def train(
    matcher: Matcher,
    comparators: Sequence[Comparator],
    n_left: int,
    n_right: int | None,
    random_levels: Callable[[int], tuple[np.ndarray, np.ndarray]],
    patterns: np.ndarray,
    counts: np.ndarray,
) -> None:
    """Train ``matcher``'s model on comparison patterns and their counts (the model contract).

    Args:
        matcher: The matcher; its model (or a new Fellegi-Sunter model) is trained.
        comparators: The comparators (names and levels of the pattern columns).
        n_left: Records (dedupe) or left records (link).
        n_right: Right records (link) or ``None``.
        random_levels: ``n -> (patterns, counts)`` of ``n`` random pairs, compared on Spark.
        patterns: Distinct comparison patterns of the candidate pairs.
        counts: Number of candidate pairs with each pattern.

    A Fellegi-Sunter model trains on the counts directly (EM runs on patterns anyway, and the
    counts are whole numbers, so the model equals the pandas engine's); other models get the
    patterns repeated by their counts.
    """
    model = matcher._new_model()

    def expand(pat: np.ndarray, cnt: np.ndarray) -> np.ndarray:
        return np.repeat(pat, cnt.astype(np.int64), axis=0)

    def levels(n: int) -> np.ndarray:
        return expand(*random_levels(n))

    common: dict[str, Any] = {
        "comparator_names": [c.name for c in comparators],
        "level_labels": [list(c.labels) for c in comparators],
        "n_left": n_left,
        "n_right": n_right,
        "random_levels": levels,
    }
    if isinstance(model, FellegiSunter):
        training = Training(gamma=patterns, counts=counts, **common)
    else:
        training = Training(gamma=expand(patterns, counts), **common)
    matcher.model_ = model.fit(training)


def score(
    model: Any, gamma: np.ndarray, tf: dict[str, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Match weight and probability of each pair, through the model's own scoring path."""
    weight, prob = model.score(gamma, tf)
    return np.asarray(weight, dtype=np.float64), np.asarray(prob, dtype=np.float64)


# ---------------------------------------------------------------------- clustering
#: Spark type of each conflict attribute (the columns of ``cluster.CONFLICT_COLUMNS``).
CONFLICT_TYPES: dict[str, str] = {
    "nik_id": "string",
    "nik_agrees_dob": "boolean",
    "nik_birth_date": "timestamp_ntz",
    "nik_district_code": "string",
    "sex": "string",
    "name": "string",
    "dob": "timestamp_ntz",
}


def conflict_frame(
    rule: Callable[[pd.DataFrame], pd.DataFrame], records: pd.DataFrame
) -> pd.DataFrame:
    """The matcher's conflict attributes of a batch of prepared records, plus ``_tnik`` (the
    trusted NIK, ``None`` where there is none) and ``_sexc`` (``0`` / ``1``, ``-1`` unknown):
    a component whose records hold two trusted NIKs or two sexes may have to be split.

    The rule reads each record on its own (as ``cluster.conflict_attributes`` does), so a
    batch gives the rows that all records together would.
    """
    attrs = rule(records.reset_index(drop=True)).reset_index(drop=True)
    known = [c for c in CONFLICT_TYPES if c in attrs.columns]
    out = pd.DataFrame({c: attrs[c] for c in known})
    for c in known:
        if CONFLICT_TYPES[c] == "string":
            values = out[c].astype(object).tolist()
            missing = out[c].isna().tolist()
            out[c] = pd.Series(
                [None if m else str(v) for v, m in zip(values, missing)], dtype=object
            )
    constraints = constraints_from(out, len(out))
    out["_tnik"] = pd.Series(constraints.nik, dtype=object).map(
        lambda v: None if v is None else str(v)
    )
    out["_sexc"] = constraints.sex.astype(np.int32)
    return out


def split_component(
    nodes: pd.DataFrame, edges: pd.DataFrame, threshold: float, columns: Sequence[str]
) -> np.ndarray:
    """Cluster one component as the pandas engine does (``cluster_pairs`` with its conflict
    attributes, record keys and match weights): its split at true conflicts, if any.

    Args:
        nodes: ``node, key`` and the conflict attribute ``columns`` of the component's records.
        edges: ``a, b, p, w`` (node ids, probability, match weight) of its edges.
        threshold: The matcher's threshold.
        columns: The conflict attribute columns.

    Returns:
        A label per row of ``nodes``.
    """
    local = pd.Series(np.arange(len(nodes)), index=nodes["node"].to_numpy())
    a = local.reindex(edges["a"].to_numpy()).to_numpy(dtype=np.int64)
    b = local.reindex(edges["b"].to_numpy()).to_numpy(dtype=np.int64)
    conflicts = nodes[list(columns)].reset_index(drop=True)
    return cluster_pairs(
        len(nodes),
        a,
        b,
        edges["p"].to_numpy(dtype=np.float64),
        threshold=threshold,
        conflicts=conflicts,
        keys=nodes["key"].astype(str).to_numpy(dtype=object),
        weight=edges["w"].to_numpy(dtype=np.float64),
    )


def edge_conflicts(ends: pd.DataFrame) -> np.ndarray:
    """Whether the two records of each edge conflict by themselves (two sexes, or two trusted
    NIKs that prove two people: ``cluster.nik_conflict``).

    Args:
        ends: Per edge ``sex_a, sex_b`` (sex codes) and, where known, ``nik_a, nik_b``,
            ``nik_birth_date_a/_b``, ``nik_district_code_a/_b`` and ``name_a, name_b``.
    """
    n = len(ends)
    sex_a = ends["sex_a"].to_numpy(dtype=np.int64)
    sex_b = ends["sex_b"].to_numpy(dtype=np.int64)
    out = (sex_a >= 0) & (sex_b >= 0) & (sex_a != sex_b)

    def col(name: str) -> list[object]:
        return as_objects(ends[name].to_numpy()) if name in ends else [None] * n

    nik_a, nik_b = col("nik_a"), col("nik_b")
    dob_a, dob_b = col("nik_birth_date_a"), col("nik_birth_date_b")
    dis_a, dis_b = col("nik_district_code_a"), col("nik_district_code_b")
    name_a, name_b = col("name_a"), col("name_b")
    differ = [
        k
        for k in np.flatnonzero(~out).tolist()
        if nik_a[k] is not None and nik_b[k] is not None and nik_a[k] != nik_b[k]
    ]
    for k in differ:
        out[k] = nik_conflict(
            str(nik_a[k]),
            str(nik_b[k]),
            dob_a[k],
            dob_b[k],
            dis_a[k],
            dis_b[k],
            name_tokens(name_a[k]),
            name_tokens(name_b[k]),
        )
    return out


def record_keys(source: pd.Series, record_id: pd.Series) -> np.ndarray:
    """The record key of each record (``migrant_records.records.record_key``)."""
    return record_key(source.reset_index(drop=True), record_id.reset_index(drop=True)).to_numpy(
        dtype=object
    )


def person_ids(min_keys: Sequence[str] | np.ndarray) -> np.ndarray:
    """The person id of each cluster from its smallest record key (pandas engine's ids)."""
    keys = np.asarray(min_keys, dtype=object)
    return assign_person_ids(np.arange(len(keys)), keys)
