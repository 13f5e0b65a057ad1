"""migrant-records: entity resolution for Indonesian migrant-worker records.

Load ministry datasets, validate them against typed schemas, standardise Indonesian
identifiers (names, NIK, phones, dates, regions), and deduplicate and link them into one
person index with explainable scores.

Example:
    >>> import migrant_records as mr
    >>> sample = mr.datasets.load_sample()
    >>> result = mr.dedupe(list(sample.sources.values()), progress=False)  # doctest: +SKIP
    >>> result.summary()["persons"]  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from migrant_records import (
    blocking,
    cluster,
    compare,
    datasets,
    evaluate,
    explain,
    golden,
    io,
    model,
    schemas,
    standardize,
    synth,
)
from migrant_records.api import dedupe, link
from migrant_records.config import MatcherConfig
from migrant_records.errors import (
    ConfigError,
    InputFileError,
    MigrantRecordsError,
    MissingDependencyError,
    ModelError,
    SchemaError,
)
from migrant_records.explain.review import read_labels
from migrant_records.io import Batch, read_records
from migrant_records.matcher import Matcher
from migrant_records.result import MatchResult

__all__ = [
    "Batch",
    "ConfigError",
    "InputFileError",
    "MatchResult",
    "Matcher",
    "MatcherConfig",
    "MigrantRecordsError",
    "MissingDependencyError",
    "ModelError",
    "SchemaError",
    "__version__",
    "blocking",
    "cluster",
    "compare",
    "datasets",
    "dedupe",
    "evaluate",
    "explain",
    "golden",
    "io",
    "link",
    "model",
    "read_labels",
    "read_records",
    "schemas",
    "standardize",
    "synth",
]
