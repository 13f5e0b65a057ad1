"""The blocking strategy contract, its base class and the strategy registry functions.

A blocking strategy is any object with a ``name`` and ``pairs(left, right=None)``; subclass
:class:`BaseStrategy` to get block caps, block statistics and :class:`BlockingWarning` for
free. Strategies are registered by name in :mod:`migrant_records.registry` (kind
``"blocking"``), so that ``Matcher(blocking=["my_pass"])`` and saved matchers work.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from migrant_records import registry
from migrant_records.blocking._keys import KeyCodes, KeyItem, key_codes
from migrant_records.blocking._pairs import BlockStats, cross_pairs, dedupe_pairs
from migrant_records.errors import ConfigError

__all__ = [
    "DEFAULT_MAX_BLOCK_SIZE",
    "BaseStrategy",
    "BlockPairs",
    "BlockingStrategy",
    "BlockingWarning",
    "as_strategy",
    "available_strategies",
    "get_strategy",
    "pairs_from_keys",
    "register_strategy",
    "strategy_from_dict",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BLOCK_SIZE = 1000
"""Blocks with more records than this are skipped (with a :class:`BlockingWarning`)."""

_EMPTY = np.empty(0, dtype=np.int64)


class BlockingWarning(UserWarning):
    """A blocking pass skipped oversized blocks; refine the rule to recover their pairs."""


@runtime_checkable
class BlockingStrategy(Protocol):
    """What the matcher needs from a blocking pass.

    Attributes:
        name: A short unique name, used in reports and pass counts.
    """

    name: str

    def pairs(
        self, left: pd.DataFrame, right: pd.DataFrame | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs as two int64 arrays of row positions.

        Dedupe (``right is None``): positions into ``left`` with ``i < j`` and no duplicates.
        Link: positions into ``left`` and positions into ``right``.
        """
        ...


@dataclass
class BlockPairs:
    """The pairs of one pass with the block sizes seen.

    Attributes:
        left: int64 row positions into the left frame.
        right: int64 row positions into the right frame (or the left frame when deduping).
        largest: ``(key, records, pairs)`` of the largest blocks kept.
        skipped: ``(key, records, pairs)`` of the blocks skipped by the cap.
    """

    left: np.ndarray
    right: np.ndarray
    largest: list[tuple[str, int, int]] = field(default_factory=list)
    skipped: list[tuple[str, int, int]] = field(default_factory=list)


def _warn_skipped(name: str, cap: int | None, skipped: list[tuple[str, int, int]]) -> None:
    if not skipped:
        return
    shown = "; ".join(
        f"{key} ({size} records, {npairs} pairs)" for key, size, npairs in skipped[:5]
    )
    more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
    message = (
        f"Blocking pass '{name}' skipped {len(skipped)} block(s) larger than "
        f"max_block_size={cap}: {shown}{more}. Their pairs are not compared. Refine the rule "
        "with another key (for example add birth_year or regency_code), or raise "
        "max_block_size if these blocks are genuine."
    )
    logger.warning(message)
    warnings.warn(message, BlockingWarning, stacklevel=4)


def _describe(
    keys: KeyCodes, stats: BlockStats
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    largest = [(keys.describe(c), s, p) for c, s, p in stats.largest]
    skipped = [(keys.describe(c), s, p) for c, s, p in stats.skipped[:20]]
    skipped += [(f"<block {c}>", s, p) for c, s, p in stats.skipped[20:]]
    return largest, skipped


class BaseStrategy:
    """Base class of blocking strategies: block caps, block statistics and warnings.

    Subclass it and either give a ``keys(frame)`` method (one key per record, missing = no
    key; records with equal keys are paired, blocks larger than ``max_block_size`` are skipped
    with a :class:`BlockingWarning` and counted in the blocking report), or override
    ``_block_pairs(left, right)`` for pair generation of your own. Either way ``pairs`` and
    ``block_pairs`` behave as for the built-in strategies.

    Example:
        >>> import pandas as pd
        >>> class SamePassport(BaseStrategy):
        ...     name = "passport"
        ...     def keys(self, frame):
        ...         return frame["passport_no"].str.upper()
        >>> f = pd.DataFrame({"passport_no": ["a1", "A1", "b2"]})
        >>> SamePassport().pairs(f)[0].tolist()
        [0]
    """

    name: str
    max_block_size: int | None = DEFAULT_MAX_BLOCK_SIZE
    kind: str = ""

    def block_pairs(self, left: pd.DataFrame, right: pd.DataFrame | None = None) -> BlockPairs:
        """Pairs with block statistics; warns (:class:`BlockingWarning`) about skipped blocks."""
        result = self._block_pairs(left, right)
        _warn_skipped(self.name, self.max_block_size, result.skipped)
        return result

    def keys(self, frame: pd.DataFrame) -> pd.Series:
        """One blocking key per record (missing or empty = no key); override this or
        ``_block_pairs``."""
        raise NotImplementedError(
            f"{type(self).__name__} must define keys(frame) or _block_pairs(left, right)."
        )

    def _block_pairs(self, left: pd.DataFrame, right: pd.DataFrame | None) -> BlockPairs:
        return pairs_from_keys([self.keys], left, right, self.max_block_size)

    def pairs(
        self, left: pd.DataFrame, right: pd.DataFrame | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs as two int64 arrays (see :class:`BlockingStrategy`)."""
        result = self.block_pairs(left, right)
        return result.left, result.right

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration (``strategy_from_dict`` rebuilds it)."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot be saved: give it a to_dict() method returning "
            "{'strategy': registered_name, ...parameters} and register it."
        )

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "strategy")
        return f"{type(self).__name__}({params})"


def pairs_from_keys(
    items: Sequence[KeyItem],
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    max_block_size: int | None,
) -> BlockPairs:
    """Pairs of records that agree on every key item, with the block cap applied.

    Args:
        items: Key items (column names, ``(column, transform)`` pairs or callables
            ``frame -> Series``).
        left: The prepared frame (dedupe) or the left one (link).
        right: The right prepared frame when linking.
        max_block_size: Blocks larger than this are skipped (and reported); ``None``: no cap.
    """
    frames = [left] if right is None else [left, right]
    keys = key_codes(items, frames)
    if right is None:
        i, j, stats = dedupe_pairs(keys.codes, max_block_size)
    else:
        n = len(left)
        i, j, stats = cross_pairs(keys.codes[:n], keys.codes[n:], max_block_size)
    largest, skipped = _describe(keys, stats)
    return BlockPairs(i, j, largest, skipped)


def register_strategy(
    kind: str, factory: Callable[..., BlockingStrategy], *, replace: bool = False
) -> None:
    """Register a strategy factory under a name (see :func:`migrant_records.registry.register`).

    The name can then be used in ``Matcher(blocking=[...])`` and is what a saved configuration
    names in its ``"strategy"`` key, so that a matcher using the strategy loads again.

    Args:
        kind: The name (the ``"strategy"`` value written by the strategy's ``to_dict``).
        factory: Called with the remaining keys of the saved dict as keyword arguments.
        replace: Replace an existing registration (otherwise a taken name raises
            ``ConfigError``; a redefinition of the same class or function replaces it).
    """
    registry.register("blocking", kind, factory, replace=replace)


def available_strategies() -> list[str]:
    """Names of the registered strategies (built-ins, plugins and the user's own)."""
    return registry.available("blocking")


def get_strategy(name: str, /, **params: Any) -> BlockingStrategy:
    """Build a registered strategy by name.

    Raises:
        ConfigError: The name is unknown, the parameters do not fit, or the factory returned
            something that is not a blocking strategy.
    """
    return _checked(registry.build("blocking", name, **params), name)


def _checked(obj: Any, name: str) -> BlockingStrategy:
    if not isinstance(obj, BlockingStrategy):
        raise ConfigError(
            f"Factory of blocking strategy {name!r} returned {type(obj).__name__}, which lacks "
            "a name and a pairs(left, right=None) method."
        )
    return obj


def strategy_from_dict(data: Mapping[str, Any]) -> BlockingStrategy:
    """Rebuild a strategy from its ``to_dict()`` output.

    Raises:
        ConfigError: When the kind is unknown or the parameters are invalid.
    """
    return _checked(registry.from_dict("blocking", data), str(dict(data).get("strategy")))


def as_strategy(obj: Any) -> BlockingStrategy:
    """Coerce a strategy, a registered name or a saved dict into a blocking strategy.

    Raises:
        ConfigError: ``obj`` is none of these; the message says how to block on a column.

    Example:
        >>> as_strategy({"strategy": "exact", "columns": ["nik_id"]}).name
        'nik_id'
    """
    if isinstance(obj, str):
        if obj not in available_strategies():
            raise ConfigError(
                f"Unknown blocking strategy {obj!r}; registered: {available_strategies()}. "
                f"To pair records that agree on a column, pass ExactBlock({obj!r}) or "
                f"{{'strategy': 'exact', 'columns': [{obj!r}]}}."
            )
        return get_strategy(obj)
    if isinstance(obj, Mapping):
        return strategy_from_dict(obj)
    if isinstance(obj, BlockingStrategy):
        return obj
    raise ConfigError(
        f"{obj!r} is not a blocking strategy: give an object with a name and a "
        "pairs(left, right=None) method (subclass BaseStrategy to get block caps and warnings), "
        "a registered name, or a saved dict."
    )
