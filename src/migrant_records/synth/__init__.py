"""Synthetic multi-ministry data about Indonesian migrant workers, with ground truth.

:func:`generate` draws a population of workers and their families, their placements
abroad and their part in village, business, training, campus and survey programmes, then
writes what each ministry would hold about them, each source in its own formats and with
its own documented error rates (:data:`ERROR_PROFILES`). The ground truth says which
records belong to the same person, so that matching can be measured with
:mod:`migrant_records.evaluate`.

Example:
    >>> from migrant_records.synth import generate
    >>> data = generate(people=500, seed=42)
    >>> list(data.sources)[:3]
    ['kp2mi_placements', 'kemendes_dme', 'kemenkop_capital']
"""

from __future__ import annotations

from migrant_records.synth._tables import (
    DESTINATION_SHARES,
    HOME_REGENCIES,
    OCCUPATION_SHARES,
)
from migrant_records.synth.generator import SyntheticData, generate, write_dataset
from migrant_records.synth.profiles import (
    ERROR_PROFILES,
    ERRORS,
    SOURCE_STYLES,
    SOURCES,
    SourceStyle,
)

__all__ = [
    "DESTINATION_SHARES",
    "ERRORS",
    "ERROR_PROFILES",
    "HOME_REGENCIES",
    "OCCUPATION_SHARES",
    "SOURCES",
    "SOURCE_STYLES",
    "SourceStyle",
    "SyntheticData",
    "generate",
    "write_dataset",
]
