"""The synthetic multi-ministry data generator (see :func:`generate`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.schemas import CANONICAL_COLUMNS
from migrant_records.synth import _strings as st
from migrant_records.synth._tables import (
    ANNUAL_PLACEMENTS,
    BALINESE_ORDER,
    CONTRACT_MONTHS,
    COUNTRY_NAMES,
    DESTINATION_SHARES,
    HOME_REGENCIES,
    NAMES,
    OCCUPATION_SHARES,
    OCCUPATIONS,
    PHONE_PREFIXES,
    TRADITION_MIX,
)
from migrant_records.synth.profiles import ERROR_PROFILES, SOURCE_STYLES, SOURCES

__all__ = ["SyntheticData", "generate", "write_dataset"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

_EPOCH = np.datetime64("1970-01-01", "D")
_Y = 365.25
_NA_DAY = -(10**9)
"""Day number standing for a missing date."""


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class SyntheticData:
    """Synthetic ministry datasets with their ground truth.

    Attributes:
        sources: One frame per source dataset (canonical worker columns as raw strings, then
            the source's programme fields), keyed by source name.
        truth: ``source, record_id, person_id``: which person each record belongs to.
        people: The clean person table with true values (one row per person).
        programmes: ``program_id, name, program_type, ministry, location, regency_code, year``.
        participations: ``participation_id, source, record_id, program_id, program_type,
            ministry, start_date, end_date, status``.
        placements: ``placement_id, source, record_id, destination_country, occupation,
            sector, employer, departure_date, return_date, status``.
        errors: Error log, one row per error applied: ``source, record_id, error``.
        error_summary: Per source and error: ``eligible`` records, ``applied`` count,
            ``expected_rate`` (the profile) and ``observed_rate``.
        seed: The seed used (``None`` for loaded data).

    Example:
        >>> data = generate(people=200, seed=1)
        >>> sorted(data.sources)[:2]
        ['bps_survey', 'kemendes_dme']
        >>> len(data.truth) == len(data.records())
        True
    """

    sources: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    people: pd.DataFrame
    programmes: pd.DataFrame
    participations: pd.DataFrame
    placements: pd.DataFrame
    errors: pd.DataFrame = field(default_factory=lambda: _empty(("source", "record_id", "error")))
    error_summary: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ("source", "error", "eligible", "applied", "expected_rate", "observed_rate")
        )
    )
    seed: int | None = None

    def records(self) -> pd.DataFrame:
        """All sources concatenated, canonical columns first, then every extra column.

        Returns:
            One frame with a fresh ``RangeIndex``; extra columns a source lacks are missing.
        """
        frames = [f for f in self.sources.values() if len(f)]
        if not frames:
            return _empty(CANONICAL_COLUMNS)
        out = pd.concat(frames, ignore_index=True, sort=False)
        extra = [c for c in out.columns if c not in CANONICAL_COLUMNS]
        return out[[*CANONICAL_COLUMNS, *extra]]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.sources.items())
        return f"SyntheticData(people={len(self.people)}, records: {counts})"


# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class _Regions:
    village_code: ObjArray
    village_name: ObjArray
    district_code: ObjArray
    district_name: ObjArray
    regency_code: ObjArray
    regency_name: ObjArray
    province_code: ObjArray
    province_name: ObjArray
    regency_weight: npt.NDArray[np.float64]
    nik_prefix: IntArray


@lru_cache(maxsize=1)
def _regions() -> _Regions:
    from migrant_records.data import load_wilayah

    w = load_wilayah()
    names = w.set_index("code")["name"]
    regs = w[w["level"] == 2]
    wanted = {f"Kabupaten {n}": wt for n, wt in HOME_REGENCIES.items()}
    regs = regs[regs["name"].isin(list(wanted))]
    missing = set(wanted) - set(regs["name"])
    if missing:  # pragma: no cover - guards the shipped reference data
        raise ConfigError(f"home regencies not found in the region list: {sorted(missing)}")
    reg_codes = set(regs["code"])
    vil = w[w["level"] == 4].copy()
    vil["regency_code"] = vil["code"].str[:5]
    vil = vil[vil["regency_code"].isin(reg_codes)].sort_values("code", kind="stable")
    vil["district_code"] = vil["code"].str[:8]
    vil["province_code"] = vil["code"].str[:2]
    weight = vil["regency_code"].map(regs.set_index("code")["name"].map(wanted))
    per_reg = vil.groupby("regency_code")["code"].transform("size")
    return _Regions(
        village_code=vil["code"].to_numpy(object),
        village_name=vil["name"].to_numpy(object),
        district_code=vil["district_code"].to_numpy(object),
        district_name=vil["district_code"].map(names).to_numpy(object),
        regency_code=vil["regency_code"].to_numpy(object),
        regency_name=vil["regency_code"].map(names).to_numpy(object),
        province_code=vil["province_code"].to_numpy(object),
        province_name=vil["province_code"].map(names).to_numpy(object),
        regency_weight=(weight / per_reg).to_numpy(np.float64),
        nik_prefix=vil["district_code"]  # type: ignore[arg-type]
        .str.replace(".", "", regex=False)
        .astype(np.int64)
        .to_numpy(),
    )


# --------------------------------------------------------------------------- helpers


def _days(date: str) -> int:
    try:
        return int((np.datetime64(pd.Timestamp(date).date(), "D") - _EPOCH).astype(np.int64))
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"reference_date {date!r} is not a date; give an ISO date such as '2026-01-01'"
        ) from exc


def _ymd(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    d = _EPOCH + days.astype("timedelta64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def _iso(days: IntArray) -> ObjArray:
    """ISO dates for day numbers; negative sentinel (< -10**6) gives None."""
    out = np.full(days.shape, None, dtype=object)
    ok = days > -(10**6)
    if ok.any():
        u, inv = np.unique(days[ok], return_inverse=True)
        text = np.datetime_as_string(_EPOCH + u.astype("timedelta64[D]"), unit="D").astype(object)
        out[ok] = text[inv]
    return out


_MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_MONTHS_ID_ABBR = (
    "Jan", "Peb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sep", "Okt", "Nop", "Des",
)  # fmt: skip


def _date_strings(days: IntArray, fmt: str, variant: int = 0) -> ObjArray:
    """Format day numbers (all valid) in one of the source date formats."""
    y, m, d = _ymd(days)
    dd = st.digits(d, 2)
    mm = st.digits(m, 2)
    yy = y.astype(st.S)
    if fmt == "iso":
        out = st.cat(yy, "-", mm, "-", dd)
    elif fmt == "iso_time":
        out = st.cat(yy, "-", mm, "-", dd, " 00:00:00")
    elif fmt == "dmy_dash":
        out = st.cat(dd, "-", mm, "-", yy)
    elif fmt == "dmy_slash":
        out = st.cat(dd, "/", mm, "/", yy)
    elif fmt == "excel":
        out = (days + 25569).astype(st.S)  # days since 1899-12-30
    elif fmt == "indonesian":
        months = list(_MONTHS_ID_ABBR if variant == 2 else _MONTHS_ID)
        if variant == 1:
            months[1], months[10] = "Pebruari", "Nopember"
        mon = np.asarray(months, dtype=object)[m - 1]
        out = st.cat(d.astype(st.S), " ", mon, " ", yy)
    else:
        raise ConfigError(f"unknown date format {fmt!r}")
    return st.to_obj(out)


def _dates(rng: np.random.Generator, days: IntArray, fmt: str) -> ObjArray:
    """Format day numbers in a source format (``_NA_DAY`` gives None), via unique days."""
    out = np.full(len(days), None, dtype=object)
    ok = days != _NA_DAY
    if not ok.any():
        return out
    u, inv = np.unique(days[ok], return_inverse=True)
    if fmt == "indonesian":
        tables = np.stack([_date_strings(u, fmt, v) for v in range(3)])
        r = rng.random(len(inv))
        variant = np.where(r < 0.3, 1, np.where(r > 0.8, 2, 0))
        out[ok] = tables[variant, inv]
    else:
        out[ok] = _date_strings(u, fmt)[inv]
    return out


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> ObjArray:
    keys = np.asarray(list(weights), dtype=object)
    p = np.asarray(list(weights.values()), dtype=np.float64)
    out: ObjArray = keys[rng.choice(len(keys), size=n, p=p / p.sum())]
    return out


def _unique_serials(rng: np.random.Generator, prefix: IntArray, low: int = 1) -> IntArray:
    """Serial numbers 1..9999 that make ``prefix * 10**4 + serial`` unique."""
    _, inv = np.unique(prefix, return_inverse=True)
    base = rng.integers(low, 4000, size=int(inv.max()) + 1 if len(inv) else 0)
    rank = pd.Series(inv).groupby(inv).cumcount().to_numpy(np.int64)
    return np.minimum(base[inv] + rank, 9999)


def _pick_by_group(
    rng: np.random.Generator, groups: ObjArray, tables: dict[str, dict[str, float]]
) -> ObjArray:
    out = np.empty(len(groups), dtype=object)
    for g in sorted(set(groups.tolist())):
        rows = np.flatnonzero(groups == g)
        out[rows] = _choice(rng, tables.get(g, tables.get("*", {})), len(rows))
    return out


# --------------------------------------------------------------------------- names

_MONO_P = {"javanese": 0.45, "sundanese": 0.35, "muslim": 0.12, "sasak": 0.35}


def _given_names(
    rng: np.random.Generator,
    tradition: ObjArray,
    female: BoolArray,
    order: IntArray,
    marga: ObjArray,
) -> ObjArray:
    n = len(tradition)
    out = np.empty(n, dtype=object)
    for trad in sorted(set(tradition.tolist())):
        for is_f in (False, True):
            rows = np.flatnonzero((tradition == trad) & (female == is_f))
            k = len(rows)
            if k == 0:
                continue
            key = "F" if is_f else "M"
            table = NAMES[trad]
            if trad in _MONO_P:
                first = st.pick(rng, table[f"{key}_first"], k)
                last = st.pick(rng, table[f"{key}_last"], k)
                last2 = st.pick(rng, table[f"{key}_last"], k, s=0.7)
                mono = st.pick(rng, table[f"{key}_mono"], k)
                names = st.to_obj(st.cat(first, " ", last))
                u = rng.random(k)
                three = (u > 0.92) & (last2 != last)
                names[three] = st.to_obj(st.cat(first[three], " ", last[three], " ", last2[three]))
                is_mono = u < _MONO_P[trad]
                names[is_mono] = mono[is_mono]
            elif trad == "balinese":
                given = st.pick(rng, table[f"{key}_given"], k, s=0.7)
                o = (order[rows] - 1) % len(BALINESE_ORDER)
                alt = rng.integers(0, 3, size=k)
                ord_name = np.array(
                    [BALINESE_ORDER[a][b % len(BALINESE_ORDER[a])] for a, b in zip(o, alt)],
                    dtype=object,
                )
                if is_f:
                    luh = np.where(rng.random(k) < 0.4, "Ni Luh ", "Ni ")
                    names = st.to_obj(st.cat(luh, ord_name, " ", given))
                else:
                    names = st.to_obj(st.cat("I ", ord_name, " ", given))
            else:  # batak
                given = st.pick(rng, table[f"{key}_given"], k, s=0.8)
                br = np.where(rng.random(k) < 0.3, " Br ", " ") if is_f else " "
                names = st.to_obj(st.cat(given, br, marga[rows]))
            out[rows] = names
    return out


# --------------------------------------------------------------------------- people


@dataclass
class _People:
    n: int
    person_id: ObjArray
    hh: IntArray
    first_of_hh: BoolArray
    village: IntArray
    tradition: ObjArray
    female: BoolArray
    dob: IntArray
    twin: BoolArray
    name: ObjArray
    mother: ObjArray
    father: ObjArray
    nik: ObjArray
    kk: ObjArray
    phone_nsn: ObjArray
    phone_abroad: ObjArray
    birth_place: ObjArray
    address: ObjArray  # (5, n_households), see _address_variants
    migrant: BoolArray
    name_upper: ObjArray
    mother_upper: ObjArray
    birth_place_upper: ObjArray
    ntok: IntArray
    old_ok: BoolArray
    has_m: BoolArray


_STREETS = (
    "Krajan", "Kulon", "Wetan", "Lor", "Kidul", "Sukamaju", "Karanganyar", "Sidomulyo",
    "Mekarsari", "Mawar", "Melati", "Kenanga", "Pahlawan", "Sudirman", "Diponegoro", "Raya",
    "Masjid", "Pasar", "Cempaka", "Tanjung", "Sumberrejo", "Mangga", "Kauman", "Pesantren",
)  # fmt: skip
_CITIES = ("Jakarta", "Surabaya", "Bandung", "Semarang", "Medan", "Mataram", "Batam")
_FOREIGN = {
    "HK": ("+852", ("5", "6", "9"), 7),
    "TW": ("+886", ("9",), 8),
    "MY": ("+60", ("11", "12", "13", "16", "17", "19"), 7),
    "SG": ("+65", ("8", "9"), 7),
    "MO": ("+853", ("6",), 7),
}


def _upper(values: ObjArray) -> ObjArray:
    return st.to_obj(np.strings.upper(values.astype(st.S)))


def _flag(values: ObjArray, func: Callable[[str], bool]) -> BoolArray:
    """``func`` of each value, computed once per unique value."""
    uniq, inv = np.unique(values.astype(st.S), return_inverse=True)
    return np.array([func(str(v)) for v in uniq.tolist()], dtype=bool)[inv]


def _rand_digits(rng: np.random.Generator, n: int, width: int) -> npt.NDArray[np.str_]:
    return st.digits(rng.integers(0, 10**width, size=n, dtype=np.int64), width)


def _people(
    rng: np.random.Generator, n: int, ref: int
) -> tuple[_People, IntArray, ObjArray, ObjArray]:
    """Draw the person table; returns people, first departure day, destination, occupation."""
    reg = _regions()
    # households: 12% of people are a younger sibling of the previous person
    sib = rng.random(n) < 0.12
    sib[0] = False
    hh = np.cumsum(~sib) - 1
    n_hh = int(hh[-1]) + 1
    first_idx = np.flatnonzero(~sib)
    twin = sib & (rng.random(n) < 0.15)
    member = np.arange(n) - first_idx[hh]

    # household attributes (villages concentrate migrants: lognormal village weights)
    vw = reg.regency_weight * rng.lognormal(0.0, 1.0, size=len(reg.regency_weight))
    village_h = rng.choice(len(vw), size=n_hh, p=vw / vw.sum())
    prov_h = reg.province_code[village_h]
    tradition_h = _pick_by_group(rng, prov_h, TRADITION_MIX)
    marga_h = st.pick(rng, NAMES["batak"]["marga"], n_hh, s=0.6)
    mother_marga = st.pick(rng, NAMES["batak"]["marga"], n_hh, s=0.6)
    order_h = rng.choice(4, size=n_hh, p=[0.35, 0.3, 0.2, 0.15]) + 1
    ones = np.ones(n_hh, dtype=np.int64)
    mother_h = _given_names(rng, tradition_h, np.ones(n_hh, bool), ones * 2, mother_marga)
    father_h = _given_names(rng, tradition_h, np.zeros(n_hh, bool), ones, marga_h)
    kk_prefix = reg.nik_prefix[village_h]
    issue = rng.integers(_days("2005-01-01"), _days("2024-12-31"), size=n_hh)
    iy, im, idd = _ymd(issue)
    kk_key = kk_prefix * 10**6 + idd * 10**4 + im * 100 + iy % 100
    kk_h = (kk_key * 10**4 + _unique_serials(rng, kk_key)).astype(str).astype(object)
    addr_kind_h = rng.choice(4, size=n_hh, p=[0.3, 0.45, 0.12, 0.13])
    addr_street_h = st.pick(rng, _STREETS, n_hh, s=0.6)
    addr_no_h = rng.integers(1, 150, size=n_hh)
    addr_rt_h = rng.integers(1, 16, size=n_hh)
    addr_rw_h = rng.integers(1, 11, size=n_hh)

    # dates: first departure for migrants, birth date from age at departure
    ref_year = int(_ymd(np.array([ref]))[0][0])
    years = {y: c for y, c in ANNUAL_PLACEMENTS.items() if y <= ref_year}
    yarr = np.asarray(list(years), dtype=np.int64)
    ywt = np.asarray(list(years.values()), dtype=np.float64)
    dep_year = yarr[rng.choice(len(yarr), size=n, p=ywt / ywt.sum())]
    year_start = (dep_year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    dep = np.minimum(year_start + rng.integers(0, 365, size=n), ref - 30)
    age = 18.0 + 27.0 * rng.beta(2.0, 3.2, size=n)
    migrant = rng.random(n) < 0.85
    dob = np.where(
        migrant,
        dep - (age * _Y).astype(np.int64),
        ref - ((18.0 + 42.0 * rng.beta(2.0, 2.5, size=n)) * _Y).astype(np.int64),
    )
    # younger siblings: 1.5-8 years later; twins the same day
    gap = np.where(twin, 0, rng.integers(540, 2900, size=n))
    gap[~sib] = 0
    c = np.cumsum(gap)
    dob = dob[first_idx[hh]] + c - c[first_idx[hh]]
    lo = np.maximum(dob + int(18 * _Y), _days("2015-01-01"))
    hi = np.minimum(dob + int(45 * _Y), ref - 30)
    redo = sib & migrant
    ok = lo < hi
    dep = np.where(redo, lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64), dep)
    migrant = migrant & ~(redo & ~ok)
    # non-migrant siblings must be adults at the reference date
    too_young = dob > ref - int(17 * _Y)
    dob = np.where(too_young, ref - int(17 * _Y) - rng.integers(0, 3000, size=n), dob)
    dob[twin] = dob[np.flatnonzero(twin) - 1]  # keep twins on one day
    migrant = migrant & ~((dob + int(18 * _Y)) > dep)

    dest = _choice(rng, DESTINATION_SHARES, n)
    occ = _pick_by_group(rng, dest, OCCUPATION_SHARES)
    f_share = np.array([OCCUPATIONS[o][2] for o in occ.tolist()])
    f_share = np.where(migrant, f_share, 0.65)
    female = rng.random(n) < f_share

    order = order_h[hh] + member
    name = _given_names(rng, tradition_h[hh], female, order, marga_h[hh])
    for _ in range(4):  # siblings get a name different from the previous sibling
        same = sib & (name == np.roll(name, 1))
        if not same.any():
            break
        rows = np.flatnonzero(same)
        name[rows] = _given_names(
            rng, tradition_h[hh][rows], female[rows], order[rows] + 1, marga_h[hh][rows]
        )

    clash = name == mother_h[hh]
    if clash.any():
        rows = np.flatnonzero(clash)
        name[rows] = _given_names(
            rng, tradition_h[hh][rows], female[rows], order[rows] + 1, marga_h[hh][rows]
        )

    # NIK: district code of the household, DDMMYY (+40 for women), unique serial
    y, m, d = _ymd(dob)
    key = kk_prefix[hh] * 10**6 + (d + 40 * female) * 10**4 + m * 100 + y % 100
    nik = (key * 10**4 + _unique_serials(rng, key)).astype(str).astype(object)

    prefixes = _choice(rng, PHONE_PREFIXES, n)
    width = np.where(rng.random(n) < 0.6, 8, 7)
    tail = np.where(
        width == 8,
        _rand_digits(rng, n, 8).astype(object),
        _rand_digits(rng, n, 7).astype(object),
    )
    phone_nsn = st.to_obj(st.cat(prefixes, tail))
    phone_abroad = np.full(n, None, dtype=object)
    has_abroad = migrant & (rng.random(n) < 0.7)
    for cc in sorted(_FOREIGN):
        cc_prefix, leads, w = _FOREIGN[cc]
        rows = np.flatnonzero(has_abroad & (dest == cc))
        if len(rows):
            lead = np.asarray(leads, dtype=object)[rng.integers(0, len(leads), size=len(rows))]
            phone_abroad[rows] = st.to_obj(st.cat(cc_prefix, lead, _rand_digits(rng, len(rows), w)))

    village = village_h[hh]
    short_reg = np.array(
        [r.replace("Kabupaten ", "") for r in reg.regency_name[village].tolist()], dtype=object
    )
    u = rng.random(n)
    birth_place = short_reg.copy()
    bp_d = u > 0.9
    birth_place[bp_d] = reg.district_name[village][bp_d]
    bp_c = u > 0.96
    birth_place[bp_c] = st.pick(rng, _CITIES, int(bp_c.sum()))

    pid = st.to_obj(st.cat("P", st.digits(np.arange(1, n + 1, dtype=np.int64), 7)))
    people = _People(
        n=n,
        person_id=pid,
        hh=hh,
        first_of_hh=~sib,
        village=village,
        tradition=tradition_h[hh],
        female=female,
        dob=dob,
        twin=twin | np.roll(twin, -1),
        name=name,
        mother=mother_h[hh],
        father=father_h[hh],
        nik=nik,
        kk=kk_h[hh],
        phone_nsn=phone_nsn,
        phone_abroad=phone_abroad,
        birth_place=birth_place,
        address=_address_variants(addr_kind_h, addr_street_h, addr_no_h, addr_rt_h, addr_rw_h),
        migrant=migrant,
        name_upper=_upper(name),
        mother_upper=_upper(mother_h[hh]),
        birth_place_upper=_upper(birth_place),
        ntok=np.strings.count(name.astype(st.S), " ").astype(np.int64) + 1,
        old_ok=_flag(name, st.has_old_letters),
        has_m=_flag(name, lambda v: "Muhammad" in v.split(" ")),
    )
    return people, dep, dest, occ


# --------------------------------------------------------------------------- placements

_HK_SURNAMES = ("CHAN", "WONG", "LEUNG", "LAU", "CHEUNG", "LEE", "HO", "NG", "TANG", "YEUNG")
_TW_SURNAMES = ("CHEN", "LIN", "HUANG", "CHANG", "LI", "WANG", "WU", "LIU", "TSAI", "YANG")
_GIVEN_EAST = ("KA WAI", "SIU MING", "WAI MAN", "MEI LING", "CHI KEUNG", "SHU FEN", "CHUN HUNG")
_COMPANY = (
    "SINAR", "GOLDEN", "PACIFIC", "MEGA", "HARMONI", "CAHAYA", "ORIENT", "NUSA", "BINTANG",
    "SAMUDRA", "EVERGROW", "GRAND",
)  # fmt: skip
_COMPANY_KIND = {
    "MY": " SDN BHD",
    "JP": " KABUSHIKI KAISHA",
    "KR": " CO., LTD.",
    "TW": " CO., LTD.",
    "SG": " PTE LTD",
    "*": " LLC",
}


@dataclass
class _Placements:
    person: IntArray
    seq: IntArray
    dest: ObjArray
    occ: ObjArray
    dep: IntArray
    ret: IntArray  # -10**9 when still abroad
    passport: ObjArray
    employer: ObjArray


def _fix_occ_sex(occ: ObjArray, female: BoolArray) -> ObjArray:
    share = np.array([OCCUPATIONS[o][2] for o in occ.tolist()])
    occ = occ.copy()
    occ[female & (share < 0.1)] = "factory operator"
    occ[~female & (share > 0.9)] = "factory operator"
    return occ


def _placements(
    rng: np.random.Generator,
    p: _People,
    dep1: IntArray,
    dest1: ObjArray,
    occ1: ObjArray,
    ref: int,
) -> _Placements:
    persons: list[IntArray] = []
    seqs: list[IntArray] = []
    dests: list[ObjArray] = []
    occs: list[ObjArray] = []
    deps: list[IntArray] = []
    rets: list[IntArray] = []
    passports: list[ObjArray] = []
    cur = np.flatnonzero(p.migrant)
    dep = dep1[cur]
    dest = dest1[cur]
    occ = occ1[cur]
    letters = np.asarray(["C", "B", "X", "E", "A"], dtype=object)
    passport = st.to_obj(
        st.cat(letters[rng.integers(0, 5, size=len(cur))], _rand_digits(rng, len(cur), 7))
    )
    for seq in (1, 2, 3):
        months = np.array([CONTRACT_MONTHS.get(c, 24) for c in dest.tolist()], dtype=np.float64)
        dur = months * 30.44 + rng.normal(0, 45, size=len(cur))
        early = rng.random(len(cur)) < 0.12
        dur[early] *= rng.uniform(0.15, 0.9, size=int(early.sum()))
        ret = dep + np.maximum(dur, 30).astype(np.int64)
        ret = np.where(ret > ref, _NA_DAY, ret)
        persons.append(cur)
        seqs.append(np.full(len(cur), seq, dtype=np.int64))
        dests.append(dest)
        occs.append(occ)
        deps.append(dep)
        rets.append(ret)
        passports.append(passport)
        again = (ret != _NA_DAY) & (rng.random(len(cur)) < (0.22 if seq == 1 else 0.15))
        nxt = ret + rng.integers(60, 600, size=len(cur))
        again &= nxt <= ref - 30
        again &= (nxt - p.dob[cur]) < int(45 * _Y)
        if not again.any():
            break
        keep = np.flatnonzero(again)
        cur, dep = cur[keep], nxt[keep]
        same = rng.random(len(cur)) < 0.65
        new_dest = _choice(rng, DESTINATION_SHARES, len(cur))
        new_occ = _fix_occ_sex(_pick_by_group(rng, new_dest, OCCUPATION_SHARES), p.female[cur])
        dest = np.where(same, dest[keep], new_dest)
        occ = np.where(same & (rng.random(len(cur)) < 0.85), occ[keep], new_occ)
        renew = rng.random(len(cur)) < 0.5
        fresh = st.to_obj(
            st.cat(letters[rng.integers(0, 5, size=len(cur))], _rand_digits(rng, len(cur), 7))
        )
        passport = np.where(renew, fresh, passport[keep])
    out_dest = np.concatenate(dests)
    out_occ = np.concatenate(occs)
    k = len(out_dest)
    employer = np.empty(k, dtype=object)
    informal = np.isin(out_occ, ["domestic worker", "caregiver"])
    east = informal & np.isin(out_dest, ["HK", "TW", "MO", "SG"])
    sur = np.where(
        out_dest == "TW", st.pick(rng, _TW_SURNAMES, k, 0.5), st.pick(rng, _HK_SURNAMES, k, 0.5)
    )
    employer[east] = st.to_obj(st.cat(sur[east], " ", st.pick(rng, _GIVEN_EAST, k)[east]))
    rest = ~east
    kind = np.array([_COMPANY_KIND.get(c, _COMPANY_KIND["*"]) for c in out_dest.tolist()])
    company = st.to_obj(st.cat(st.pick(rng, _COMPANY, k, 0.3), " ", _rand_digits(rng, k, 2), kind))
    house = st.to_obj(st.cat("HOUSEHOLD ", _rand_digits(rng, k, 4)))
    employer[rest] = np.where(informal[rest], house[rest], company[rest])
    return _Placements(
        person=np.concatenate(persons),
        seq=np.concatenate(seqs),
        dest=out_dest,
        occ=out_occ,
        dep=np.concatenate(deps),
        ret=np.concatenate(rets),
        passport=np.concatenate(passports),
        employer=employer,
    )


# --------------------------------------------------------------------------- rendering


@dataclass
class _ErrorLog:
    rows: dict[str, list[IntArray]] = field(default_factory=dict)
    eligible: dict[str, int] = field(default_factory=dict)

    def add(self, error: str, mask: BoolArray, eligible: BoolArray | int) -> None:
        self.rows.setdefault(error, []).append(np.flatnonzero(mask))
        count = int(eligible) if isinstance(eligible, int) else int(np.count_nonzero(eligible))
        self.eligible[error] = self.eligible.get(error, 0) + count


def _draw(
    rng: np.random.Generator, rate: float, eligible: BoolArray, log: _ErrorLog, error: str
) -> BoolArray:
    mask = eligible & (rng.random(len(eligible)) < rate)
    log.add(error, mask, eligible)
    return mask


_KIND_WORDS = (
    ("Jalan", "Dusun", "Blok", "Kampung"),
    ("Jl.", "Dsn.", "Blok", "Kp."),
    ("Jln.", "Dsn", "Blk.", "Kp"),
    ("JL", "DUSUN", "BLOK", "KP"),
)


def _address_variants(
    kind: IntArray, street: ObjArray, no: IntArray, rt: IntArray, rw: IntArray
) -> ObjArray:
    """Address of each household written five ways: full, three abbreviated, upper.

    Returns:
        A ``(5, n)`` object array: row 0 the full form (``Jalan Mawar No. 12 RT 003 RW 005``),
        rows 1-3 abbreviated forms, row 4 the full form in upper case.
    """
    n = len(kind)
    is_jl = kind == 0
    nos = no.astype(st.S)
    no_txt = (
        st.cat(" No. ", nos),
        st.cat(" No.", nos),
        st.cat(" ", nos),
        st.cat(" NO ", nos),
    )
    rt3, rw3 = st.digits(rt, 3), st.digits(rw, 3)
    rtrw = (
        st.cat(" RT ", rt3, " RW ", rw3),
        st.cat(" RT ", st.digits(rt, 2), "/RW ", st.digits(rw, 2)),
        st.cat(" Rt.", rt.astype(st.S), " Rw.", rw.astype(st.S)),
        st.cat(" RT ", rt3, "/", rw3),
    )
    out = np.empty((5, n), dtype=object)
    for s in range(4):
        kw = np.asarray(_KIND_WORDS[s], dtype=object)[kind]
        text = st.cat(kw, " ", street, np.where(is_jl, no_txt[s], ""), rtrw[s])
        if s == 3:
            text = np.strings.upper(text)
        out[s] = st.to_obj(text)
        if s == 0:
            out[4] = st.to_obj(np.strings.upper(text))
    return out


def _phones(
    rng: np.random.Generator,
    nsn: ObjArray,
    abroad: ObjArray,
    use_abroad: BoolArray,
    style: dict[str, float],
) -> ObjArray:
    n = len(nsn)
    fmt = _choice(rng, style, n)
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


@lru_cache(maxsize=8)
def _region_table(style: str) -> tuple[ObjArray, ObjArray, ObjArray, ObjArray]:
    """Village-level region names in one style: village, district, province and a
    ``(k, n_villages)`` array of regency spellings (one row per variant)."""
    reg = _regions()
    village = reg.village_name.astype(st.S)
    district = reg.district_name.astype(st.S)
    regency = reg.regency_name.astype(st.S)
    province = reg.province_name.astype(st.S)
    short = np.strings.replace(regency, "Kabupaten ", "")
    if style == "upper":
        village, district, province = (np.strings.upper(x) for x in (village, district, province))
        variants = [np.strings.upper(regency), np.strings.upper(st.cat("Kab. ", short))]
    elif style == "kab":
        variants = [st.cat("Kab. ", short), st.cat("Kab ", short)]
    elif style == "plain":
        variants = [short]
    else:
        variants = [regency, st.cat("Kab. ", short), np.strings.upper(short), short]
    return (
        st.to_obj(village),
        st.to_obj(district),
        st.to_obj(province),
        np.stack([st.to_obj(v) for v in variants]),
    )


_REGENCY_P = {"upper": (0.6, 0.4), "kab": (0.7, 0.3)}


def _region_names(rng: np.random.Generator, idx: IntArray, style: str) -> dict[str, ObjArray]:
    village, district, province, regency = _region_table(style)
    k = regency.shape[0]
    p = np.asarray(_REGENCY_P.get(style, (1.0 / k,) * k))
    variant = rng.choice(k, size=len(idx), p=p / p.sum())
    return {
        "village": village[idx],
        "district": district[idx],
        "regency": regency[variant, idx],
        "province": province[idx],
    }


_TWO_ERRORS = ("two_typo_year", "two_title_old_year", "two_initial_swap")


def _two_errors(
    rng: np.random.Generator,
    p: _People,
    idx: IntArray,
    rates: dict[str, float],
    log: _ErrorLog,
    clean: BoolArray,
) -> dict[str, BoolArray]:
    """Records that get two errors at once (the combinations exclude each other).

    Only records whose name no single error touched are eligible, so that a combination is
    exactly two (or three) errors.
    """
    n = len(idx)
    _, m, d = _ymd(p.dob[idx])
    eligible = {
        "two_typo_year": clean,
        "two_title_old_year": clean & p.old_ok[idx],
        "two_initial_swap": clean & (p.ntok[idx] >= 2) & (d <= 12) & (d != m),
    }
    edges = np.cumsum([rates.get(e, 0.0) for e in _TWO_ERRORS])
    kind = np.searchsorted(edges, rng.random(n), side="right")
    out: dict[str, BoolArray] = {}
    for k, error in enumerate(_TWO_ERRORS):
        out[error] = (kind == k) & eligible[error]
        log.add(error, out[error], eligible[error])
    return out


def _render(
    rng: np.random.Generator,
    source: str,
    p: _People,
    idx: IntArray,
    passport: ObjArray | None,
    log: _ErrorLog,
) -> dict[str, ObjArray]:
    """Canonical columns of one source for persons ``idx`` (one row each), with errors."""
    style = SOURCE_STYLES[source]
    rates = ERROR_PROFILES[source]
    n = len(idx)
    every = np.ones(n, dtype=bool)
    upper_style = style.name_case == "upper"

    def draw(error: str, eligible: BoolArray = every) -> BoolArray:
        return _draw(rng, rates.get(error, 0.0), eligible, log, error)

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
    short_ok = _flag(name, st.has_short_token) & ~changed
    mask = draw("name_letter_swap", short_ok)
    st.apply_rows(name, mask, st.short_token_swap, rng.random(n))
    changed |= mask
    combo = _two_errors(rng, p, idx, rates, log, ~changed)
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
    y, m, d = _ymd(dob)
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
        dob[rows] = (moved.astype("datetime64[D]") - _EPOCH).astype(np.int64)
    if swap.any():
        rows = np.flatnonzero(swap)
        swapped = pd.to_datetime(
            pd.DataFrame({"year": y[rows], "month": d[rows], "day": m[rows]})
        ).to_numpy()
        dob = dob.copy()
        dob[rows] = (swapped.astype("datetime64[D]") - _EPOCH).astype(np.int64)
    dates = _dates(rng, dob, style.date_format)
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
    phone = _phones(rng, p.phone_nsn[idx], p.phone_abroad[idx], use_abroad, style.phone_formats)
    phone[draw("phone_missing")] = None

    abbrev = draw("address_abbrev")
    variant = np.where(abbrev, rng.integers(1, 4, size=n), 4 if upper_style else 0)
    if upper_style:
        variant[abbrev & (variant != 3)] = 3
    address = p.address[variant, p.hh[idx]]
    address[draw("address_missing")] = None

    regions = _region_names(rng, p.village[idx], style.region_style)
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


# --------------------------------------------------------------------------- sources


@dataclass
class _SourceRows:
    """Who is in one source and the source's programme fields (before rendering)."""

    person: IntArray
    extra: dict[str, ObjArray]
    program_id: ObjArray
    start: IntArray
    end: IntArray
    status: ObjArray
    passport: ObjArray | None = None
    placement: IntArray | None = None


def _clip_day(day: IntArray, ref: int) -> IntArray:
    return np.minimum(day, ref - 1)


def _build_sources(
    rngs: dict[str, np.random.Generator], p: _People, pl: _Placements, ref: int
) -> tuple[dict[str, _SourceRows], pd.DataFrame]:
    """Who is in each source; each source draws from its own generator ``rngs[source]``."""
    reg = _regions()
    n = p.n
    ref_year = int(_ymd(np.array([ref]))[0][0])
    progs: list[dict[str, object]] = []
    out: dict[str, _SourceRows] = {}

    # last return per person
    last_ret = np.full(n, _NA_DAY, dtype=np.int64)
    order = np.argsort(pl.seq, kind="stable")
    last_ret[pl.person[order]] = pl.ret[order]
    returned = last_ret != _NA_DAY
    has_hosp = np.zeros(n, dtype=bool)
    has_hosp[pl.person[pl.occ == "hospitality"]] = True
    last_dest = np.full(n, None, dtype=object)
    last_dest[pl.person[order]] = pl.dest[order]
    dep_first = np.full(n, _NA_DAY, dtype=np.int64)
    first = pl.seq == 1
    dep_first[pl.person[first]] = pl.dep[first]

    # KP2MI placements
    rng = rngs["kp2mi_placements"]
    pyear = _ymd(pl.dep)[0]
    for yv in sorted(set(pyear.tolist())):
        progs.append(
            {
                "program_id": f"KP2MI-PEN-{yv}",
                "name": f"Penempatan PMI {yv}",
                "program_type": "PLACEMENT",
                "ministry": "KP2MI",
                "location": None,
                "regency_code": None,
                "year": str(yv),
            }
        )
    fmt = SOURCE_STYLES["kp2mi_placements"].date_format
    status = np.where(pl.ret == _NA_DAY, "BEKERJA", "PULANG").astype(object)
    out["kp2mi_placements"] = _SourceRows(
        person=pl.person,
        extra={
            "destination_country": np.array([COUNTRY_NAMES[c] for c in pl.dest.tolist()], object),
            "occupation": np.array([OCCUPATIONS[o][0] for o in pl.occ.tolist()], object),
            "sector": np.array([OCCUPATIONS[o][1] for o in pl.occ.tolist()], object),
            "employer": pl.employer,
            "departure_date": _dates(rng, pl.dep, fmt),
            "return_date": _dates(rng, pl.ret, fmt),
            "placement_status": status,
        },
        program_id=st.to_obj(st.cat("KP2MI-PEN-", pyear.astype(st.S))),
        start=pl.dep,
        end=pl.ret,
        status=np.where(pl.ret == _NA_DAY, "working", "returned").astype(object),
        passport=pl.passport,
        placement=np.arange(len(pl.person), dtype=np.int64),
    )

    # Desa Migran Emas: programme villages, returnees and family members there
    rng = rngs["kemendes_dme"]
    villages = np.unique(p.village)
    dme = villages[rng.random(len(villages)) < 0.3]
    dme_year = dict(zip(dme.tolist(), rng.integers(2021, ref_year + 1, size=len(dme)).tolist()))
    in_dme = np.isin(p.village, dme)
    pr = np.where(returned, 0.55, np.where(p.migrant, 0.05, 0.15))
    who = np.flatnonzero(in_dme & (rng.random(n) < pr))
    yr = np.array([dme_year[v] for v in p.village[who].tolist()], dtype=np.int64)
    yr_start = (yr - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    start = np.maximum(yr_start + rng.integers(0, 300, size=len(who)), last_ret[who] + 30)
    start = _clip_day(start, ref)
    end = np.where(start + 180 < ref, start + 180, _NA_DAY)
    vcode = reg.village_code[p.village[who]]
    for v in sorted(set(p.village[who].tolist())):
        progs.append(
            {
                "program_id": f"DME-{reg.village_code[v]}",
                "name": f"Desa Migran Emas {reg.village_name[v]}",
                "program_type": "DESA_MIGRAN_EMAS",
                "ministry": "KEMENDES",
                "location": reg.village_name[v],
                "regency_code": reg.regency_code[v],
                "year": str(dme_year[v]),
            }
        )
    fmt = SOURCE_STYLES["kemendes_dme"].date_format
    out["kemendes_dme"] = _SourceRows(
        person=who,
        extra={
            "programme_village": st.to_obj(st.cat(reg.village_name[p.village[who]])),
            "programme_year": yr.astype(str).astype(object),
            "participant_type": np.where(returned[who], "PMI Purna", "Keluarga PMI").astype(object),
            "join_date": _dates(rng, start, fmt),
        },
        program_id=st.to_obj(st.cat("DME-", vcode)),
        start=start,
        end=end,
        status=np.where(end == _NA_DAY, "active", "completed").astype(object),
    )

    # Cooperatives/SMEs: business capital and cooperatives for returnees
    rng = rngs["kemenkop_capital"]
    pr = np.where(returned, 0.22, np.where(p.migrant, 0.02, 0.05))
    who = np.flatnonzero(rng.random(n) < pr)
    base = np.where(last_ret[who] != _NA_DAY, last_ret[who], _days("2019-01-01"))
    start = _clip_day(
        np.maximum(base, _days("2019-01-01")) + rng.integers(60, 720, size=len(who)), ref
    )
    syear = _ymd(start)[0]
    coop = rng.random(len(who)) < 0.3
    rcode = reg.regency_code[p.village[who]]
    ptype = np.where(coop, "COOPERATIVE", "BUSINESS_CAPITAL").astype(object)
    pid = st.to_obj(st.cat(np.where(coop, "KOP-", "BMU-"), rcode, "-", syear.astype(st.S)))
    for pid_v, t, rc, yv in sorted(
        set(zip(pid.tolist(), ptype.tolist(), rcode.tolist(), syear.tolist()))
    ):
        rname = reg.regency_name[np.flatnonzero(reg.regency_code == rc)[0]]
        label = "Koperasi PMI Purna" if t == "COOPERATIVE" else "Bantuan Modal Usaha PMI Purna"
        progs.append(
            {
                "program_id": pid_v,
                "name": f"{label} {rname.replace('Kabupaten ', '')} {yv}",
                "program_type": t,
                "ministry": "KEMENKOP",
                "location": rname,
                "regency_code": rc,
                "year": str(yv),
            }
        )
    business = np.asarray(
        ["Warung Sembako", "Ternak Kambing", "Kuliner", "Jahit", "Toko Kelontong", "Pertanian"],
        dtype=object,
    )
    fmt = SOURCE_STYLES["kemenkop_capital"].date_format
    out["kemenkop_capital"] = _SourceRows(
        person=who,
        extra={
            "programme": np.where(coop, "KOPERASI", "BANTUAN MODAL").astype(object),
            "business_type": business[rng.integers(0, len(business), size=len(who))],
            "amount_idr": (rng.integers(2, 21, size=len(who)) * 500_000).astype(str).astype(object),
            "disbursed_date": _dates(rng, start, fmt),
        },
        program_id=pid,
        start=start,
        end=np.full(len(who), _NA_DAY, dtype=np.int64),
        status=np.full(len(who), "disbursed", dtype=object),
    )

    # Tourism/Creative Economy: hospitality training before departure, certification after
    rng = rngs["kemenpar_training"]
    pre = has_hosp & (dep_first > _days("2016-03-01")) & (rng.random(n) < 0.6)
    cert = ~pre & (rng.random(n) < np.where(returned, 0.05, np.where(p.migrant, 0.02, 0.03)))
    who = np.flatnonzero(pre | cert)
    is_pre = pre[who]
    start = np.where(
        is_pre,
        dep_first[who] - rng.integers(40, 200, size=len(who)),
        np.maximum(last_ret[who], _days("2018-01-01")) + rng.integers(30, 700, size=len(who)),
    )
    start = _clip_day(start, ref - 10)
    end = start + 10
    syear = _ymd(start)[0]
    ptype = np.where(is_pre, "PRE_DEPARTURE_TRAINING", "CERTIFICATION").astype(object)
    pid = st.to_obj(st.cat(np.where(is_pre, "PAR-HOSP-", "PAR-CERT-"), syear.astype(st.S)))
    for pid_v, t, yv in sorted(set(zip(pid.tolist(), ptype.tolist(), syear.tolist()))):
        label = (
            "Pelatihan Hospitality Calon PMI"
            if t == "PRE_DEPARTURE_TRAINING"
            else "Sertifikasi Kompetensi Hospitality"
        )
        progs.append(
            {
                "program_id": pid_v,
                "name": f"{label} {yv}",
                "program_type": t,
                "ministry": "KEMENPAREKRAF",
                "location": None,
                "regency_code": None,
                "year": str(yv),
            }
        )
    fmt = SOURCE_STYLES["kemenpar_training"].date_format
    out["kemenpar_training"] = _SourceRows(
        person=who,
        extra={
            "training_name": np.where(
                is_pre, "Pelatihan Hospitality", "Sertifikasi Kompetensi"
            ).astype(object),
            "training_date": _dates(rng, start, fmt),
            "certificate_no": st.to_obj(st.cat("SKK-", _rand_digits(rng, len(who), 8))),
        },
        program_id=pid,
        start=start,
        end=end,
        status=np.full(len(who), "completed", dtype=object),
    )

    # campus Migran Centres: young people
    rng = rngs["migran_centre"]
    age_ref = (ref - p.dob) / _Y
    mc = rng.random(n) < np.where(age_ref < 30, 0.06, 0.01)
    who = np.flatnonzero(mc)
    rcode = reg.regency_code[p.village[who]]
    cohort = rng.integers(2021, ref_year + 1, size=len(who))
    start = _clip_day(
        (cohort - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        + rng.integers(0, 300, size=len(who)),
        ref,
    )
    campus = np.array(
        [
            f"Kampus {reg.regency_name[v].replace('Kabupaten ', '')}"
            for v in p.village[who].tolist()
        ],
        dtype=object,
    )
    pid = st.to_obj(st.cat("MC-", rcode))
    for pid_v, rc, cp in sorted(set(zip(pid.tolist(), rcode.tolist(), campus.tolist()))):
        progs.append(
            {
                "program_id": pid_v,
                "name": f"Migran Centre {cp}",
                "program_type": "MIGRAN_CENTRE",
                "ministry": "OTHER",
                "location": cp,
                "regency_code": rc,
                "year": None,
            }
        )
    out["migran_centre"] = _SourceRows(
        person=who,
        extra={"campus": campus, "cohort_year": cohort.astype(str).astype(object)},
        program_id=pid,
        start=start,
        end=np.full(len(who), _NA_DAY, dtype=np.int64),
        status=np.full(len(who), "enrolled", dtype=object),
    )

    # BPS survey: a random sample, plus everyone who is in no other source
    rng = rngs["bps_survey"]
    seen = np.zeros(n, dtype=bool)
    for rows in out.values():
        seen[rows.person] = True
    who = np.flatnonzero((rng.random(n) < 0.12) | ~seen)
    survey_year = np.where(rng.random(len(who)) < 0.5, ref_year - 2, ref_year - 1)
    start = _clip_day(
        (survey_year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        + rng.integers(150, 250, size=len(who)),
        ref,
    )
    for yv in sorted(set(survey_year.tolist())):
        progs.append(
            {
                "program_id": f"BPS-SPMI-{yv}",
                "name": f"Survei Pekerja Migran Indonesia {yv}",
                "program_type": "SURVEY",
                "ministry": "BPS",
                "location": None,
                "regency_code": None,
                "year": str(yv),
            }
        )
    abroad_now = p.migrant[who] & ~returned[who]
    mstatus = np.where(abroad_now, "PMI AKTIF", np.where(returned[who], "PMI PURNA", "BUKAN PMI"))
    ld = last_dest[who]
    out["bps_survey"] = _SourceRows(
        person=who,
        extra={
            "survey_year": survey_year.astype(str).astype(object),
            "migrant_status": mstatus.astype(object),
            "last_destination": np.array(
                [COUNTRY_NAMES[c] if c is not None else None for c in ld.tolist()], dtype=object
            ),
        },
        program_id=st.to_obj(st.cat("BPS-SPMI-", survey_year.astype(st.S))),
        start=start,
        end=start,
        status=np.full(len(who), "interviewed", dtype=object),
    )
    programmes = pd.DataFrame(progs).drop_duplicates("program_id").reset_index(drop=True)
    return {s: out[s] for s in SOURCES}, programmes


# --------------------------------------------------------------------------- generate


def generate(
    people: int = 10_000, seed: int = 0, reference_date: str = "2026-01-01"
) -> SyntheticData:
    """Generate synthetic ministry datasets about the same migrant workers, with truth.

    Six sources (:data:`~migrant_records.synth.SOURCES`) hold records of ``people``
    persons: KP2MI placements (one record per placement), Desa Migran Emas participants,
    Cooperatives/SMEs business-capital recipients, hospitality training participants, BPS
    survey respondents and campus Migran Centre members. Every source writes names, NIKs,
    dates, phones, addresses and regions its own way and with its own error rates
    (:data:`~migrant_records.synth.ERROR_PROFILES`). Siblings and twins share an address,
    mother's name and family card number; twins also share the birth date.

    Args:
        people: Number of persons (at least 1).
        seed: Random seed; the same seed gives identical frames and CSV files.
        reference_date: The "today" of the data: no placement, programme or survey is
            after it; workers whose contract runs past it are still abroad.

    Returns:
        A :class:`SyntheticData` with the sources, truth, people and programme tables.

    Raises:
        ConfigError: ``people`` is below 1 or ``reference_date`` is not a date.

    Example:
        >>> data = generate(people=300, seed=3)
        >>> bool(data.truth.groupby("person_id").size().max() >= 2)
        True
    """
    if not isinstance(people, (int, np.integer)) or people < 1:
        raise ConfigError(f"people must be a positive integer, got {people!r}")
    ref = _days(reference_date)
    # One child generator for the population and two per source (who is in it, how it is
    # written), so that changing one source leaves the other sources' records unchanged.
    children = np.random.SeedSequence(seed).spawn(1 + len(SOURCES))
    rng = np.random.default_rng(children[0])
    per_source = {s: c.spawn(2) for s, c in zip(SOURCES, children[1:])}
    member_rngs = {s: np.random.default_rng(k[0]) for s, k in per_source.items()}
    p, dep1, dest1, occ1 = _people(rng, int(people), ref)
    pl = _placements(rng, p, dep1, dest1, occ1, ref)
    rows_by_source, programmes = _build_sources(member_rngs, p, pl, ref)

    sources: dict[str, pd.DataFrame] = {}
    truths: list[pd.DataFrame] = []
    parts: list[pd.DataFrame] = []
    places: list[pd.DataFrame] = []
    logs: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []
    for source, rows in rows_by_source.items():
        rng = np.random.default_rng(per_source[source][1])
        style = SOURCE_STYLES[source]
        log = _ErrorLog()
        # within-source duplicates (a second registration of the same participation)
        k = len(rows.person)
        dup = rng.random(k) < ERROR_PROFILES[source].get("duplicate", 0.0)
        take = np.concatenate([np.arange(k), np.flatnonzero(dup)])
        is_dup = np.zeros(len(take), dtype=bool)
        is_dup[k:] = True
        # shuffle the records so that files are not in person order
        perm = rng.permutation(len(take))
        take, is_dup = take[perm], is_dup[perm]
        log.add("duplicate", is_dup, k)
        person = rows.person[take]
        passport = rows.passport[take] if rows.passport is not None else None
        cols = _render(rng, source, p, person, passport, log)
        # exact duplicates: rows copied verbatim (an import run twice), appended with new ids
        rendered = len(take)
        copied = rng.random(rendered) < ERROR_PROFILES[source].get("exact_duplicate", 0.0)
        log.add("exact_duplicate", copied, rendered)
        src_rows = np.flatnonzero(copied)
        extra_copies = np.where(
            rng.random(len(src_rows)) < 0.1, rng.integers(1, 4, len(src_rows)), 0
        )
        src_rows = np.concatenate([src_rows, np.repeat(src_rows, extra_copies)])
        src_rows = np.sort(src_rows)
        rows_out = np.concatenate([np.arange(rendered), src_rows])
        copy_pos = rendered + np.arange(len(src_rows))
        for error, chunks in log.rows.items():  # a copy carries the errors of its original
            had = np.zeros(rendered, dtype=bool)
            had[np.concatenate(chunks)] = True
            if error != "exact_duplicate" and had[src_rows].any():
                chunks.append(copy_pos[had[src_rows]])
        take, person = take[rows_out], person[rows_out]
        cols = {c: v[rows_out] for c, v in cols.items()}
        width = max(6, len(str(len(take))) + 1)
        offset = int(rng.integers(1, 10 ** (width - 1)))
        rid = st.to_obj(
            st.cat(style.id_prefix, st.digits(np.arange(len(take), dtype=np.int64) + offset, width))
        )
        frame = pd.DataFrame(
            {
                "source": np.full(len(take), source, dtype=object),
                "record_id": rid,
                **cols,
                **{c: v[take] for c, v in rows.extra.items()},
            }
        )
        sources[source] = frame
        truths.append(
            pd.DataFrame({"source": source, "record_id": rid, "person_id": p.person_id[person]})
        )
        parts.append(
            pd.DataFrame(
                {
                    "source": source,
                    "record_id": rid,
                    "program_id": rows.program_id[take],
                    "start_date": _iso(rows.start[take]),
                    "end_date": _iso(rows.end[take]),
                    "status": rows.status[take],
                }
            )
        )
        if rows.placement is not None:
            j = rows.placement[take]
            places.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "record_id": rid,
                        "destination_country": pl.dest[j],
                        "occupation": pl.occ[j],
                        "sector": np.array([OCCUPATIONS[o][1] for o in pl.occ[j].tolist()], object),
                        "employer": pl.employer[j],
                        "departure_date": _iso(pl.dep[j]),
                        "return_date": _iso(pl.ret[j]),
                        "status": np.where(pl.ret[j] == _NA_DAY, "working", "returned"),
                    }
                )
            )
        for error, chunks in log.rows.items():
            hit = np.concatenate(chunks)
            if len(hit):
                logs.append(pd.DataFrame({"source": source, "record_id": rid[hit], "error": error}))
            eligible = log.eligible[error]
            summary.append(
                {
                    "source": source,
                    "error": error,
                    "eligible": eligible,
                    "applied": len(hit),
                    "expected_rate": ERROR_PROFILES[source].get(error, 0.0),
                    "observed_rate": len(hit) / eligible if eligible else float("nan"),
                }
            )
        logger.debug("generated %d records for %s", len(frame), source)

    participations = pd.concat(parts, ignore_index=True)
    info = programmes.set_index("program_id")
    participations["program_type"] = participations["program_id"].map(info["program_type"])
    participations["ministry"] = participations["program_id"].map(info["ministry"])
    participations.insert(
        0,
        "participation_id",
        st.to_obj(st.cat("PART", st.digits(np.arange(1, len(participations) + 1), 8))),
    )
    participations = participations[
        [
            "participation_id",
            "source",
            "record_id",
            "program_id",
            "program_type",
            "ministry",
            "start_date",
            "end_date",
            "status",
        ]
    ]
    placements = pd.concat(places, ignore_index=True)
    placements.insert(
        0, "placement_id", st.to_obj(st.cat("PL", st.digits(np.arange(1, len(placements) + 1), 8)))
    )
    return SyntheticData(
        sources=sources,
        truth=pd.concat(truths, ignore_index=True),
        people=_people_frame(p),
        programmes=_none_for_na(programmes),
        participations=_none_for_na(participations),
        placements=_none_for_na(placements),
        errors=pd.concat(logs, ignore_index=True)
        if logs
        else _empty(("source", "record_id", "error")),
        error_summary=pd.DataFrame(summary),
        seed=seed,
    )


def _none_for_na(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding ``None`` where values are missing."""
    out = frame.astype(object)
    return out.where(out.notna(), None)  # type: ignore[call-overload, no-any-return]


def _people_frame(p: _People) -> pd.DataFrame:
    reg = _regions()
    v = p.village
    address = p.address[0, p.hh]
    abroad_e164 = p.phone_abroad
    return pd.DataFrame(
        {
            "person_id": p.person_id,
            "nik": p.nik,
            "kk_number": p.kk,
            "full_name": p.name,
            "sex": np.where(p.female, "F", "M").astype(object),
            "birth_date": _iso(p.dob),
            "birth_place": p.birth_place,
            "phone": st.to_obj(st.cat("+62", p.phone_nsn)),
            "phone_abroad": abroad_e164,
            "address": address,
            "village": reg.village_name[v],
            "district": reg.district_name[v],
            "regency": reg.regency_name[v],
            "province": reg.province_name[v],
            "village_code": reg.village_code[v],
            "district_code": reg.district_code[v],
            "regency_code": reg.regency_code[v],
            "province_code": reg.province_code[v],
            "mother_name": p.mother,
            "father_name": p.father,
            "household_id": st.to_obj(st.cat("H", st.digits(p.hh + 1, 7))),
            "twin": p.twin,
            "tradition": p.tradition,
            "migrant": p.migrant,
        }
    )


def write_dataset(data: SyntheticData, out_dir: str | Path) -> list[Path]:
    """Write the synthetic data as UTF-8 CSV files (no index).

    Writes ``<source>.csv`` for every source, then ``truth.csv``, ``programmes.csv``,
    ``participations.csv``, ``placements.csv`` and ``people.csv`` (the clean person
    table). The same data always gives byte-identical files.

    Args:
        data: What :func:`generate` returned.
        out_dir: Folder to write into (created if missing).

    Returns:
        The paths written, in that order.

    Example:
        >>> import tempfile
        >>> paths = write_dataset(generate(people=50, seed=1), tempfile.mkdtemp())
        >>> paths[-1].name
        'people.csv'
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from migrant_records.errors import InputFileError

        raise InputFileError(f"cannot create output folder {out}: {exc}") from exc
    tables: list[tuple[str, pd.DataFrame]] = [(f"{k}.csv", v) for k, v in data.sources.items()]
    tables += [
        ("truth.csv", data.truth),
        ("programmes.csv", data.programmes),
        ("participations.csv", data.participations),
        ("placements.csv", data.placements),
    ]
    if len(data.people):
        tables.append(("people.csv", data.people))
    paths: list[Path] = []
    for name, frame in tables:
        path = out / name
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
