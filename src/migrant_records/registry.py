"""One registry for the pluggable parts of a matcher: comparators and blocking strategies.

Every pluggable part is registered under a *kind* (``"comparator"`` or ``"blocking"``) and a
name. A registered name can be used wherever a part is expected (``Matcher(comparators=
["person_name"], blocking=["my_pass"])``) and is what a saved configuration names, so that a
saved matcher loads again. Third-party packages add parts through entry points (group
``migrant_records.comparators`` or ``migrant_records.blocking``); each entry point names a
factory and is loaded on first lookup.

A name is never replaced silently: registering a name that is taken raises
:class:`~migrant_records.errors.ConfigError` unless ``replace=True`` is given. The one
exception is a redefinition of the same factory (the same module and qualified name, as when a
notebook cell is run again), which replaces the earlier definition.

Example:
    >>> from migrant_records import registry
    >>> "person_name" in registry.available("comparator")
    True
    >>> registry.register("comparator", "nik", lambda **kw: None)
    Traceback (most recent call last):
    ...
    migrant_records.errors.ConfigError: A comparator named 'nik' is already registered ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

from migrant_records.errors import ConfigError

__all__ = ["ENTRY_POINT_GROUPS", "Kind", "available", "build", "from_dict", "register"]

logger = logging.getLogger(__name__)

Kind = Literal["comparator", "blocking"]
"""The kinds of registered parts."""

ENTRY_POINT_GROUPS: dict[str, str] = {
    "comparator": "migrant_records.comparators",
    "blocking": "migrant_records.blocking",
}
"""Entry-point group scanned for plugins of each kind."""

_DICT_KEY = {"comparator": "comparator", "blocking": "strategy"}
_NOUN = {"comparator": "comparator", "blocking": "blocking strategy"}


@dataclass
class _Table:
    kind: str
    factories: dict[str, Callable[..., Any]] = field(default_factory=dict)
    builtin: set[str] = field(default_factory=set)
    entry_points_loaded: bool = False


_TABLES: dict[str, _Table] = {kind: _Table(kind) for kind in ENTRY_POINT_GROUPS}


def _table(kind: str) -> _Table:
    try:
        return _TABLES[kind]
    except KeyError:
        raise ConfigError(
            f"Unknown kind {kind!r}; registered parts are of kind {sorted(_TABLES)}."
        ) from None


def _identity(factory: Callable[..., Any]) -> tuple[str, str] | None:
    target = getattr(factory, "registry_identity", None) or factory
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    if not module or not qualname or "<lambda>" in qualname:
        return None
    return module, qualname


def register(
    kind: Kind | str,
    name: str,
    factory: Callable[..., Any],
    *,
    replace: bool = False,
    builtin: bool = False,
) -> None:
    """Register a factory (a class or function returning the part) under a name.

    Args:
        kind: ``"comparator"`` or ``"blocking"``.
        name: The name used in configurations and saved matchers.
        factory: Called with keyword arguments (the saved parameters) to build the part.
        replace: Replace an existing registration of ``name``.
        builtin: Mark the name as one of the library's own (used by the library itself).

    Raises:
        ConfigError: The name is taken and ``replace`` is not given.
    """
    table = _table(kind)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"A {_NOUN[table.kind]} name must be a non-empty string, got {name!r}.")
    old = table.factories.get(name)
    if old is not None and not replace:
        same = _identity(old) is not None and _identity(old) == _identity(factory)
        if not same or name in table.builtin:
            origin = "built-in " if name in table.builtin else ""
            raise ConfigError(
                f"A {_NOUN[table.kind]} named {name!r} is already registered ({origin}"
                f"{_describe(old)}); choose another name, or pass replace=True to replace it "
                "for this process."
            )
        logger.info("%s %r redefined", _NOUN[table.kind], name)
    table.factories[name] = factory
    if builtin:
        table.builtin.add(name)
    else:
        table.builtin.discard(name)


def _describe(factory: Callable[..., Any]) -> str:
    ident = _identity(factory)
    return f"{ident[0]}.{ident[1]}" if ident else repr(factory)


class _LazyEntryPoint:
    """Loads an entry point's factory on first call."""

    def __init__(self, kind: str, ep: Any) -> None:
        self.kind = kind
        self.ep = ep
        self.factory: Callable[..., Any] | None = None

    def __call__(self, **kwargs: Any) -> Any:
        if self.factory is None:
            try:
                self.factory = self.ep.load()
            except Exception as exc:
                raise ConfigError(
                    f"{_NOUN[self.kind].capitalize()} plugin {self.ep.name!r} ({self.ep.value}) "
                    f"from entry-point group {ENTRY_POINT_GROUPS[self.kind]!r} failed to load: "
                    f"{exc}. Reinstall the package that provides it."
                ) from exc
        assert self.factory is not None
        return self.factory(**kwargs)


def _load_builtins() -> None:
    # The built-in parts register themselves when their packages are imported.
    import migrant_records.blocking
    import migrant_records.compare  # noqa: F401


def _load_entry_points(table: _Table) -> None:
    if table.entry_points_loaded:
        return
    table.entry_points_loaded = True
    try:
        eps = metadata.entry_points(group=ENTRY_POINT_GROUPS[table.kind])
    except Exception:  # pragma: no cover - broken environment metadata
        logger.exception("could not read entry points of %s", ENTRY_POINT_GROUPS[table.kind])
        return
    for ep in eps:
        if ep.name in table.factories:
            logger.warning(
                "%s plugin %r (%s) ignored: the name is already registered",
                _NOUN[table.kind],
                ep.name,
                ep.value,
            )
            continue
        table.factories[ep.name] = _LazyEntryPoint(table.kind, ep)


def available(kind: Kind | str) -> list[str]:
    """Registered names of one kind: built-ins, plugins and the user's own."""
    table = _table(kind)
    _load_builtins()
    _load_entry_points(table)
    return sorted(table.factories)


def build(kind: Kind | str, name: str, /, **params: Any) -> Any:
    """Build a registered part by name.

    Args:
        kind: ``"comparator"`` or ``"blocking"``.
        name: A name from :func:`available`.
        **params: Passed to the factory.

    Raises:
        ConfigError: The name is unknown or the parameters do not fit the factory.
    """
    table = _table(kind)
    names = available(kind)
    if name not in table.factories:
        raise ConfigError(
            f"Unknown {_NOUN[table.kind]} {name!r}; registered: {names}. Register your own "
            f"with migrant_records.registry.register({table.kind!r}, name, factory)."
        )
    try:
        return table.factories[name](**params)
    except TypeError as exc:
        raise ConfigError(f"Invalid parameters for {_NOUN[table.kind]} {name!r}: {exc}.") from exc


def from_dict(kind: Kind | str, data: Mapping[str, Any]) -> Any:
    """Rebuild a part from its ``to_dict()`` output (``{"comparator": name, ...}`` or
    ``{"strategy": name, ...}``): the name key picks the factory, the other keys are its
    parameters."""
    table = _table(kind)
    if not isinstance(data, Mapping):
        raise ConfigError(f"A saved {_NOUN[table.kind]} must be a mapping, got {data!r}.")
    params = dict(data)
    key = _DICT_KEY[table.kind]
    name = params.pop(key, None)
    if not isinstance(name, str):
        raise ConfigError(f"Saved {_NOUN[table.kind]} {dict(data)!r} has no {key!r} name.")
    return build(table.kind, name, **params)
