"""Blocking: which record pairs are worth comparing.

A blocking pass (:class:`BlockingStrategy`) turns a prepared frame (dedupe) or two (link)
into candidate pairs of row positions. Records equal on every identifying column are
collapsed to one before blocking (:func:`collapse_duplicates`), so that no block cap keeps
copies apart. :func:`union_pairs` runs several passes and merges their pairs without
duplicates; :func:`blocking_report` measures the passes (pairs per pass,
largest blocks, pair completeness against known truth) before any comparison runs;
:func:`default_blocking` picks passes for prepared Indonesian worker records.

Example:
    >>> import pandas as pd
    >>> from migrant_records.blocking import ExactBlock, union_pairs
    >>> frame = pd.DataFrame({"nik_id": ["1", "1", "2"]})
    >>> union_pairs([ExactBlock("nik_id")], frame).left.tolist()
    [0]
"""

from __future__ import annotations

from migrant_records.blocking.base import (
    DEFAULT_MAX_BLOCK_SIZE,
    BaseStrategy,
    BlockingStrategy,
    BlockingWarning,
    BlockPairs,
    as_strategy,
    available_strategies,
    get_strategy,
    pairs_from_keys,
    register_strategy,
    strategy_from_dict,
)
from migrant_records.blocking.defaults import default_blocking
from migrant_records.blocking.duplicates import (
    IDENTIFYING_COLUMNS,
    DuplicateGroups,
    collapse_duplicates,
    expand_duplicates,
    relabel_copies,
)
from migrant_records.blocking.strategies import (
    ExactBlock,
    QGramLSH,
    SortedNeighbourhood,
    minhash_signatures,
)
from migrant_records.blocking.union import (
    BlockingReport,
    CandidatePairs,
    blocking_report,
    union_pairs,
)

__all__ = [
    "DEFAULT_MAX_BLOCK_SIZE",
    "IDENTIFYING_COLUMNS",
    "BaseStrategy",
    "BlockPairs",
    "BlockingReport",
    "BlockingStrategy",
    "BlockingWarning",
    "CandidatePairs",
    "DuplicateGroups",
    "ExactBlock",
    "QGramLSH",
    "SortedNeighbourhood",
    "as_strategy",
    "available_strategies",
    "blocking_report",
    "collapse_duplicates",
    "default_blocking",
    "expand_duplicates",
    "get_strategy",
    "minhash_signatures",
    "pairs_from_keys",
    "register_strategy",
    "relabel_copies",
    "strategy_from_dict",
    "union_pairs",
]
