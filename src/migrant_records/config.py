"""The matcher's configuration: one validated, JSON-serialisable object, trained or not.

:class:`MatcherConfig` is the single validation path for every matcher option, whether it
comes from the ``Matcher`` constructor, from ``Matcher.set_params``, from a command-line flag
or from a saved model file. A saved file carries a format marker and a version; a file written
by a newer version of the library is refused with a clear message instead of being misread.

Example:
    >>> cfg = MatcherConfig(threshold=0.8)
    >>> MatcherConfig.from_json(cfg.to_json()).threshold
    0.8
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from migrant_records.errors import ConfigError, ModelError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MATCHER_OPTIONS",
    "MatcherConfig",
    "saved_form",
    "validation_message",
]

FORMAT = "migrant-records-matcher"
"""The format marker of a saved matcher."""

FORMAT_VERSION = 2
"""The version of the saved-matcher format this library writes (and the newest it reads)."""

MATCHER_OPTIONS = (
    "threshold",
    "prior_rule_recall",
    "term_frequency",
    "u_sample_pairs",
    "conflicts",
    "one_to_one",
    "seed",
    "profile",
    "min_year",
)
"""Options of a ``Matcher`` set in its constructor and by ``set_params``, checked here."""


def validation_message(exc: ValidationError, where: str) -> str:
    """One readable line per invalid field of a pydantic error, prefixed with ``where``."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
        parts.append(f"field {field!r}: {err.get('msg', 'invalid')} (got {err.get('input')!r})")
    return f"{where}: " + "; ".join(parts) + "."


class MatcherConfig(BaseModel):
    """Every option of a :class:`~migrant_records.Matcher`, validated.

    Attributes:
        format: The format marker (always ``"migrant-records-matcher"``).
        version: The format version the configuration was written with.
        threshold: Match probability at or above which records are joined (0 < t < 1).
        prior_rule: The rule estimating the prior (``Rule.to_dict()``), or ``None`` for the
            default rule.
        prior_rule_recall: Assumed share of all true matches the prior rule finds (0 < r <= 1).
        term_frequency: Adjust exact-agreement weights by how common the value is.
        u_sample_pairs: Most random record pairs used to estimate u.
        conflicts: Split clusters at conflicting identifiers.
        one_to_one: For ``link``: each record in at most one matched pair.
        seed: Seed for random pair sampling.
        profile: Name standardisation profile: ``auto`` (from the data), ``indonesia`` or
            ``generic``.
        min_year: Earliest plausible birth year (1678 at the lowest).
        comparators: Saved comparators (``to_dict()`` of each), or ``None`` for the defaults
            chosen from the data.
        blocking: Saved blocking strategies, or ``None`` for the defaults.
        model: The saved model (``to_dict()``), or ``None`` for a Fellegi-Sunter model built
            on the first fit.
        trained: Whether ``model`` holds trained parameters for ``comparators``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["migrant-records-matcher"] = "migrant-records-matcher"
    version: int = FORMAT_VERSION
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    prior_rule: dict[str, Any] | None = None
    prior_rule_recall: float = Field(0.6, gt=0.0, le=1.0)
    term_frequency: bool = True
    u_sample_pairs: int = Field(1_000_000, ge=1)
    conflicts: bool = True
    one_to_one: bool = False
    seed: int = Field(0, ge=0)
    profile: Literal["auto", "indonesia", "generic"] = "auto"
    min_year: int = Field(1900, ge=1678, le=2100)
    comparators: list[dict[str, Any]] | None = None
    blocking: list[dict[str, Any]] | None = None
    model: dict[str, Any] | None = None
    trained: bool = False

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value > FORMAT_VERSION:
            raise ValueError(
                f"written by a newer migrant-records (format version {value}; this version "
                f"reads up to {FORMAT_VERSION}): upgrade migrant-records to load it"
            )
        if value < 1:
            raise ValueError("the format version must be at least 1")
        return value

    @classmethod
    def options(cls, **values: Any) -> dict[str, Any]:
        """Validate matcher options (any subset of the fields) and return them.

        Raises:
            ConfigError: A value is invalid; the message names the field.
        """
        try:
            checked = cls(**values)
        except ValidationError as exc:
            raise ConfigError(validation_message(exc, "Invalid matcher option")) from None
        return {k: getattr(checked, k) for k in values}

    @classmethod
    def from_data(cls, data: Any, *, where: str = "Saved matcher") -> MatcherConfig:
        """Validate saved data (from JSON) field by field.

        Raises:
            ModelError: The data is not a saved matcher, comes from a newer version, or holds
                an invalid field (named in the message).
        """
        if not isinstance(data, Mapping):
            raise ModelError(
                f"{where} is not a saved migrant-records matcher: expected a JSON object, got "
                f"{type(data).__name__}. Save one with Matcher.save(path)."
            )
        if data.get("format") != FORMAT:
            raise ModelError(
                f"{where} is not a saved migrant-records matcher (missing format marker "
                f"{FORMAT!r}); save one with Matcher.save(path)."
            )
        values = dict(data)
        if "trained" not in values and values.get("version") == 1:
            values["trained"] = values.get("model") is not None  # version 1 saved trained only
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ModelError(validation_message(exc, where)) from None

    def to_json(self) -> str:
        """The configuration as indented JSON text."""
        return json.dumps(self.model_dump(), indent=2)

    @classmethod
    def from_json(cls, text: str, *, where: str = "Saved matcher") -> MatcherConfig:
        """Parse and validate JSON text (see :meth:`from_data`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(f"{where} is not valid JSON: {exc}.") from None
        return cls.from_data(data, where=where)


def saved_form(obj: Any) -> dict[str, Any]:
    """``obj.to_dict()`` of a comparator, strategy or model, or a clear error if it has none."""
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is None:
        raise ModelError(
            f"{obj!r} cannot be saved: give it a to_dict() method (and register it) to save "
            "a matcher that uses it."
        )
    try:
        return dict(to_dict())
    except NotImplementedError as exc:
        raise ModelError(f"{obj!r} cannot be saved: {exc}") from exc
