"""Phone numbers: Indonesian forms to E.164, foreign numbers of destination countries kept.

The common Indonesian mobile forms (``08xx``, ``628xx``, ``+62 8xx``, ``0062 8xx``, bare
``8xx``, with spaces, dots, dashes or parentheses) are recognised with one vectorized
regular expression; the remaining unique values go through ``phonenumbers``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers

from migrant_records.standardize._util import as_series, unique_strings

__all__ = ["DESTINATION_CALLING_CODES", "PHONE_COLUMNS", "PHONE_REASONS", "normalize_phone"]

#: Columns returned by :func:`normalize_phone`.
PHONE_COLUMNS = ("e164", "country", "reason")

#: Reason codes for numbers that could not be read.
PHONE_REASONS = ("missing", "not_a_number", "too_short", "invalid")

#: Calling codes of the main destination countries of Indonesian migrant workers, tried
#: when a number written without ``+`` is not a valid Indonesian number.
DESTINATION_CALLING_CODES = ("852", "886", "60", "65", "966", "82", "81", "971", "853", "974")

# Only the first number of "0812... / 0813..." is kept.
_FIRST = re.compile(r"\s*(?:[/,;|]|\batau\b|\bor\b)\s*")
_SEPARATORS = r"[\s.\-()\[\]]+"
# Indonesian mobile: national number 8[1235789] + 7-10 digits, with any common prefix.
_ID_MOBILE = r"^(?:\+62|0062|62)?0?(8[1235789][0-9]{7,10})$"
_ID_MOBILE_INTL = r"^(?:\+62|0062)0?(8[1235789][0-9]{7,10})$"


def _slow(raw: str, default_region: str) -> tuple[str | None, str | None, str]:
    """Parse one value with phonenumbers: ``(e164, region, reason)``."""
    text = raw.strip().lstrip("'")
    digits = re.sub(r"[^0-9]", "", text)
    if not digits:
        return None, None, "not_a_number"
    if re.search(r"[a-zA-Z]", re.sub(r"(?i)\b(?:ext|x|hp|wa|telp|tel)\b\.?", "", text)):
        return None, None, "not_a_number"
    if len(digits) < 7:
        return None, None, "too_short"
    candidates = []
    plus = text.lstrip().startswith("+")
    if plus:
        candidates.append("+" + digits)
    elif digits.startswith("00"):
        candidates.append("+" + digits[2:])
    else:
        candidates.append(text)
        candidates.extend("+" + digits for cc in DESTINATION_CALLING_CODES if digits.startswith(cc))
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164, phonenumbers.region_code_for_number(number), ""
    return None, None, "invalid"


def normalize_phone(s: Any, default_region: str = "ID") -> pd.DataFrame:
    """Normalise phone numbers to E.164.

    Indonesian numbers in any common form become ``+62...``; numbers of other countries
    (Hong Kong ``+852``, Taiwan ``+886``, Malaysia ``+60``, Singapore ``+65``, Saudi
    Arabia ``+966``, Korea ``+82``, Japan ``+81`` ...) are kept in E.164 with their region.
    When a cell holds several numbers (``"0812... / 0813..."``) the first is used.
    A bare ``8xx`` number is read as Indonesian (``0852`` is a Telkomsel prefix, so an
    unprefixed ``852...`` is not taken for Hong Kong).

    Args:
        s: Phone values (Series or list-like), any dtype.
        default_region: Region for numbers without a country code.

    Returns:
        DataFrame aligned to ``s`` with ``e164``, ``country`` (ISO alpha-2) and
        ``reason`` (``missing``, ``not_a_number``, ``too_short``, ``invalid``; ``None``
        when the number was read).

    Example:
        >>> normalize_phone(pd.Series(["0812-3456-7890", "+852 9123 4567"]))["e164"].tolist()
        ['+6281234567890', '+85291234567']
    """
    series = as_series(s)
    codes, uniques = unique_strings(series)
    u = pd.Series(uniques, dtype=object)
    n = len(u)
    e164 = np.full(n, None, dtype=object)
    country = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)

    missing = u.isna().to_numpy()
    reason[missing] = "missing"
    text = u.fillna("").str.strip().str.lstrip("'")
    first = text.str.split(_FIRST, n=1, regex=True).str[0].fillna("")
    first = first.str.replace(r"^(\+?[0-9]{7,})\.0+$", r"\1", regex=True)  # float artefact
    compact = first.str.replace(_SEPARATORS, "", regex=True)
    pattern = _ID_MOBILE if default_region == "ID" else _ID_MOBILE_INTL
    mobile = compact.str.extract(pattern, expand=False)
    fast = mobile.notna().to_numpy() & ~missing
    e164[fast] = ("+62" + mobile[fast]).to_numpy(dtype=object)
    country[fast] = "ID"
    for i in np.flatnonzero(~fast & ~missing):
        number, region, why = _slow(str(first.iat[i]), default_region)
        e164[i], country[i], reason[i] = number, region, why or None
    e = np.append(e164, None)
    c = np.append(country, None)
    r = np.append(reason, "missing")
    return pd.DataFrame(
        {"e164": e[codes], "country": c[codes], "reason": r[codes]},
        index=series.index,
    )
