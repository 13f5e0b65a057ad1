"""How one source writes its records: formats of each column, with the source's errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records.synth import _strings as st
from migrant_records.synth._arrays import BoolArray, IntArray, ObjArray, choose, flag_values
from migrant_records.synth._dates import EPOCH, format_dates, ymd
from migrant_records.synth._errors import ErrorLog, draw_error, two_errors
from migrant_records.synth._people import People
from migrant_records.synth._regions import region_names
from migrant_records.synth.profiles import ERROR_PROFILES, SOURCE_STYLES

__all__ = ["format_phones", "render"]


def format_phones(
    rng: np.random.Generator,
    nsn: ObjArray,
    abroad: ObjArray,
    use_abroad: BoolArray,
    style: dict[str, float],
) -> ObjArray:
    """Phone numbers in the source's formats; ``use_abroad`` rows get the foreign number."""
    n = len(nsn)
    fmt = choose(rng, style, n)
    out = np.empty(n, dtype=object)
    for key in sorted(set(fmt.tolist())):
        rows = fmt == key
        s = nsn[rows].astype(st.S)
        if key in ("0", "+62", "62"):
            val = st.cat(key, s)
        else:
            a = np.strings.slice(s, 0, 3)
            b = np.strings.slice(s, 3, 7)
            c = np.strings.slice(s, 7, None)
            sep = " " if key == "space" else "-"
            lead = "+62 " if key == "+62space" else "0"
            val = st.cat(lead, a, sep, b, sep, c)
        out[rows] = st.to_obj(val)
    rows = np.flatnonzero(use_abroad)
    if len(rows):
        f = abroad[rows].astype(st.S)
        u = rng.random(len(rows))
        spaced = st.cat(
            np.strings.slice(f, 0, 4), " ", np.strings.slice(f, 4, 8), " ",
            np.strings.slice(f, 8, None),
        )  # fmt: skip
        plain = np.strings.slice(f, 1, None)
        out[rows] = st.to_obj(np.where(u < 0.5, f, np.where(u < 0.8, spaced, plain)))
    return out


def render(
    rng: np.random.Generator,
    source: str,
    p: People,
    idx: IntArray,
    passport: ObjArray | None,
    log: ErrorLog,
) -> dict[str, ObjArray]:
    """Canonical columns of one source for persons ``idx`` (one row each), with errors."""
    style = SOURCE_STYLES[source]
    rates = ERROR_PROFILES[source]
    n = len(idx)
    every = np.ones(n, dtype=bool)
    upper_style = style.name_case == "upper"

    def draw(error: str, eligible: BoolArray = every) -> BoolArray:
        return draw_error(rng, rates.get(error, 0.0), eligible, log, error)

    # names: errors on subsets, then case
    name = p.name[idx]
    changed = np.zeros(n, dtype=bool)
    ntok = p.ntok[idx]
    mask = draw("name_old_spelling", p.old_ok[idx])
    if mask.any():
        cache = {v: st.old_spelling(v) for v in set(name[mask].tolist())}
        name[mask] = [cache[v] for v in name[mask].tolist()]
    changed |= mask
    mask = draw("name_muhammad", p.has_m[idx])
    st.apply_rows(name, mask, st.muhammad_variant, rng.integers(0, 8, size=n))
    changed |= mask
    mask = draw("name_initial", ntok >= 2)
    st.apply_rows(name, mask, st.initial_token, rng.random(n))
    changed |= mask
    dropped = draw("name_dropped", (ntok >= 2) & ~mask)
    st.apply_rows(name, dropped, st.drop_tokens, rng.random(n) < 0.4)
    changed |= dropped
    female = p.female[idx]
    mask = draw("name_patronym")
    if mask.any():
        word = np.where(female, np.where(rng.random(n) < 0.15, " bt ", " binti "), " bin ")
        name[mask] = st.to_obj(st.cat(name[mask], word[mask], p.father[idx][mask]))
    changed |= mask
    mask = draw("name_title")
    if mask.any():
        haji = ~np.isin(p.tradition[idx], ["balinese", "batak"]) & (rng.random(n) < 0.6)
        pre = np.where(female, "Hj. ", "H. ")
        suf = np.asarray([", S.Pd", ", S.E.", ", A.Md.", ", S.Pd.I"], dtype=object)[
            rng.integers(0, 4, size=n)
        ]
        a, b = mask & haji, mask & ~haji
        name[a] = st.to_obj(st.cat(pre[a], name[a]))
        name[b] = st.to_obj(st.cat(name[b], suf[b]))
    changed |= mask
    mask = draw("name_typo")
    st.apply_rows(
        name, mask, st.typo, rng.random(n), rng.integers(0, 4, size=n), rng.integers(0, 99, size=n)
    )
    changed |= mask
    short_ok = flag_values(name, st.has_short_token) & ~changed
    mask = draw("name_letter_swap", short_ok)
    st.apply_rows(name, mask, st.short_token_swap, rng.random(n))
    changed |= mask
    combo = two_errors(rng, p, idx, rates, log, ~changed)
    st.apply_rows(
        name,
        combo["two_typo_year"],
        st.typo,
        rng.random(n),
        rng.integers(0, 4, size=n),
        rng.integers(0, 99, size=n),
    )
    title_old = combo["two_title_old_year"]
    if title_old.any():
        name[title_old] = [
            ("Hj. " if f else "H. ") + st.old_spelling(v)
            for v, f in zip(name[title_old].tolist(), female[title_old].tolist())
        ]
    st.apply_rows(name, combo["two_initial_swap"], st.initial_token, rng.random(n))
    for mask in combo.values():
        changed |= mask
    upper = every if upper_style else draw("name_upper")
    same = upper & ~changed
    name[same] = p.name_upper[idx][same]
    redo = upper & changed
    name[redo] = st.to_obj(np.strings.upper(name[redo].astype(st.S)))

    # NIK (mutually exclusive errors)
    nik = p.nik[idx]
    kinds_list = ("nik_missing", "nik_typo", "nik_transposed", "nik_kk", "nik_excel")
    edges = np.cumsum([rates.get(e, 0.0) for e in kinds_list])
    kinds = np.searchsorted(edges, rng.random(n), side="right")  # 0..4 an error, 5 none
    for k, error in enumerate(kinds_list):
        log.add(error, kinds == k, n)
    st.apply_rows(
        nik, kinds == 1, st.nik_typo, rng.integers(0, 16, size=n), rng.integers(1, 10, size=n)
    )
    st.apply_rows(nik, kinds == 2, st.nik_transpose, rng.random(n))
    nik[kinds == 3] = p.kk[idx][kinds == 3]
    st.apply_rows(nik, kinds == 4, st.nik_excel, rng.random(n) < 0.5)
    nik[kinds == 0] = None

    # birth date (day/month swap where the swapped date exists and differs)
    dob = p.dob[idx]
    y, m, d = ymd(dob)
    swap = draw("date_swap", (d <= 12) & (d != m)) | combo["two_initial_swap"]
    slip = combo["two_typo_year"] | combo["two_title_old_year"]
    if slip.any():
        rows = np.flatnonzero(slip)
        y = y.copy()
        y[rows] += np.where(rng.random(len(rows)) < 0.5, -1, 1)
        d = np.where(slip & (m == 2) & (d == 29), 28, d)
        moved = pd.to_datetime(
            pd.DataFrame({"year": y[rows], "month": m[rows], "day": d[rows]})
        ).to_numpy()
        dob = dob.copy()
        dob[rows] = (moved.astype("datetime64[D]") - EPOCH).astype(np.int64)
    if swap.any():
        rows = np.flatnonzero(swap)
        swapped = pd.to_datetime(
            pd.DataFrame({"year": y[rows], "month": d[rows], "day": m[rows]})
        ).to_numpy()
        dob = dob.copy()
        dob[rows] = (swapped.astype("datetime64[D]") - EPOCH).astype(np.int64)
    dates = format_dates(rng, dob, style.date_format)
    dates[draw("birth_date_missing")] = None
    place = (p.birth_place_upper if upper_style or style.ttl_combined else p.birth_place)[idx]
    place[draw("birth_place_missing")] = None
    if style.ttl_combined:
        has_p = place != None  # noqa: E711
        has_d = dates != None  # noqa: E711
        ttl = dates.copy()
        both = has_p & has_d
        ttl[both] = st.to_obj(st.cat(place[both], ", ", dates[both]))
        ttl[has_p & ~has_d] = place[has_p & ~has_d]
        place, dates = ttl, ttl.copy()

    sex = np.where(female, style.sex_codes[1], style.sex_codes[0]).astype(object)
    sex[draw("sex_missing")] = None

    abroad_ok = p.phone_abroad[idx] != None  # noqa: E711
    use_abroad = draw("phone_foreign", abroad_ok)
    phone = format_phones(
        rng, p.phone_nsn[idx], p.phone_abroad[idx], use_abroad, style.phone_formats
    )
    phone[draw("phone_missing")] = None

    abbrev = draw("address_abbrev")
    variant = np.where(abbrev, rng.integers(1, 4, size=n), 4 if upper_style else 0)
    if upper_style:
        variant[abbrev & (variant != 3)] = 3
    address = p.address[variant, p.hh[idx]]
    address[draw("address_missing")] = None

    regions = region_names(rng, p.village[idx], style.region_style)
    mask = draw("region_typo")
    which = rng.integers(0, 3, size=n)
    for k, col in enumerate(("village", "district", "regency")):
        st.apply_rows(
            regions[col],
            mask & (which == k),
            st.typo,
            rng.random(n),
            rng.integers(0, 4, size=n),
            rng.integers(0, 99, size=n),
        )
    mask = draw("region_missing")
    regions["village"][mask] = None
    regions["district"][mask] = None

    if style.has_mother:
        mother = (p.mother_upper if upper_style else p.mother)[idx]
        mother[draw("mother_missing")] = None
    else:
        mother = np.full(n, None, dtype=object)

    return {
        "nik": nik,
        "full_name": name,
        "sex": sex,
        "birth_date": dates,
        "birth_place": place,
        "phone": phone,
        "passport_no": passport if passport is not None else np.full(n, None, dtype=object),
        "address": address,
        **regions,
        "mother_name": mother,
    }
