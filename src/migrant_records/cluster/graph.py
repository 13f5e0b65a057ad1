"""Clusters from scored pairs: connected components, then splitting at conflicts.

Records are nodes; pairs scored at or above the threshold are edges. Connected components are
the first clusters. A component can hold records that must not be one person, because one
wrong edge joined two people: two different valid NIKs that each agree with their record's
birth date, different sexes, or a pair a reviewer marked "not a match". Only such offending
components (usually few) are split, at their weakest links.

Splitting one component:

1. Keep, of the component's edges, its maximum spanning tree: the strongest edges that still
   connect every record. Any other edge is never stronger than the tree edges on the path it
   bypasses.
2. Rebuild the component by adding the tree edges from strongest to weakest (ties broken by
   record key, then row position), skipping any edge whose two sides hold conflicting records.

Every skipped edge is the weakest link on the tree path between two conflicting records, so
the result is what repeatedly cutting the weakest link between conflicting records gives, and
the same input always gives the same clusters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from migrant_records.errors import ConfigError

__all__ = ["cluster_pairs", "conflict_codes"]

logger = logging.getLogger(__name__)

ConflictsLike = pd.DataFrame | Mapping[str, Any]


def _as_positions(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ConfigError(f"{name} must be a 1-D array of row positions.")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ConfigError(f"{name} must hold integer row positions, got dtype {arr.dtype}.")
    return arr.astype(np.int64, copy=False)


def _factor(values: Any, n_records: int, name: str, valid: np.ndarray | None = None) -> np.ndarray:
    """Integer code per record (-1 where missing or not valid)."""
    s = pd.Series(np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values)
    if len(s) != n_records:
        raise ConfigError(f"conflicts[{name!r}] has {len(s)} values for {n_records} records.")
    s = s.reset_index(drop=True)
    codes, _ = pd.factorize(s, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    if valid is not None:
        codes[~valid] = -1
    return codes


def conflict_codes(conflicts: ConflictsLike | None, n_records: int) -> list[np.ndarray]:
    """Per-record attribute codes that must not differ inside a cluster (-1 = no constraint).

    Args:
        conflicts: Frame or mapping with any of ``nik_id`` (identifier; only used where
            ``nik_agrees_dob`` is true, when that column is present), ``nik_agrees_dob``
            (bool), ``sex`` (``M`` / ``F``; anything else is ignored).
        n_records: Number of records.

    Returns:
        One ``int64`` code array per attribute.
    """
    if conflicts is None:
        return []
    cols = conflicts
    out: list[np.ndarray] = []
    if "nik_id" in cols:
        valid = None
        if "nik_agrees_dob" in cols:
            agree = np.asarray(cols["nik_agrees_dob"])
            if agree.dtype == bool:
                valid = agree
            else:
                valid = pd.array(agree, dtype="boolean").fillna(False).to_numpy(dtype=bool)
            if len(valid) != n_records:
                raise ConfigError(
                    f"conflicts['nik_agrees_dob'] has {len(valid)} values for {n_records} records."
                )
        out.append(_factor(cols["nik_id"], n_records, "nik_id", valid))
    if "sex" in cols:
        raw, uniques = pd.factorize(pd.Series(np.asarray(cols["sex"], dtype=object)))
        if len(raw) != n_records:
            raise ConfigError(f"conflicts['sex'] has {len(raw)} values for {n_records} records.")
        norm = {"M": 0, "F": 1}
        mapped = np.array(
            [norm.get(str(u).strip().upper(), -1) for u in uniques] + [-1], dtype=np.int64
        )
        out.append(mapped[raw])  # raw == -1 (missing) picks the trailing -1
    unknown = set(cols) - {"nik_id", "nik_agrees_dob", "sex"}
    if unknown:
        logger.debug("Ignoring conflict columns %s", sorted(map(str, unknown)))
    return out


def _offending_labels(labels: np.ndarray, codes: Sequence[np.ndarray]) -> np.ndarray:
    """Component labels holding two different non-missing codes of some attribute."""
    bad: list[np.ndarray] = []
    for code in codes:
        ok = code >= 0
        if not ok.any():
            continue
        n_lab = int(labels.max()) + 1
        lo = np.full(n_lab, np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(n_lab, -1, dtype=np.int64)
        np.minimum.at(lo, labels[ok], code[ok])
        np.maximum.at(hi, labels[ok], code[ok])
        bad.append(np.flatnonzero((hi >= 0) & (lo != hi)))
    if not bad:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(bad))


class _Splitter:
    """Constrained union-find over one set of components' tree edges (local node indices)."""

    def __init__(self, attrs: list[list[int]], cannot: dict[int, set[int]], n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        self.attrs = attrs  # one list per attribute: the cluster's code (-1 = none), at roots
        self.cannot = cannot  # root -> cannot-link constraint ids (only roots that have any)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        for col in self.attrs:
            x, y = col[ra], col[rb]
            if x >= 0 and y >= 0 and x != y:
                return False
        ca = self.cannot.get(ra)
        cb = self.cannot.get(rb)
        if ca and cb:
            small, large = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
            if any(t in large for t in small):
                return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
            ca, cb = cb, ca
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        for col in self.attrs:
            if col[ra] < 0:
                col[ra] = col[rb]
        if cb:
            if ca:
                ca |= cb
            else:
                self.cannot[ra] = cb
            del self.cannot[rb]
        return True


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
) -> np.ndarray:
    """Cluster records from scored pairs.

    Args:
        n_records: Number of records (row positions ``0 .. n_records - 1``).
        i: First record of each pair.
        j: Second record of each pair.
        probability: Match probability of each pair.
        threshold: Pairs with probability at or above this are joined.
        conflicts: Optional per-record attributes (frame or mapping of arrays) that must not
            differ within a cluster: ``nik_id`` with ``nik_agrees_dob`` (two different valid
            NIKs that both agree with their record's birth date) and ``sex`` (``M`` / ``F``).
        cannot_link: Optional ``(i, j)`` arrays of pairs that must end in different clusters
            (reviewer "not a match" labels), even when other records link them.
        keys: Optional stable key per record (such as ``"source|record_id"``) used to break
            ties between equally strong edges, so results do not depend on row order.

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

    keep = (p >= threshold) & (ii != jj)
    ei, ej, ep = ii[keep], jj[keep], p[keep]
    graph = coo_matrix(
        (np.ones(len(ei), dtype=np.int8), (ei, ej)), shape=(n_records, n_records)
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)

    codes = conflict_codes(conflicts, n_records)
    bad = _offending_labels(labels, codes)
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
        labels = _split(labels, bad, ei, ej, ep, codes, cannot, keys)

    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    return order[inv.reshape(-1)].astype(np.int64)


def _split(
    labels: np.ndarray,
    bad: np.ndarray,
    ei: np.ndarray,
    ej: np.ndarray,
    ep: np.ndarray,
    codes: Sequence[np.ndarray],
    cannot: dict[int, set[int]],
    keys: Sequence[str] | np.ndarray | None,
) -> np.ndarray:
    labels = labels.copy()
    in_bad = np.isin(labels, bad)
    sel = in_bad[ei]
    si, sj, sp = ei[sel], ej[sel], ep[sel]
    lo, hi = np.minimum(si, sj), np.maximum(si, sj)
    nodes = np.flatnonzero(in_bad)
    # Rank of each node for tie-breaking: by key when given, else by row position.
    if keys is not None:
        node_keys = np.asarray(keys, dtype=object)[nodes].astype(str)
        node_rank_local = np.argsort(np.argsort(node_keys, kind="stable"), kind="stable")
    else:
        node_rank_local = np.arange(len(nodes))
    rank = np.full(labels.shape[0], -1, dtype=np.int64)
    rank[nodes] = node_rank_local
    r_lo, r_hi = rank[lo], rank[hi]
    r_a, r_b = np.minimum(r_lo, r_hi), np.maximum(r_lo, r_hi)
    # Strongest first; ties by the endpoints' ranks. Drop repeated edges (keep the strongest).
    order = np.lexsort((r_b, r_a, -sp))
    lo, hi, sp = lo[order], hi[order], sp[order]
    edge_code = lo * labels.shape[0] + hi
    _, first = np.unique(edge_code, return_index=True)
    first.sort()
    lo, hi, sp = lo[first], hi[first], sp[first]
    # Unique integer weights = strength order: the minimum spanning tree over them is the
    # maximum spanning tree of the probabilities, with deterministic tie-breaking.
    n = labels.shape[0]
    local = np.full(n, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    weight = np.arange(1, len(lo) + 1, dtype=np.float64)
    tree = minimum_spanning_tree(
        coo_matrix((weight, (local[lo], local[hi])), shape=(len(nodes), len(nodes))).tocsr()
    ).tocoo()
    t_order = np.argsort(tree.data, kind="stable")
    t_a = nodes[tree.row[t_order]]
    t_b = nodes[tree.col[t_order]]

    attrs = [c[nodes].tolist() for c in codes]
    local_cannot = {int(local[k]): set(v) for k, v in cannot.items()}
    splitter = _Splitter(attrs, local_cannot, len(nodes))
    n_cut = 0
    for a, b in zip(local[t_a].tolist(), local[t_b].tolist()):
        if not splitter.union(a, b):
            n_cut += 1
    roots = np.fromiter((splitter.find(x) for x in range(len(nodes))), np.int64, len(nodes))
    labels[nodes] = labels.max() + 1 + roots
    logger.info("Split %d conflicting cluster(s) by cutting %d weakest link(s)", len(bad), n_cut)
    return labels
