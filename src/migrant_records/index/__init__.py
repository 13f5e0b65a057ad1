"""The living person index: incremental matching with stable person ids.

A :class:`PersonIndex` keeps records, blocking keys, the trained matcher, the crosswalk
(``source, record_id -> person_id``) and an append-only history of id events in DuckDB (one
file, the default) or PostgreSQL (a shared deployment, the ``postgres`` extra). New records
are matched against the stored keys and only the persons they touch are re-clustered; person
ids follow the rules in :mod:`migrant_records.index.ids`.

Example:
    >>> import migrant_records as mr
    >>> from migrant_records.index import PersonIndex
    >>> matcher = mr.Matcher(progress=False)
    >>> result = matcher.dedupe(january)  # doctest: +SKIP
    >>> index = PersonIndex.create("persons.duckdb", matcher, result)  # doctest: +SKIP
    >>> changes = index.add(february)  # doctest: +SKIP
"""

from __future__ import annotations

from migrant_records.index.changes import ChangeSet
from migrant_records.index.core import PersonIndex, UnknownPersonError, UnknownRecordError
from migrant_records.index.store import SCHEMA_VERSION, IndexBusyError, IndexSchemaError

__all__ = [
    "SCHEMA_VERSION",
    "ChangeSet",
    "IndexBusyError",
    "IndexSchemaError",
    "PersonIndex",
    "UnknownPersonError",
    "UnknownRecordError",
]
