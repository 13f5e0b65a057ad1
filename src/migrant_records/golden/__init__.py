"""Golden records and programme views: one clean record per person, programmes counted once.

- :func:`golden_records` picks each field of a person's golden record by survivorship rules
  and records where every value came from.
- :func:`programme_overview` counts unique persons per programme and ministry, and the
  overlaps between programmes; :func:`journey` lists one person's records, programmes and
  placements in time order.
"""

from __future__ import annotations

from migrant_records.golden.journeys import journey
from migrant_records.golden.programmes import (
    HEADLINE_OVERLAPS,
    ProgrammeOverview,
    programme_overview,
)
from migrant_records.golden.survivorship import (
    DEFAULT_RULES,
    GOLDEN_FIELDS,
    SurvivorshipRule,
    golden_records,
)

__all__ = [
    "DEFAULT_RULES",
    "GOLDEN_FIELDS",
    "HEADLINE_OVERLAPS",
    "ProgrammeOverview",
    "SurvivorshipRule",
    "golden_records",
    "journey",
    "programme_overview",
]
