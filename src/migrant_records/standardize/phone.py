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

from migrant_records._pandas import object_frame
from migrant_records.standardize._util import as_series, unique_strings, with_missing

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
# Indonesian mobile: national number 8[1235789] + 7-10 digits, with any common prefix and
# spaces, dots, dashes or parentheses between the digits.
_S = r"[\s.\-()\[\]]*"
_NSN = rf"(8{_S}[1235789](?:{_S}[0-9]){{7,10}})"
_FAST_ID = re.compile(
    rf"^{_S}(?:(?:\+{_S}6{_S}2|0{_S}0{_S}6{_S}2|6{_S}2){_S})?(?:0{_S})?{_NSN}{_S}$"
)
_FAST_INTL = re.compile(rf"^{_S}(?:\+{_S}6{_S}2|0{_S}0{_S}6{_S}2){_S}(?:0{_S})?{_NSN}{_S}$")
_FLOAT = re.compile(r"(?<=[0-9]{7})\.0+$")
# The same Indonesian mobile numbers once spaces, dashes and parentheses are removed: most
# numbers are written with digits and those only, and are read here without the long regex.
_COMPACT_ID_ANCHORED = r"^(?:\+62|0062|62)?0?(?P<n>8[1235789][0-9]{7,10})$"
_NOT_DIGIT = re.compile(r"[^0-9]")


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
    possible = None
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164, phonenumbers.region_code_for_number(number), ""
        if possible is None and (plus or digits.startswith("00")):
            possible = number
    # A number written with its country code and of a possible length for that country is
    # kept even when the range is not in phonenumbers' allocation tables (new ranges).
    if possible is not None and phonenumbers.is_possible_number(possible):
        region = phonenumbers.region_code_for_country_code(possible.country_code or 0)
        if region not in ("ZZ", "001"):
            e164 = phonenumbers.format_number(possible, phonenumbers.PhoneNumberFormat.E164)
            return e164, region, ""
    return None, None, "invalid"


def _plain_mobiles(values: list[Any]) -> list[str | None] | None:
    """The national number of each value that is an Indonesian mobile number written with
    digits, spaces, dashes and parentheses only (``None`` elsewhere), read by Arrow's regular
    expressions in one pass (a value it does not read goes through the general path).

    Returns ``None`` when the values cannot be read as text by Arrow (the caller then reads
    every value itself).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        return None  # lone surrogates (text read with surrogateescape) and the like
    text = pc.utf8_ltrim(pc.utf8_trim_whitespace(text), characters="'")
    compact = pc.replace_substring_regex(text, r"[ ()\-]", "")
    found = pc.extract_regex(compact, _COMPACT_ID_ANCHORED)
    national = pc.if_else(pc.is_valid(found), pc.struct_field(found, "n"), None)
    return national.to_pylist()  # type: ignore[no-any-return]


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
    n = len(uniques)
    e164 = np.full(n, None, dtype=object)
    country = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    fast = _FAST_ID if default_region == "ID" else _FAST_INTL
    plain = _plain_mobiles(uniques) if default_region == "ID" else None
    for i, raw in enumerate(uniques):
        if raw is None:
            reason[i] = "missing"
            continue
        national = None if plain is None else plain[i]
        if national is not None:
            e164[i] = "+62" + national
            country[i] = "ID"
            continue
        text = raw.strip().lstrip("'")
        text = _FIRST.split(text, maxsplit=1)[0]
        text = _FLOAT.sub("", text)
        match = fast.match(text)
        if match is not None:
            e164[i] = "+62" + _NOT_DIGIT.sub("", match.group(1))
            country[i] = "ID"
            continue
        e164[i], country[i], why = _slow(text, default_region)
        reason[i] = why or None
    e = with_missing(e164, None)
    c = with_missing(country, None)
    r = with_missing(reason, "missing")
    return object_frame(
        {"e164": e[codes], "country": c[codes], "reason": r[codes]},
        series.index,
    )
