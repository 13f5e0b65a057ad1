"""Clustering scored pairs into persons: components, conflict splitting, stable ids.

Example:
    >>> import numpy as np
    >>> from migrant_records.cluster import assign_person_ids, cluster_pairs
    >>> labels = cluster_pairs(3, np.array([0]), np.array([1]), np.array([0.97]))
    >>> labels.tolist()
    [0, 0, 1]
    >>> ids = assign_person_ids(labels, ["kp2mi|1", "kemendes|7", "bps|3"])
"""

from __future__ import annotations

from migrant_records.cluster.assign import assign_person_ids, one_to_one
from migrant_records.cluster.conflicts import (
    CONFLICT_COLUMNS,
    conflict_attributes,
    names_compatible,
    nik_conflict,
    within_one_keying_error,
)
from migrant_records.cluster.graph import cluster_pairs

__all__ = [
    "CONFLICT_COLUMNS",
    "assign_person_ids",
    "cluster_pairs",
    "conflict_attributes",
    "names_compatible",
    "nik_conflict",
    "one_to_one",
    "within_one_keying_error",
]
