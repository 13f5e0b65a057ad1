"""Exact duplicates: records equal on every identifying column are always one person.

Blocking passes skip blocks over their size cap, and a model trains on the records it is
given: 3,000 copies of one record (an export appended to itself, a form submitted again and
again) would never be compared, and would also make "agrees on everything" look common among
random pairs. So identical records are collapsed to one before blocking and training, and
every copy gets its representative's person afterwards:

- :func:`collapse_duplicates` keeps one record of each group equal on
  :data:`IDENTIFYING_COLUMNS` (missing values count as equal), the one with the smallest
  ``source|record_id`` key, so the choice does not depend on row order and person ids (named
  after a cluster's smallest key) are the same as if every copy had been clustered.
- :func:`expand_duplicates` puts the copies back into a result: every record in the
  crosswalk exactly once, each copy with its representative's person id.

The matcher does both (``pipeline.prepare_inputs(..., collapse_copies=True)``, then
:func:`expand_duplicates` on the result).

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"source": ["A", "A", "A"], "record_id": ["3", "1", "2"],
    ...                       "full_name": ["Siti", "Siti", "Budi"], "nik": ["1", "1", None]})
    >>> kept, groups = collapse_duplicates(frame)
    >>> kept["record_id"].tolist(), groups.n_collapsed
    (['1', '2'], 1)
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from migrant_records._pandas import object_frame
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = [
    "IDENTIFYING_COLUMNS",
    "DuplicateGroups",
    "collapse_duplicates",
    "expand_duplicates",
    "relabel_copies",
]

logger = logging.getLogger(__name__)

IDENTIFYING_COLUMNS: tuple[str, ...] = tuple(
    c for c in CANONICAL_COLUMNS if c not in ("source", "record_id")
)
"""The canonical columns that say who a record is about (all but ``source``/``record_id``)."""

T = TypeVar("T")


@dataclass
class DuplicateGroups:
    """How a frame was collapsed: which records were kept and whom each record copies.

    Attributes:
        kept: Positions (into the full frame, ascending) of the records kept.
        rep: For each record of the full frame, the position of its representative in the
            collapsed frame.
        full: The full frame (``None`` when nothing was collapsed).
    """

    kept: np.ndarray
    rep: np.ndarray
    full: pd.DataFrame | None = None

    @property
    def n_collapsed(self) -> int:
        """Number of records folded into another identical record."""
        return len(self.rep) - len(self.kept)


def _value_codes(values: np.ndarray) -> np.ndarray:
    """Dense codes of one column's values (missing values share a code)."""
    try:  # Arrow's dictionary encoding is several times faster on strings
        encoded = pc.dictionary_encode(
            pa.array(values, type=pa.string(), from_pandas=True), null_encoding="encode"
        )
        return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # values that are not text
        return np.asarray(pd.factorize(values, use_na_sentinel=False)[0], dtype=np.int64)


def _group_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Dense codes per row (0, 1, ...): equal codes = equal on every column, missing equals
    missing.

    Column by column, rows already unique on the columns seen so far leave the work: after
    the name and the birth date few rows are left to compare on the other columns.
    """
    n = len(frame)
    group = np.zeros(n, dtype=np.int64)  # rows still compared: dense codes < n
    active = np.arange(n, dtype=np.int64)
    for column in columns:
        if len(active) < 2:
            break
        values = frame[column].to_numpy(dtype=object)
        codes = _value_codes(values if len(active) == n else values[active])
        joint = group[active] * np.int64(int(codes.max(initial=0)) + 1) + codes
        dense = np.asarray(pd.factorize(joint)[0], dtype=np.int64)
        alone = np.bincount(dense)[dense] == 1
        group[active[alone]] = n + active[alone]  # unique from here on: its own group
        group[active[~alone]] = dense[~alone]
        active = active[~alone]
    return np.asarray(pd.factorize(group)[0], dtype=np.int64)


def collapse_duplicates(
    frame: pd.DataFrame, columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, DuplicateGroups]:
    """Keep one record of each group of records equal on every identifying column.

    The frame needs ``source``, ``record_id`` and ``full_name`` (or every one of
    ``columns``); without them (or without any copy) it is returned as it is.

    Args:
        frame: Canonical records.
        columns: The columns that say who a record is about, where they are not the
            canonical :data:`IDENTIFYING_COLUMNS` (keyed encodings: the encoded columns).

    Returns:
        ``(collapsed, groups)``: the records kept (original order, fresh index) and the
        mapping :func:`expand_duplicates` needs.
    """
    n = len(frame)
    identity = np.arange(n, dtype=np.int64)
    if columns is None:
        found = [c for c in IDENTIFYING_COLUMNS if c in frame.columns]
        usable = "full_name" in found
    else:
        found = list(columns)
        usable = bool(found) and set(found) <= set(frame.columns)
    if n < 2 or not usable or not {"source", "record_id"} <= set(frame.columns):
        return frame, DuplicateGroups(identity, identity)
    codes = _group_codes(frame, found)  # dense: 0 .. groups - 1
    if int(codes.max()) + 1 == n:
        return frame, DuplicateGroups(identity, identity)
    rep_of_code = np.empty(int(codes.max()) + 1, dtype=np.int64)
    multi = np.bincount(codes)[codes] > 1
    alone = np.flatnonzero(~multi)
    rep_of_code[codes[alone]] = alone  # a record without copies represents itself
    rows = np.flatnonzero(multi)  # the copies: the smallest "source|record_id" represents them
    keys = (
        frame["source"].iloc[rows].astype(str) + "|" + frame["record_id"].iloc[rows].astype(str)
    ).to_numpy(dtype=str)
    order = rows[np.lexsort((keys, codes[rows]))]  # by group, smallest key first
    first = np.r_[True, codes[order][1:] != codes[order][:-1]]
    rep_of_code[codes[order][first]] = order[first]
    rep_full = rep_of_code[codes]  # position (in the full frame) of each row's representative
    kept = np.sort(rep_of_code)
    new_pos = np.full(n, -1, dtype=np.int64)
    new_pos[kept] = np.arange(len(kept), dtype=np.int64)
    groups = DuplicateGroups(kept, new_pos[rep_full], frame)
    logger.info(
        "%d records are exact copies of another record: collapsed before blocking",
        groups.n_collapsed,
    )
    collapsed = frame.iloc[kept]  # a copy already: give it a fresh index in place
    collapsed.index = pd.RangeIndex(len(collapsed))
    return collapsed, groups


def _expand_frame(collapsed: pd.DataFrame, groups: DuplicateGroups) -> pd.DataFrame:
    if groups.full is None:
        return collapsed
    # Built column by column and assembled once, one block per column: replacing columns of
    # a taken frame, or consolidating some 70 columns of a million rows into 2-D blocks,
    # copies all of them again (seconds and gigabytes at a million records).
    full = groups.full
    index = pd.RangeIndex(len(groups.rep))
    columns: dict[str, Any] = {}
    for column in collapsed.columns:
        if column in full.columns and column not in IDENTIFYING_COLUMNS:
            values = full[column]  # its own id, source, extra columns
        else:
            values = collapsed[column].take(groups.rep)
        values = values.copy(deep=False)  # the same values under a fresh index
        values.index = index
        columns[column] = values
    out = object_frame(columns, index=index)
    out.attrs = dict(collapsed.attrs)
    return out


def expand_duplicates(result: T) -> T:
    """Put collapsed copies back into a match result, each with its representative's person.

    Args:
        result: A :class:`~migrant_records.result.MatchResult` whose ``inputs`` were prepared
            with ``collapse_copies=True`` (returned as it is when nothing was collapsed).

    Returns:
        The result over all records: ``records`` and ``clusters`` hold every record once,
        pair positions point at the representatives, and ``pass_counts`` starts with
        ``exact_duplicates`` (records folded into an identical one).
    """
    r: Any = result
    inputs = r.inputs
    if inputs.copies is None:
        return result
    left, right = inputs.copies
    n_copies = left.n_collapsed + (right.n_collapsed if right is not None else 0)
    left_full = _expand_frame(inputs.left, left)
    right_full = None
    person = r.clusters["person_id"].to_numpy(dtype=object)
    n_left_kept = len(inputs.left)
    persons = [person[:n_left_kept][left.rep]]
    other = left
    if inputs.right is not None and right is not None:
        right_full = _expand_frame(inputs.right, right)
        persons.append(person[n_left_kept:][right.rep])
        other = right
    full_inputs = dataclasses.replace(inputs, left=left_full, right=right_full, copies=None)
    records = full_inputs.records
    cand = r.candidates
    full_cand = dataclasses.replace(
        cand,
        left=left.kept[np.asarray(cand.left, dtype=np.int64)],
        right=other.kept[np.asarray(cand.right, dtype=np.int64)],
        pass_counts={"exact_duplicates": n_copies, **cand.pass_counts},
    )
    clusters = pd.DataFrame(
        {
            "source": records["source"].to_numpy(),
            "record_id": records["record_id"].to_numpy(),
            "person_id": np.concatenate(persons),
        }
    )
    expanded: T = dataclasses.replace(
        r,
        inputs=full_inputs,
        candidates=full_cand,
        clusters=clusters,
        _pairs=None,
        _records=None,
        _frequencies={},
    )
    return expanded


def _representatives(groups: DuplicateGroups) -> dict[tuple[str, str], tuple[str, str]]:
    """``(source, record_id)`` of each copy -> that of its representative."""
    if groups.full is None:
        return {}
    rep_pos = groups.kept[groups.rep]
    copies = np.flatnonzero(rep_pos != np.arange(len(rep_pos)))
    src = groups.full["source"].astype(str).to_numpy()
    rid = groups.full["record_id"].astype(str).to_numpy()
    return {(src[k], rid[k]): (src[rep_pos[k]], rid[rep_pos[k]]) for k in copies.tolist()}


def relabel_copies(
    labels: pd.DataFrame, left: DuplicateGroups, right: DuplicateGroups | None = None
) -> pd.DataFrame:
    """Reviewer labels with each collapsed copy replaced by its representative.

    A label about a copy is a label about the record it copies; a label between a record and
    its own copy says nothing and is dropped.

    Args:
        labels: ``source_l, record_id_l, source_r, record_id_r, is_match`` rows.
        left: The groups of the (left) records.
        right: The groups of the right records when linking.

    Returns:
        The labels, renamed where they name a copy.
    """
    out = labels.copy()
    for side, groups in (("l", left), ("r", left if right is None else right)):
        reps = _representatives(groups)
        if not reps or f"source_{side}" not in out or f"record_id_{side}" not in out:
            continue
        keys = list(zip(out[f"source_{side}"].astype(str), out[f"record_id_{side}"].astype(str)))
        new = [reps.get(key, key) for key in keys]
        changed = np.array([a != b for a, b in zip(keys, new)], dtype=bool)
        if changed.any():
            out.loc[changed, f"source_{side}"] = [new[k][0] for k in np.flatnonzero(changed)]
            out.loc[changed, f"record_id_{side}"] = [new[k][1] for k in np.flatnonzero(changed)]
    if right is None and {"source_l", "record_id_l", "source_r", "record_id_r"} <= set(out):
        same = (out["source_l"].astype(str) == out["source_r"].astype(str)) & (
            out["record_id_l"].astype(str) == out["record_id_r"].astype(str)
        )
        out = out.loc[~same.to_numpy()].reset_index(drop=True)
    return out
