"""Splitting components that cannot be one person.

A component is split only when it holds a true conflict: two trusted NIKs that differ by more
than a keying error and encode different birth dates or districts, two sexes, or a pair a
reviewer marked "not a match". Within such a component:

1. **Keep together what must stay together.** Records sharing a trusted NIK, then records
   agreeing exactly on normalised name and birth date, are joined first (each join only when
   it creates no conflict).
2. **Cut the fewest, weakest edges.** The component's edges are added from strongest to
   weakest (ties broken by record key, then row position); an edge whose two sides would hold
   conflicting records is skipped. Every skipped edge is the weakest link on some path between
   two conflicting records.
3. **Re-attach the rest where it agrees most.** Each group of records that carries no NIK and
   no reviewer label moves to the part it has the most total match weight with, when that is
   not its own part and creates no conflict.
4. Each part is finally split into its connected pieces (a part only keeps records that its
   own edges connect).

The same input always gives the same clusters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from migrant_records.cluster.conflicts import nik_conflict

__all__ = ["Constraints", "as_objects", "name_tokens", "split_components"]

logger = logging.getLogger(__name__)

NikEntry = tuple[str, object, object, frozenset[str] | None]


@dataclass
class Constraints:
    """Per-record constraint data (full length, one entry per record).

    Attributes:
        nik: Trusted NIK per record (``None`` where there is none).
        nik_code: Integer code of the trusted NIK (``-1`` where there is none).
        nik_dob: Birth date the NIK encodes (``None`` where unknown).
        nik_district: District the NIK encodes (``None`` where unknown).
        names: The record's normalised name (``None`` where unknown); its tokens are
            compared.
        sex: ``0`` male, ``1`` female, ``-1`` unknown.
        dob: The record's birth date (missing where unknown).
    """

    nik: np.ndarray
    nik_code: np.ndarray
    nik_dob: np.ndarray
    nik_district: np.ndarray
    names: np.ndarray
    sex: np.ndarray
    dob: np.ndarray


def as_objects(values: np.ndarray) -> list[object]:
    """Values as Python objects, ``None`` where missing (``NaT``, ``NaN``, ``None``)."""
    series = pd.Series(values)
    missing = series.isna().tolist()
    return [None if m else v for v, m in zip(series.astype(object).tolist(), missing)]


def name_tokens(name: object) -> frozenset[str] | None:
    """The tokens of a normalised name (``None`` when missing or empty)."""
    if name is None or not isinstance(name, str):
        return None
    return frozenset(name.split()) or None


class _Groups:
    """Union-find whose roots carry the group's NIKs, sex and cannot-link ids."""

    def __init__(
        self, niks: list[list[NikEntry]], sex: list[int], cannot: dict[int, set[int]]
    ) -> None:
        n = len(sex)
        self.parent = list(range(n))
        self.size = [1] * n
        self.niks = niks
        self.sex = sex
        self.cannot = cannot

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def compatible(self, ra: int, rb: int) -> bool:
        sa, sb = self.sex[ra], self.sex[rb]
        if sa >= 0 and sb >= 0 and sa != sb:
            return False
        ca, cb = self.cannot.get(ra), self.cannot.get(rb)
        if ca and cb:
            small, large = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
            if any(t in large for t in small):
                return False
        for a in self.niks[ra]:
            for b in self.niks[rb]:
                if a[0] != b[0] and nik_conflict(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]):
                    return False
        return True

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not self.compatible(ra, rb):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if self.sex[ra] < 0:
            self.sex[ra] = self.sex[rb]
        if self.niks[rb]:
            self.niks[ra] = _merge_entries(self.niks[ra], self.niks[rb])
        cb = self.cannot.pop(rb, None)
        if cb:
            self.cannot.setdefault(ra, set()).update(cb)
        return True


def _merge_entries(a: list[NikEntry], b: list[NikEntry]) -> list[NikEntry]:
    """NIK entries of two groups; a NIK in both keeps the union of its name tokens."""
    out = {e[0]: e for e in a}
    for e in b:
        have = out.get(e[0])
        if have is None:
            out[e[0]] = e
        elif e[3]:
            out[e[0]] = (*have[:3], (have[3] or frozenset()) | e[3])
    return list(out.values())


def _link_codes(constraints: Constraints, nodes: np.ndarray) -> np.ndarray:
    """Code of (name, birth date) per node; ``-1`` where either is missing."""
    name = pd.Series(constraints.names[nodes], dtype=object)
    dob = pd.Series(constraints.dob[nodes])
    ok = (name.notna() & dob.notna()).to_numpy()
    out = np.full(len(nodes), -1, dtype=np.int64)
    if ok.any():
        pairs = pd.DataFrame({"name": name[ok].to_numpy(), "dob": dob[ok].to_numpy()})
        out[ok] = pairs.groupby(["name", "dob"], sort=False).ngroup().to_numpy()
    return out


def _must_link_pairs(label: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (first record, other record) sharing ``key`` (>= 0) inside the same component."""
    ok = np.flatnonzero(key >= 0)
    if not len(ok):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    frame = pd.DataFrame({"node": ok, "label": label[ok], "key": key[ok]})
    first = frame.groupby(["label", "key"], sort=False)["node"].transform("min").to_numpy()
    nodes = frame["node"].to_numpy()
    keep = first != nodes
    return first[keep], nodes[keep]


def split_components(
    labels: np.ndarray,
    bad: np.ndarray,
    ei: np.ndarray,
    ej: np.ndarray,
    ew: np.ndarray,
    constraints: Constraints,
    cannot: dict[int, set[int]],
    keys: Sequence[str] | np.ndarray | None,
) -> np.ndarray:
    """Split the components listed in ``bad``; other records keep their labels.

    Args:
        labels: Component label per record.
        bad: Labels of the components to split.
        ei: First record of each kept edge.
        ej: Second record of each kept edge.
        ew: Strength of each kept edge (match weight; larger is stronger).
        constraints: Per-record constraint data.
        cannot: Record -> ids of the cannot-link pairs it belongs to.
        keys: Optional stable key per record for tie-breaking.

    Returns:
        New labels (split parts get fresh labels above the old maximum).
    """
    labels = labels.copy()
    n_all = labels.shape[0]
    in_bad = np.isin(labels, bad)
    nodes = np.flatnonzero(in_bad)
    n = len(nodes)
    local = np.full(n_all, -1, dtype=np.int64)
    local[nodes] = np.arange(n)
    sel = in_bad[ei]
    lo = local[np.minimum(ei[sel], ej[sel])]
    hi = local[np.maximum(ei[sel], ej[sel])]
    w = ew[sel]
    # Rank of each node for tie-breaking: by key when given, else by row position.
    if keys is not None:
        node_keys = np.asarray(keys, dtype=object)[nodes].astype(str)
        rank = np.argsort(np.argsort(node_keys, kind="stable"), kind="stable")
    else:
        rank = np.arange(n)
    r_a = np.minimum(rank[lo], rank[hi])
    r_b = np.maximum(rank[lo], rank[hi])
    order = np.lexsort((r_b, r_a, -w))
    lo, hi, w = lo[order], hi[order], w[order]
    _, first = np.unique(lo * max(n, 1) + hi, return_index=True)
    first.sort()
    lo, hi, w = lo[first], hi[first], w[first]

    nik = constraints.nik[nodes]
    niks: list[list[NikEntry]] = [
        [] if code < 0 else [(str(v), d, c, t)]
        for code, v, d, c, t in zip(
            constraints.nik_code[nodes].tolist(),
            nik.tolist(),
            as_objects(constraints.nik_dob[nodes]),
            as_objects(constraints.nik_district[nodes]),
            [name_tokens(v) for v in constraints.names[nodes].tolist()],
        )
    ]
    has_nik = np.array([bool(x) for x in niks], dtype=bool)
    sex = constraints.sex[nodes].astype(np.int64).tolist()
    local_cannot = {int(local[k]): set(v) for k, v in cannot.items() if local[k] >= 0}
    labelled = np.zeros(n, dtype=bool)
    labelled[list(local_cannot)] = True
    groups = _Groups(niks, sex, local_cannot)
    comp = labels[nodes]

    # 1. records sharing a trusted NIK, then records agreeing on name and birth date
    for key in (constraints.nik_code[nodes], _link_codes(constraints, nodes)):
        a, b = _must_link_pairs(comp, key)
        for x, y in zip(a.tolist(), b.tolist()):
            groups.union(x, y)
    unit = np.fromiter((groups.find(x) for x in range(n)), np.int64, n)

    # 2. strongest edges first, skipping those that would join conflicting records
    n_cut = 0
    for x, y in zip(lo.tolist(), hi.tolist()):
        if not groups.union(x, y):
            n_cut += 1
    part = np.fromiter((groups.find(x) for x in range(n)), np.int64, n)

    # 3. re-attach free units (no NIK, no label) to the part they agree with most
    unit_free = pd.Series(~(has_nik | labelled)).groupby(unit).all()
    free_units = set(unit_free.index[unit_free.to_numpy()].tolist())
    cross = unit[lo] != unit[hi]
    if free_units and cross.any():
        a_u = np.concatenate([unit[lo][cross], unit[hi][cross]])
        b_n = np.concatenate([hi[cross], lo[cross]])
        ww = np.concatenate([w[cross], w[cross]])
        moved = 0
        unit_sex = pd.Series(np.asarray(constraints.sex[nodes], dtype=np.int64)).groupby(unit).max()
        score = pd.DataFrame({"unit": a_u, "part": part[b_n], "w": ww})
        score = score[score["unit"].isin(free_units)]
        totals = score.groupby(["unit", "part"], sort=True)["w"].sum().reset_index()
        totals = totals.sort_values(["unit", "w", "part"], ascending=[True, False, True])
        unit_part = pd.Series(part).groupby(unit).first()
        totals["now"] = unit_part.reindex(totals["unit"]).to_numpy()
        own = totals[totals["part"] == totals["now"]].set_index("unit")["w"]
        best = totals.drop_duplicates("unit")
        for u, p_now, p_best, w_best in zip(
            best["unit"].tolist(), best["now"].tolist(), best["part"].tolist(), best["w"].tolist()
        ):
            if p_best == p_now or float(own.get(u, 0.0)) >= w_best:
                continue
            target_sex = groups.sex[groups.find(int(p_best))]
            s = int(unit_sex[u])
            if s >= 0 and target_sex >= 0 and s != target_sex:
                continue
            part[unit == u] = p_best
            moved += 1
        if moved:
            logger.debug("re-attached %d record group(s) to the part they agree with most", moved)

    # 4. each part's connected pieces
    same = part[lo] == part[hi]
    gi = np.concatenate([lo[same], np.arange(n)])  # must-link units stay whole
    gj = np.concatenate([hi[same], unit])
    graph = coo_matrix((np.ones(len(gi), dtype=np.int8), (gi, gj)), shape=(n, n)).tocsr()
    _, pieces = connected_components(graph, directed=False)
    labels[nodes] = labels.max() + 1 + pieces.astype(np.int64)
    logger.info("Split %d conflicting cluster(s) by cutting %d weakest link(s)", len(bad), n_cut)
    return labels
