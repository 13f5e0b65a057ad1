"""Clerical review: write uncertain pairs to a sheet, read the reviewer's labels back.

:func:`review_sheet` writes the pairs the model is least sure about, the two records side
by side, with a blank ``is_match`` column. A reviewer fills it in (``1``/``0``, ``y``/``n``,
``ya``/``tidak``, ...) in a spreadsheet program; :func:`read_labels` reads the sheet back
into labels that ``Matcher.fit(labels=...)`` or ``dedupe(labels=...)`` accept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, InputFileError, SchemaError
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = ["LABEL_FALSE", "LABEL_TRUE", "REVIEW_FIELDS", "read_labels", "review_sheet"]

logger = logging.getLogger(__name__)

REVIEW_FIELDS: tuple[str, ...] = (
    "full_name",
    *(c for c in CANONICAL_COLUMNS[2:] if c != "full_name"),
)
"""Canonical fields shown side by side by default (those present in the records)."""

LABEL_TRUE = frozenset({"1", "1.0", "y", "yes", "ya", "true", "t", "match", "same"})
"""Accepted spellings of "these two records are the same person" (case-insensitive)."""
LABEL_FALSE = frozenset(
    {
        "0",
        "0.0",
        "n",
        "no",
        "tidak",
        "false",
        "f",
        "non-match",
        "non_match",
        "nonmatch",
        "non match",
        "no match",
        "no-match",
        "different",
    }
)
"""Accepted spellings of "these two records are different persons" (case-insensitive)."""

_KEYS = ("source_l", "record_id_l", "source_r", "record_id_r")


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ConfigError(
            f"Review sheet {str(path)!r}: unknown extension {suffix or '(none)'!r}; use .csv "
            "or .xlsx."
        )
    return suffix


def review_sheet(
    pairs: pd.DataFrame,
    records: pd.DataFrame,
    path: str | Path,
    *,
    low: float = 0.3,
    high: float = 0.9,
    columns: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Write the uncertain pairs side by side to a CSV or XLSX sheet for clerical review.

    Args:
        pairs: Scored pairs: ``source_l, record_id_l, source_r, record_id_r,
            match_probability`` and optionally ``match_weight``.
        records: The records the pairs refer to (``source``, ``record_id`` and the fields).
        path: Output file; ``.csv`` (UTF-8) or ``.xlsx`` by extension.
        low: Lowest match probability included.
        high: Highest match probability included.
        columns: Record fields to show (default: the fields of :data:`REVIEW_FIELDS`
            present in ``records``).
        limit: Write at most this many pairs (the most uncertain ones).

    Returns:
        The sheet as written: ``source_l, record_id_l, source_r, record_id_r,
        match_probability, match_weight``, then ``<field>_l, <field>_r`` per field, then a
        blank ``is_match`` and a blank ``note`` column. Rows are ordered most uncertain
        first (probability closest to 0.5).

    Raises:
        SchemaError: When pairs or records lack a needed column.
        ConfigError: For bad bounds, unknown fields or an unknown file extension.

    Example:
        ``review_sheet(result.pairs, result.records, "review.xlsx", limit=200)``, then have
        the ``is_match`` column filled and call :func:`read_labels`.
    """
    out_path = Path(path)
    suffix = _suffix(out_path)
    if not 0.0 <= low <= high <= 1.0:
        raise ConfigError(f"Need 0 <= low <= high <= 1, got low={low}, high={high}.")
    if limit is not None and limit < 0:
        raise ConfigError(f"limit must be >= 0, got {limit}.")
    missing = [c for c in (*_KEYS, "match_probability") if c not in pairs.columns]
    if missing:
        raise SchemaError(f"pairs lack column(s) {', '.join(missing)}.")
    missing = [c for c in ("source", "record_id") if c not in records.columns]
    if missing:
        raise SchemaError(f"records lack column(s) {', '.join(missing)}.")
    if columns is None:
        fields = [f for f in REVIEW_FIELDS if f in records.columns]
    else:
        fields = list(columns)
        unknown = [f for f in fields if f not in records.columns]
        if unknown:
            raise ConfigError(
                f"Unknown review column(s) {', '.join(unknown)}; records have: "
                f"{', '.join(map(str, records.columns))}."
            )

    prob = pairs["match_probability"].to_numpy(dtype=float)
    keep = np.flatnonzero((prob >= low) & (prob <= high))
    order = keep[np.argsort(np.abs(prob[keep] - 0.5), kind="stable")]
    if limit is not None:
        order = order[:limit]
    chosen = pairs.iloc[order]
    sheet = pd.DataFrame({k: chosen[k].astype(str).to_numpy() for k in _KEYS})
    sheet["match_probability"] = chosen["match_probability"].to_numpy(dtype=float)
    sheet["match_weight"] = (
        chosen["match_weight"].to_numpy(dtype=float) if "match_weight" in chosen.columns else np.nan
    )
    table = records.assign(
        source=records["source"].astype(str), record_id=records["record_id"].astype(str)
    ).drop_duplicates(["source", "record_id"])
    table = table.set_index(["source", "record_id"])[fields]
    for side in ("l", "r"):
        idx = pd.MultiIndex.from_arrays([sheet[f"source_{side}"], sheet[f"record_id_{side}"]])
        looked = table.reindex(idx)
        absent = int(looked.index.isin(table.index).__invert__().sum())
        if absent:
            logger.warning("%d pair records (side %s) are not in records", absent, side)
        for f in fields:
            sheet[f"{f}_{side}"] = looked[f].to_numpy()
    ordered = list(sheet.columns[:6])
    for f in fields:
        ordered += [f"{f}_l", f"{f}_r"]
    sheet = sheet[ordered]
    sheet["is_match"] = ""
    sheet["note"] = ""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        sheet.to_csv(out_path, index=False, encoding="utf-8")
    else:
        sheet.to_excel(out_path, index=False, sheet_name="review")
    logger.info("wrote %d pairs for review to %s", len(sheet), out_path)
    return sheet


def _parse_label(value: str) -> bool | None:
    text = value.strip().casefold()
    if not text or text == "nan":
        return None
    if text in LABEL_TRUE:
        return True
    if text in LABEL_FALSE:
        return False
    raise ValueError(text)


def read_labels(path: str | Path) -> pd.DataFrame:
    """Read a filled-in review sheet (CSV or XLSX) into labels.

    Args:
        path: The sheet written by :func:`review_sheet` (or any sheet with the columns
            ``source_l, record_id_l, source_r, record_id_r, is_match``).

    Returns:
        ``source_l, record_id_l, source_r, record_id_r, is_match`` (bool), one row per
        labelled pair; rows with a blank ``is_match`` are skipped. Accepted labels
        (case-insensitive): ``1``/``0``, ``y``/``n``, ``yes``/``no``, ``ya``/``tidak``,
        ``true``/``false``, ``match``/``non-match`` (see :data:`LABEL_TRUE`,
        :data:`LABEL_FALSE`).

    Raises:
        InputFileError: When the file does not exist or is not CSV/XLSX.
        SchemaError: When a column is missing, or a row has an unreadable label or a blank
            record key; the message names the row (as a spreadsheet shows it, the header
            being row 1) and the value.
    """
    in_path = Path(path)
    if not in_path.exists():
        raise InputFileError(f"Label file {str(in_path)!r} does not exist.")
    suffix = in_path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(in_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            frame = pd.read_excel(in_path, dtype=str, keep_default_na=False)
        else:
            raise InputFileError(
                f"Label file {str(in_path)!r}: unknown extension {suffix or '(none)'!r}; "
                "use .csv or .xlsx."
            )
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(f"Cannot read label file {str(in_path)!r}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in (*_KEYS, "is_match") if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"Label file {str(in_path)!r} lacks column(s) {', '.join(missing)}; found: "
            f"{', '.join(frame.columns)}."
        )
    raw = frame["is_match"].fillna("").astype(str)
    uniques = raw.unique()
    parsed: dict[str, bool | None] = {}
    for value in uniques:
        try:
            parsed[value] = _parse_label(value)
        except ValueError:
            row = int(np.flatnonzero(raw.to_numpy() == value)[0]) + 2
            raise SchemaError(
                f"Label file {str(in_path)!r}, row {row}: is_match value {value!r} is not a "
                "label; use 1/0, y/n, yes/no, ya/tidak, true/false or match/non-match, or "
                "leave it blank."
            ) from None
    labels = raw.map(parsed)
    keep = labels.notna().to_numpy()
    out = frame.loc[keep, list(_KEYS)].apply(lambda s: s.astype(str).str.strip())
    blank = (out == "").to_numpy()
    if blank.any():
        r, c = np.argwhere(blank)[0]
        row = int(np.flatnonzero(keep)[r]) + 2
        raise SchemaError(
            f"Label file {str(in_path)!r}, row {row}: {_KEYS[c]} is blank in a labelled row; "
            "every labelled pair needs both records' source and record_id."
        )
    out = out.reset_index(drop=True)
    out["is_match"] = labels[keep].astype(bool).to_numpy()
    logger.info("read %d labels (%d skipped blank) from %s", len(out), int((~keep).sum()), path)
    return out
