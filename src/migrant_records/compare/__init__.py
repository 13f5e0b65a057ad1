"""Comparators: how two records agree, as discrete levels.

A :class:`Comparator` maps aligned pairs of prepared rows to one ``int8`` level per pair
(``-1`` null, ``0`` else, highest = exact). :func:`compare_pairs` runs several over candidate
pairs; :func:`default_comparators` picks the built-ins for a prepared frame. Write your own
with :class:`FunctionComparator`, the :func:`comparator` decorator, a subclass of
:class:`BaseComparator`, or a plugin in the entry-point group ``migrant_records.comparators``.

Example:
    >>> import numpy as np, pandas as pd
    >>> from migrant_records.compare import Phone, compare_pairs
    >>> f = pd.DataFrame({"phone_e164": ["+6281234567890", "+6281234567890", None]})
    >>> compare_pairs([Phone()], f, f, np.array([0, 0]), np.array([1, 2]))[:, 0].tolist()
    [2, -1]
"""

from __future__ import annotations

from migrant_records.compare.base import (
    SIMILARITY_METHODS,
    BaseComparator,
    Comparator,
    similarity,
)
from migrant_records.compare.builtin import (
    Address,
    BirthDate,
    BirthPlace,
    Exact,
    MotherName,
    Nik,
    PersonName,
    Phone,
    Region,
    Sex,
    StringSimilarity,
)
from migrant_records.compare.engine import DEFAULT_CHUNK_SIZE, compare_pairs, default_comparators
from migrant_records.compare.registry import (
    ENTRY_POINT_GROUP,
    FunctionComparator,
    as_comparator,
    available_comparators,
    comparator,
    comparator_from_dict,
    get_comparator,
    register_comparator,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ENTRY_POINT_GROUP",
    "SIMILARITY_METHODS",
    "Address",
    "BaseComparator",
    "BirthDate",
    "BirthPlace",
    "Comparator",
    "Exact",
    "FunctionComparator",
    "MotherName",
    "Nik",
    "PersonName",
    "Phone",
    "Region",
    "Sex",
    "StringSimilarity",
    "as_comparator",
    "available_comparators",
    "comparator",
    "comparator_from_dict",
    "compare_pairs",
    "default_comparators",
    "get_comparator",
    "register_comparator",
    "similarity",
]
