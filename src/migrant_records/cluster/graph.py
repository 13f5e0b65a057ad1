"""Clusters from scored pairs: connected components, then splitting at true conflicts.

Records are nodes; pairs scored at or above the threshold are edges. Connected components are
the first clusters. A component can hold records that must not be one person, because one
wrong edge joined two people: two trusted NIKs that differ by more than a keying error and
encode different birth dates or districts, different sexes, or a pair a reviewer marked "not a
match". Only such offending components (usually few) are split (see
:mod:`migrant_records.cluster.split`): records sharing a trusted NIK or agreeing exactly on
name and birth date stay together, the fewest and weakest edges between conflicting records
are cut, and the other records go to the side they agree with most.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from migrant_records.cluster.conflicts import CONFLICT_COLUMNS, nik_conflict
from migrant_records.cluster.split import Constraints, as_objects, name_tokens, split_components
from migrant_records.errors import ConfigError

__all__ = ["cluster_pairs", "constraints_from"]

logger = logging.getLogger(__name__)

ConflictsLike = pd.DataFrame | Mapping[str, Any]


def _as_positions(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ConfigError(f"{name} must be a 1-D array of row positions.")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ConfigError(f"{name} must hold integer row positions, got dtype {arr.dtype}.")
    return arr.astype(np.int64, copy=False)


def _sex_codes(values: Any, n_records: int) -> np.ndarray:
    """``0`` male, ``1`` female, ``-1`` anything else."""
    raw, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object)))
    if len(raw) != n_records:
        raise ConfigError(f"conflicts['sex'] has {len(raw)} values for {n_records} records.")
    norm = {"M": 0, "F": 1}
    mapped = np.array([norm.get(str(u).strip().upper(), -1) for u in uniques] + [-1], np.int64)
    return np.asarray(mapped[raw], dtype=np.int64)  # raw == -1 (missing) picks the trailing -1


def _values(cols: ConflictsLike, name: str, n_records: int) -> np.ndarray:
    """The column as an array (object ``None`` column when absent); missing values kept."""
    if name not in cols:
        return np.full(n_records, None, dtype=object)
    values = cols[name]
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if len(arr) != n_records:
        raise ConfigError(f"conflicts[{name!r}] has {len(arr)} values for {n_records} records.")
    return arr


def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def constraints_from(conflicts: ConflictsLike | None, n_records: int) -> Constraints:
    """Read the ``conflicts`` argument of :func:`cluster_pairs` into constraint arrays.

    Args:
        conflicts: Frame or mapping with any of the columns of
            :data:`~migrant_records.cluster.conflicts.CONFLICT_COLUMNS` (others are ignored).
        n_records: Number of records.

    Returns:
        The per-record :class:`~migrant_records.cluster.split.Constraints`.
    """
    cols: ConflictsLike = conflicts if conflicts is not None else {}
    nik = _values(cols, "nik_id", n_records)
    if "nik_agrees_dob" in cols:
        agree = np.asarray(cols["nik_agrees_dob"])
        if agree.dtype != bool:
            agree = pd.array(agree, dtype="boolean").fillna(False).to_numpy(dtype=bool)
        if len(agree) != n_records:
            raise ConfigError(
                f"conflicts['nik_agrees_dob'] has {len(agree)} values for {n_records} records."
            )
        nik = np.where(agree, nik, None)  # type: ignore[call-overload]
    nik = np.asarray(nik, dtype=object)
    nik_code = pd.factorize(nik, use_na_sentinel=True)[0].astype(np.int64)
    sex = (
        _sex_codes(cols["sex"], n_records)
        if "sex" in cols
        else np.full(n_records, -1, dtype=np.int64)
    )
    unknown = set(map(str, cols)) - set(CONFLICT_COLUMNS)
    if unknown:
        logger.debug("Ignoring conflict columns %s", sorted(unknown))
    names = _values(cols, "name", n_records)
    return Constraints(
        nik=nik,
        nik_code=nik_code,
        names=names,
        nik_dob=_values(cols, "nik_birth_date", n_records),
        nik_district=_values(cols, "nik_district_code", n_records),
        sex=sex,
        dob=_values(cols, "dob", n_records),
    )


def _offending_labels(labels: np.ndarray, c: Constraints) -> np.ndarray:
    """Component labels holding a true conflict (two sexes, or two conflicting NIKs)."""
    bad: list[np.ndarray] = []
    n_lab = int(labels.max()) + 1 if len(labels) else 0
    codes = [c.sex, c.nik_code]
    candidates: list[np.ndarray] = []
    for k, code in enumerate(codes):
        ok = code >= 0
        if not ok.any():
            continue
        lo = np.full(n_lab, np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(n_lab, -1, dtype=np.int64)
        np.minimum.at(lo, labels[ok], code[ok])
        np.maximum.at(hi, labels[ok], code[ok])
        found = np.flatnonzero((hi >= 0) & (lo != hi))
        (bad if k == 0 else candidates).append(found)
    if candidates and len(candidates[0]):
        # two different NIKs in a component: a conflict only if some pair truly conflicts
        rows = np.flatnonzero(np.isin(labels, candidates[0]) & (codes[1] >= 0))
        rows = rows[np.argsort(labels[rows], kind="stable")]
        lab = labels[rows].tolist()
        niks = [str(v) for v in c.nik[rows].tolist()]
        dobs = as_objects(c.nik_dob[rows])
        districts = as_objects(c.nik_district[rows])
        names = [name_tokens(v) for v in c.names[rows].tolist()]
        confirmed = []
        start = 0
        while start < len(rows):
            end = start
            entries: dict[str, tuple[Any, Any, Any, Any]] = {}
            while end < len(rows) and lab[end] == lab[start]:
                have = entries.get(niks[end])
                tokens = names[end]
                if have is not None and have[3]:
                    tokens = have[3] | tokens if tokens else have[3]
                entries[niks[end]] = (niks[end], dobs[end], districts[end], tokens)
                end += 1
            items = list(entries.values())
            if any(
                nik_conflict(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
                for x, a in enumerate(items)
                for b in items[x + 1 :]
            ):
                confirmed.append(lab[start])
            start = end
        bad.append(np.asarray(confirmed, dtype=np.int64))
    if not bad:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(bad))


def cluster_pairs(
    n_records: int,
    i: np.ndarray,
    j: np.ndarray,
    probability: np.ndarray,
    *,
    threshold: float = 0.5,
    conflicts: ConflictsLike | None = None,
    cannot_link: tuple[np.ndarray, np.ndarray] | None = None,
    keys: Sequence[str] | np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Cluster records from scored pairs.

    Args:
        n_records: Number of records (row positions ``0 .. n_records - 1``).
        i: First record of each pair.
        j: Second record of each pair.
        probability: Match probability of each pair.
        threshold: Pairs with probability at or above this are joined.
        conflicts: Optional per-record attributes (frame or mapping of arrays), as
            :func:`~migrant_records.cluster.conflict_attributes` builds them from prepared
            records: ``nik_id`` (trusted only where ``nik_agrees_dob`` is true, when that
            column is present), ``nik_birth_date`` and ``nik_district_code`` (what the NIK
            encodes), ``sex`` (``M`` / ``F``) and ``link_key`` (records sharing it are kept
            together). Two trusted NIKs conflict when they differ by more than one keying
            error and their encoded birth dates or districts differ (or are unknown).
        cannot_link: Optional ``(i, j)`` arrays of pairs that must end in different clusters
            (reviewer "not a match" labels), even when other records link them.
        keys: Optional stable key per record (such as ``"source|record_id"``) used to break
            ties between equally strong edges, so results do not depend on row order.
        weight: Optional strength of each pair (such as the match weight) used to order edges
            when splitting; by default the log-odds of ``probability``.

    Returns:
        ``int64`` cluster label per record, numbered ``0, 1, ...`` in order of each cluster's
        first record.

    Example:
        >>> cluster_pairs(4, np.array([0, 2]), np.array([1, 3]), np.array([0.9, 0.2])).tolist()
        [0, 0, 1, 2]
    """
    if n_records < 0:
        raise ConfigError(f"n_records must not be negative, got {n_records}.")
    ii = _as_positions(i, "i")
    jj = _as_positions(j, "j")
    p = np.asarray(probability, dtype=np.float64)
    if not (len(ii) == len(jj) == len(p)):
        raise ConfigError(
            f"i, j and probability must have the same length (got {len(ii)}, {len(jj)}, {len(p)})."
        )
    if len(ii) and (min(ii.min(), jj.min()) < 0 or max(ii.max(), jj.max()) >= n_records):
        raise ConfigError(f"Pair positions must lie in [0, {n_records - 1}].")
    if keys is not None and len(keys) != n_records:
        raise ConfigError(f"keys has {len(keys)} values for {n_records} records.")
    if n_records == 0:
        return np.empty(0, dtype=np.int64)

    if weight is not None and len(np.asarray(weight)) != len(p):
        raise ConfigError(f"weight has {len(np.asarray(weight))} values for {len(p)} pairs.")
    keep = (p >= threshold) & (ii != jj)
    ei, ej, ep = ii[keep], jj[keep], p[keep]
    graph = coo_matrix(
        (np.ones(len(ei), dtype=np.int8), (ei, ej)), shape=(n_records, n_records)
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)

    constraints = constraints_from(conflicts, n_records)
    bad = _offending_labels(labels, constraints)
    cannot: dict[int, set[int]] = {}
    if cannot_link is not None:
        ci = _as_positions(cannot_link[0], "cannot_link[0]")
        cj = _as_positions(cannot_link[1], "cannot_link[1]")
        if len(ci) != len(cj):
            raise ConfigError("cannot_link arrays must have the same length.")
        if len(ci) and (min(ci.min(), cj.min()) < 0 or max(ci.max(), cj.max()) >= n_records):
            raise ConfigError(f"cannot_link positions must lie in [0, {n_records - 1}].")
        hit = (labels[ci] == labels[cj]) & (ci != cj)
        if hit.any():
            bad = np.union1d(bad, labels[ci[hit]])
            for t, (a, b) in enumerate(zip(ci[hit].tolist(), cj[hit].tolist())):
                cannot.setdefault(a, set()).add(t)
                cannot.setdefault(b, set()).add(t)

    if len(bad):
        if weight is not None:
            ew = np.asarray(weight, dtype=np.float64)[keep]
        else:
            clipped = np.clip(ep, 1e-15, 1 - 1e-15)
            ew = np.log2(clipped / (1 - clipped))
        labels = split_components(labels, bad, ei, ej, ew, constraints, cannot, keys)

    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    return order[inv.reshape(-1)].astype(np.int64)
