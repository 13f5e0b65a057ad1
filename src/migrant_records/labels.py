"""Reviewer labels: which labelled pairs are present, and their alignment to candidate pairs."""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.records import record_key

__all__ = ["LabelPositions", "align_labels", "label_positions"]

logger = logging.getLogger(__name__)

_NEED = {"source_l", "record_id_l", "source_r", "record_id_r", "is_match"}


class LabelPositions(NamedTuple):
    """Row positions of labelled pairs whose two records are present, and their labels.

    For a dedupe, ``left < right``; for a link, ``left`` indexes the left frame and ``right``
    the right one.
    """

    left: np.ndarray
    right: np.ndarray
    is_match: np.ndarray


def label_positions(
    labels: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame | None
) -> LabelPositions:
    """Find the labelled pairs among the records.

    Raises:
        ConfigError: ``labels`` misses columns.
    """
    missing = _NEED - set(labels.columns)
    if missing:
        raise ConfigError(
            f"labels miss columns {sorted(missing)}; read them with migrant_records.read_labels()."
        )
    right_frame = left if right is None else right
    lpos = pd.Series(np.arange(len(left)), index=record_key(left["source"], left["record_id"]))
    rpos = pd.Series(
        np.arange(len(right_frame)),
        index=record_key(right_frame["source"], right_frame["record_id"]),
    )
    li = lpos.reindex(record_key(labels["source_l"], labels["record_id_l"])).to_numpy(float)
    rj = rpos.reindex(record_key(labels["source_r"], labels["record_id_r"])).to_numpy(float)
    ok = ~(np.isnan(li) | np.isnan(rj))
    if (~ok).any():
        logger.warning(
            "%d labelled pair(s) name records that are not in the input", int((~ok).sum())
        )
    li_i = li[ok].astype(np.int64)
    rj_i = rj[ok].astype(np.int64)
    if right is None:
        li_i, rj_i = np.minimum(li_i, rj_i), np.maximum(li_i, rj_i)
    values = labels["is_match"].to_numpy()[ok].astype(bool)
    return LabelPositions(li_i, rj_i, values)


def align_labels(
    positions: LabelPositions, n_right: int, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """Labels aligned to candidate pairs: 1 match, 0 not a match, NaN unlabelled."""
    n_cols = max(n_right, 1)
    pair_code = pd.Index(i.astype(np.int64) * n_cols + j.astype(np.int64))
    where = pair_code.get_indexer(positions.left * n_cols + positions.right)
    out = np.full(len(i), np.nan)
    found = where >= 0
    out[where[found]] = positions.is_match[found].astype(float)
    return out
