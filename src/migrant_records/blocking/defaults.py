"""Zero-configuration blocking passes for prepared Indonesian worker records."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from migrant_records.blocking._keys import KeyItem
from migrant_records.blocking.strategies import BlockingStrategy, ExactBlock, QGramLSH

__all__ = ["default_blocking"]

logger = logging.getLogger(__name__)


def _filled(frames: Sequence[pd.DataFrame], column: str) -> bool:
    """The column exists in every frame and has at least one non-empty value in each."""
    for frame in frames:
        if column not in frame.columns:
            return False
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            if not (values.notna() & (values.astype("string").str.len() > 0)).any():
                return False
        elif not values.notna().any():
            return False
    return True


def default_blocking(
    frame: pd.DataFrame, right: pd.DataFrame | None = None
) -> list[BlockingStrategy]:
    """Blocking passes chosen from the prepared columns present and non-empty.

    The passes, in order (each only when its columns are filled; see ``docs/blocking.md``):

    1. ``nik``: the same usable NIK (``nik_id``).
    2. ``nik_head``: the same first 12 NIK digits (region and birth date) and the same first
       name token sound (``name_key`` first token): catches a mistyped serial.
    3. ``nik_tail``: the same last 10 NIK digits (birth date and serial) and the same first
       name initial: catches a mistyped region code.
    4. ``phone``: the same E.164 phone number.
    5. ``name_year``: the same name sound (``name_key``) and birth year: spelling variants,
       wrong day or month, day/month swaps.
    6. ``sorted_dob``: the same tokens in any order and birth date.
    7. ``initials_dob``: the same initials and birth date: typos inside name tokens.
       ``initials_month``: the same initials, birth year and month: typos together with a
       wrong day.
    8. ``first_dob`` / ``last_dob``: the same first / last token sound and birth date:
       mononyms against full names, added or dropped names.
    9. ``name_region``: the same name sound and regency: wrong or missing birth date.
       ``last_region``: the same last token sound and regency: a mononym with a wrong or
       missing birth date.
    10. ``mother_dob``: the same mother's name and birth date: a very different name.
    11. ``lsh_name_year``: MinHash LSH on ``name_core`` bigrams within the birth year and
        first initial: several typos at once.

    Args:
        frame: The prepared frame (dedupe) or left prepared frame (link).
        right: The right prepared frame when linking; a pass is used only when its columns
            are filled in both frames.

    Returns:
        The passes; empty when no column applies.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"nik_id": ["3201014101900001", None], "name_key": ["sit", "sit"]})
        >>> [p.name for p in default_blocking(frame)]
        ['nik']
    """
    frames = [frame] if right is None else [frame, right]
    passes: list[BlockingStrategy] = []

    def add(name: str, items: Sequence[KeyItem], *, cap: int = 1000) -> None:
        cols = [it if isinstance(it, str) else it[0] for it in items if not callable(it)]
        if all(_filled(frames, c) for c in cols):
            passes.append(ExactBlock(list(items), name=name, max_block_size=cap))

    add("nik", ["nik_id"], cap=50)
    add("nik_head", [("nik_digits", slice(0, 12)), ("name_key", "first")], cap=200)
    add("nik_tail", [("nik_digits", slice(6, 16)), ("name_initials", slice(0, 1))], cap=200)
    add("phone", ["phone_e164"], cap=50)
    add("name_year", ["name_key", "birth_year"])
    add("sorted_dob", ["name_sorted", "dob"])
    add("initials_dob", ["name_initials", "dob"])
    add("initials_month", ["name_initials", ("dob", "year"), ("dob", "month")])
    add("first_dob", [("name_key", "first"), "dob"])
    add("last_dob", [("name_key", "last"), "dob"])
    add("name_region", ["name_key", "regency_code"])
    add("last_region", [("name_key", "last"), "regency_code"])
    add("mother_dob", ["mother_norm", "dob"])
    if _filled(frames, "name_core") and _filled(frames, "birth_year"):
        passes.append(
            QGramLSH(
                "name_core",
                q=2,
                bands=10,
                rows=4,
                seed=0,
                within=["birth_year", ("name_initials", slice(0, 1))],
                name="lsh_name_year",
                max_block_size=1000,
            )
        )
    logger.info("default blocking passes: %s", [p.name for p in passes])
    return passes
