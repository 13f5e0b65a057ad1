"""Comparator registration, function comparators and entry-point plugins.

Comparators are registered by name in the one registry of pluggable parts
(:mod:`migrant_records.registry`), so that saved configurations can be loaded and so that
``Matcher(comparators=["person_name", "nik"])`` works. Third-party packages add comparators
through the entry-point group ``migrant_records.comparators``; each entry point names a
factory (a class or function returning a comparator) and is loaded lazily on first lookup.

Example:
    >>> import numpy as np, pandas as pd
    >>> from migrant_records.compare import comparator
    >>> @comparator(name="same_passport", labels=("different", "same"), columns=("passport_no",))
    ... def same_passport(a, b):
    ...     return (a.to_numpy() == b.to_numpy()).astype("int8")
    >>> f = pd.DataFrame({"passport_no": ["A1", "A1", "B2"]})
    >>> same_passport.compare(f, f, np.array([0, 0]), np.array([1, 2])).tolist()
    [1, 0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records import registry
from migrant_records.compare.base import BaseComparator, Comparator
from migrant_records.compare.builtin import builtin_factories
from migrant_records.errors import ConfigError, SchemaError

__all__ = [
    "ENTRY_POINT_GROUP",
    "FunctionComparator",
    "as_comparator",
    "available_comparators",
    "comparator",
    "comparator_from_dict",
    "get_comparator",
    "register_comparator",
]

ENTRY_POINT_GROUP = registry.ENTRY_POINT_GROUPS["comparator"]
"""Entry-point group scanned for comparator plugins."""


def register_comparator(
    name: str, factory: Callable[..., Comparator], *, replace: bool = False
) -> None:
    """Register a comparator factory under ``name`` (see :func:`migrant_records.registry.register`).

    Args:
        name: Registry name (used by ``get_comparator`` and in saved configurations).
        factory: A class or function returning a comparator; called with keyword arguments.
        replace: Replace an existing registration (otherwise a taken name raises
            ``ConfigError``; a redefinition of the same class or function replaces it).
    """
    registry.register("comparator", name, factory, replace=replace)


for _name, _factory in builtin_factories().items():
    registry.register("comparator", _name, _factory, builtin=True)


def available_comparators() -> list[str]:
    """Registered comparator names, built-ins and plugins."""
    return registry.available("comparator")


def get_comparator(name: str, /, **kwargs: Any) -> Comparator:
    """Build a registered comparator by name.

    Args:
        name: A name from :func:`available_comparators`.
        **kwargs: Passed to the factory.

    Raises:
        ConfigError: The name is unknown.

    Example:
        >>> get_comparator("string", column="birth_place_norm").labels[-1]
        'exact'
    """
    comp = registry.build("comparator", name, **kwargs)
    if not isinstance(comp, Comparator):
        raise ConfigError(
            f"Factory of comparator {name!r} returned {type(comp).__name__}, which lacks "
            "name/labels/columns/compare."
        )
    return comp


def comparator_from_dict(data: Mapping[str, Any]) -> Comparator:
    """Rebuild a comparator from its ``to_dict()`` output (``{"comparator": name, ...}``)."""
    params = dict(data) if isinstance(data, Mapping) else data
    if isinstance(params, dict) and isinstance(params.get("thresholds"), list):
        params["thresholds"] = tuple(params["thresholds"])
    comp = registry.from_dict("comparator", params)
    if not isinstance(comp, Comparator):
        raise ConfigError(f"Saved comparator {dict(data)!r} did not build a comparator.")
    return comp


class FunctionComparator(BaseComparator):
    """A comparator from a plain function over pair-aligned values.

    ``func(a, b)`` receives the values of ``columns[0]`` for the left and right record of
    each pair as two ``pd.Series`` (or two DataFrames when several columns are given) and
    returns one integer level per pair (``-1`` for null). Levels outside
    ``-1 .. len(labels) - 1`` raise :class:`ConfigError`.

    Args:
        func: The level function.
        name: Comparator name.
        labels: One label per level (level 0 = else).
        columns: The prepared columns passed to ``func``.
        tf_column: Optional column for term-frequency adjustment of the top level.

    Example:
        >>> import numpy as np, pandas as pd
        >>> def same_year(a, b):
        ...     out = (a.to_numpy() == b.to_numpy()).astype("int8")
        ...     out[(a.isna() | b.isna()).to_numpy()] = -1
        ...     return out
        >>> c = FunctionComparator(same_year, name="year", labels=("no", "yes"),
        ...                        columns=("birth_year",))
        >>> f = pd.DataFrame({"birth_year": [1990.0, 1990.0, None]})
        >>> c.compare(f, f, np.array([0, 0]), np.array([1, 2])).tolist()
        [1, -1]
    """

    kind = "function"

    def __init__(
        self,
        func: Callable[[Any, Any], Any],
        *,
        name: str,
        labels: Sequence[str],
        columns: Sequence[str],
        tf_column: str | None = None,
    ) -> None:
        if isinstance(columns, str):
            columns = (columns,)
        if len(labels) < 2:
            raise ConfigError(f"Comparator {name!r} needs at least two level labels.")
        if not columns:
            raise ConfigError(f"Comparator {name!r} needs at least one column.")
        self.func = func
        self.name = name
        self.labels = tuple(labels)
        self.columns = tuple(columns)
        self.tf_column = tf_column

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair from ``func``."""
        for frame in (left, right):
            missing = [c for c in self.columns if c not in frame.columns]
            if missing:
                raise SchemaError(
                    f"Comparator {self.name!r} needs columns {missing} that the prepared frame "
                    "lacks."
                )
        if len(self.columns) == 1:
            col = self.columns[0]
            a: Any = left[col].iloc[i].reset_index(drop=True)
            b: Any = right[col].iloc[j].reset_index(drop=True)
        else:
            a = left[list(self.columns)].iloc[i].reset_index(drop=True)
            b = right[list(self.columns)].iloc[j].reset_index(drop=True)
        out = np.asarray(self.func(a, b))
        if out.shape != (len(i),):
            raise ConfigError(
                f"Comparator {self.name!r} returned shape {out.shape}; expected one level per "
                f"pair ({len(i)},)."
            )
        out = np.where(pd.isna(out), -1, out) if out.dtype.kind == "f" else out
        levels = out.astype(np.int64)
        if len(levels) and (levels.min() < -1 or levels.max() >= len(self.labels)):
            raise ConfigError(
                f"Comparator {self.name!r} returned levels outside -1..{len(self.labels) - 1}."
            )
        return levels.astype(np.int8)

    def to_dict(self) -> dict[str, Any]:
        """``{"comparator": name}`` when the function is registered under its name."""
        if self.name in registry.available("comparator"):
            return {"comparator": self.name}
        raise ConfigError(
            f"Comparator {self.name!r} wraps a Python function and cannot be saved unless it is "
            "registered: use the @comparator(...) decorator or "
            "register_comparator(name, factory)."
        )

    def __repr__(self) -> str:
        fname = getattr(self.func, "__name__", "func")
        return (
            f"FunctionComparator({fname}, name={self.name!r}, labels={self.labels!r}, "
            f"columns={self.columns!r})"
        )


def comparator(
    *,
    name: str,
    labels: Sequence[str],
    columns: Sequence[str],
    tf_column: str | None = None,
    register: bool = True,
) -> Callable[[Callable[[Any, Any], Any]], FunctionComparator]:
    """Decorator: turn a function ``(a, b) -> levels`` into a :class:`FunctionComparator`.

    Args:
        name: Comparator name.
        labels: One label per level.
        columns: The prepared columns passed to the function.
        tf_column: Optional term-frequency column.
        register: Also register it under ``name`` (so saved matchers can load it again in
            a session where the decorated function has been defined).
    """

    def wrap(func: Callable[[Any, Any], Any]) -> FunctionComparator:
        comp = FunctionComparator(
            func, name=name, labels=labels, columns=columns, tf_column=tf_column
        )
        if register:
            register_comparator(name, _Fixed(comp, func))
        return comp

    return wrap


class _Fixed:
    """Factory of a decorated comparator: returns the one instance, named like the function."""

    def __init__(self, comp: Comparator, func: Callable[..., Any]) -> None:
        self.comp = comp
        self.registry_identity = func

    def __call__(self, **_: Any) -> Comparator:
        return self.comp


def as_comparator(obj: Any) -> Comparator:
    """Coerce a comparator, a registered name, a saved dict or a decorated function.

    Raises:
        ConfigError: ``obj`` is none of these (a bare function needs name/labels/columns:
            wrap it with :class:`FunctionComparator` or ``@comparator``).
    """
    if isinstance(obj, str):
        return get_comparator(obj)
    if isinstance(obj, Mapping):
        return comparator_from_dict(obj)
    if isinstance(obj, Comparator):
        return obj
    if callable(obj):
        raise ConfigError(
            f"{getattr(obj, '__name__', obj)!r} is a plain function: wrap it with "
            "FunctionComparator(func, name=..., labels=..., columns=...) or the "
            "@comparator(name=..., labels=..., columns=...) decorator."
        )
    raise ConfigError(
        f"{obj!r} is not a comparator: give an object with name, labels, columns and "
        "compare(left, right, i, j), or a registered name."
    )
