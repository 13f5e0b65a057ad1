"""Import optional dependencies with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from migrant_records.errors import MissingDependencyError

__all__ = ["import_optional"]

_NOTES = {
    "recordlinkage": " (recordlinkage 0.16 requires pandas < 3, so this extra keeps pandas 2)",
}


def import_optional(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming ``extra``.

    Args:
        module: Dotted module name, for example ``"recordlinkage.datasets"``.
        extra: The migrant-records extra that installs it.
        feature: What needs it, for the message (``"load_febrl"``).

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: The module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature} needs the optional package {top!r}, which is not installed: "
            f'pip install "migrant-records[{extra}]"{_NOTES.get(extra, "")}.'
        ) from exc
