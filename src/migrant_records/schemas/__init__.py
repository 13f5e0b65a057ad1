"""Typed schemas: the canonical worker-record columns, pydantic models and enums.

This package is the single source of truth for column names and types. Frames flowing
through the library use :data:`CANONICAL_COLUMNS`; the pydantic models describe one row
each and export JSON Schema with :func:`json_schema`.

Examples:
    >>> from migrant_records.schemas import CANONICAL_COLUMNS, WorkerRecord
    >>> CANONICAL_COLUMNS[:4]
    ('source', 'record_id', 'nik', 'full_name')
    >>> WorkerRecord(source="KP2MI", record_id="1", full_name="Siti").nik is None
    True
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from migrant_records.errors import ConfigError
from migrant_records.schemas.countries import ISO_ALPHA2
from migrant_records.schemas.models import (
    CANONICAL_COLUMNS,
    REQUIRED_COLUMNS,
    Ministry,
    Participation,
    Placement,
    Program,
    ProgramType,
    Sex,
    SourceDataset,
    WorkerRecord,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "ISO_ALPHA2",
    "MODELS",
    "REQUIRED_COLUMNS",
    "Ministry",
    "Participation",
    "Placement",
    "Program",
    "ProgramType",
    "Sex",
    "SourceDataset",
    "WorkerRecord",
    "json_schema",
]

MODELS: dict[str, type[BaseModel]] = {
    "WorkerRecord": WorkerRecord,
    "Program": Program,
    "Participation": Participation,
    "Placement": Placement,
    "SourceDataset": SourceDataset,
}
"""The exported models by name."""


def json_schema(name: str, *, indent: int | None = 2) -> str:
    """Return the JSON Schema of a model as JSON text.

    Args:
        name: A model name from :data:`MODELS` (``WorkerRecord``, ``Program``,
            ``Participation``, ``Placement``, ``SourceDataset``); case-insensitive.
        indent: Indentation of the JSON text (``None`` for one line).

    Returns:
        The JSON Schema (draft 2020-12, as pydantic generates it) as a string.

    Raises:
        ConfigError: ``name`` is not a known model.

    Examples:
        >>> import json
        >>> json.loads(json_schema("WorkerRecord"))["required"]
        ['source', 'record_id', 'full_name']
    """
    lookup = {key.casefold(): model for key, model in MODELS.items()}
    model = lookup.get(str(name).strip().casefold())
    if model is None:
        raise ConfigError(f"unknown schema {name!r}; valid names are: {', '.join(sorted(MODELS))}")
    return json.dumps(model.model_json_schema(), indent=indent, ensure_ascii=False)
