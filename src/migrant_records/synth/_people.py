"""The person table: households, names, dates of birth, NIKs, phones and addresses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrant_records.synth import _strings as st
from migrant_records.synth._arrays import (
    BoolArray,
    IntArray,
    ObjArray,
    choose,
    flag_values,
    pick_by_group,
    rand_digits,
    unique_serials,
    upper_case,
)
from migrant_records.synth._dates import YEAR_DAYS, day_number, ymd
from migrant_records.synth._regions import load_regions
from migrant_records.synth._tables import (
    ANNUAL_PLACEMENTS,
    BALINESE_ORDER,
    DESTINATION_SHARES,
    NAMES,
    OCCUPATION_SHARES,
    OCCUPATIONS,
    PHONE_PREFIXES,
    TRADITION_MIX,
)

__all__ = ["People", "address_variants", "draw_people", "given_names"]


_MONO_P = {"javanese": 0.45, "sundanese": 0.35, "muslim": 0.12, "sasak": 0.35}


def given_names(
    rng: np.random.Generator,
    tradition: ObjArray,
    female: BoolArray,
    order: IntArray,
    marga: ObjArray,
) -> ObjArray:
    """Names in each person's naming tradition (Batak names take the family marga)."""
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


@dataclass
class People:
    """The clean person table as arrays, one entry per person (see :func:`draw_people`)."""

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
    address: ObjArray  # (5, n_households), see address_variants
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


_KIND_WORDS = (
    ("Jalan", "Dusun", "Blok", "Kampung"),
    ("Jl.", "Dsn.", "Blok", "Kp."),
    ("Jln.", "Dsn", "Blk.", "Kp"),
    ("JL", "DUSUN", "BLOK", "KP"),
)


def address_variants(
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


def draw_people(
    rng: np.random.Generator, n: int, ref: int
) -> tuple[People, IntArray, ObjArray, ObjArray]:
    """Draw the person table; returns people, first departure day, destination, occupation."""
    reg = load_regions()
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
    tradition_h = pick_by_group(rng, prov_h, TRADITION_MIX)
    marga_h = st.pick(rng, NAMES["batak"]["marga"], n_hh, s=0.6)
    mother_marga = st.pick(rng, NAMES["batak"]["marga"], n_hh, s=0.6)
    order_h = rng.choice(4, size=n_hh, p=[0.35, 0.3, 0.2, 0.15]) + 1
    ones = np.ones(n_hh, dtype=np.int64)
    mother_h = given_names(rng, tradition_h, np.ones(n_hh, bool), ones * 2, mother_marga)
    father_h = given_names(rng, tradition_h, np.zeros(n_hh, bool), ones, marga_h)
    kk_prefix = reg.nik_prefix[village_h]
    issue = rng.integers(day_number("2005-01-01"), day_number("2024-12-31"), size=n_hh)
    iy, im, idd = ymd(issue)
    kk_key = kk_prefix * 10**6 + idd * 10**4 + im * 100 + iy % 100
    kk_h = (kk_key * 10**4 + unique_serials(rng, kk_key)).astype(str).astype(object)
    addr_kind_h = rng.choice(4, size=n_hh, p=[0.3, 0.45, 0.12, 0.13])
    addr_street_h = st.pick(rng, _STREETS, n_hh, s=0.6)
    addr_no_h = rng.integers(1, 150, size=n_hh)
    addr_rt_h = rng.integers(1, 16, size=n_hh)
    addr_rw_h = rng.integers(1, 11, size=n_hh)

    # dates: first departure for migrants, birth date from age at departure
    ref_year = int(ymd(np.array([ref]))[0][0])
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
        dep - (age * YEAR_DAYS).astype(np.int64),
        ref - ((18.0 + 42.0 * rng.beta(2.0, 2.5, size=n)) * YEAR_DAYS).astype(np.int64),
    )
    # younger siblings: 1.5-8 years later; twins the same day
    gap = np.where(twin, 0, rng.integers(540, 2900, size=n))
    gap[~sib] = 0
    c = np.cumsum(gap)
    dob = dob[first_idx[hh]] + c - c[first_idx[hh]]
    lo = np.maximum(dob + int(18 * YEAR_DAYS), day_number("2015-01-01"))
    hi = np.minimum(dob + int(45 * YEAR_DAYS), ref - 30)
    redo = sib & migrant
    ok = lo < hi
    dep = np.where(redo, lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64), dep)
    migrant = migrant & ~(redo & ~ok)
    # non-migrant siblings must be adults at the reference date
    too_young = dob > ref - int(17 * YEAR_DAYS)
    dob = np.where(too_young, ref - int(17 * YEAR_DAYS) - rng.integers(0, 3000, size=n), dob)
    dob[twin] = dob[np.flatnonzero(twin) - 1]  # keep twins on one day
    migrant = migrant & ~((dob + int(18 * YEAR_DAYS)) > dep)

    dest = choose(rng, DESTINATION_SHARES, n)
    occ = pick_by_group(rng, dest, OCCUPATION_SHARES)
    f_share = np.array([OCCUPATIONS[o][2] for o in occ.tolist()])
    f_share = np.where(migrant, f_share, 0.65)
    female = rng.random(n) < f_share

    order = order_h[hh] + member
    name = given_names(rng, tradition_h[hh], female, order, marga_h[hh])
    for _ in range(4):  # siblings get a name different from the previous sibling
        same = sib & (name == np.roll(name, 1))
        if not same.any():
            break
        rows = np.flatnonzero(same)
        name[rows] = given_names(
            rng, tradition_h[hh][rows], female[rows], order[rows] + 1, marga_h[hh][rows]
        )

    clash = name == mother_h[hh]
    if clash.any():
        rows = np.flatnonzero(clash)
        name[rows] = given_names(
            rng, tradition_h[hh][rows], female[rows], order[rows] + 1, marga_h[hh][rows]
        )

    # NIK: district code of the household, DDMMYY (+40 for women), unique serial
    y, m, d = ymd(dob)
    key = kk_prefix[hh] * 10**6 + (d + 40 * female) * 10**4 + m * 100 + y % 100
    nik = (key * 10**4 + unique_serials(rng, key)).astype(str).astype(object)

    prefixes = choose(rng, PHONE_PREFIXES, n)
    width = np.where(rng.random(n) < 0.6, 8, 7)
    tail = np.where(
        width == 8,
        rand_digits(rng, n, 8).astype(object),
        rand_digits(rng, n, 7).astype(object),
    )
    phone_nsn = st.to_obj(st.cat(prefixes, tail))
    phone_abroad = np.full(n, None, dtype=object)
    has_abroad = migrant & (rng.random(n) < 0.7)
    for cc in sorted(_FOREIGN):
        cc_prefix, leads, w = _FOREIGN[cc]
        rows = np.flatnonzero(has_abroad & (dest == cc))
        if len(rows):
            lead = np.asarray(leads, dtype=object)[rng.integers(0, len(leads), size=len(rows))]
            phone_abroad[rows] = st.to_obj(st.cat(cc_prefix, lead, rand_digits(rng, len(rows), w)))

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
    people = People(
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
        address=address_variants(addr_kind_h, addr_street_h, addr_no_h, addr_rt_h, addr_rw_h),
        migrant=migrant,
        name_upper=upper_case(name),
        mother_upper=upper_case(mother_h[hh]),
        birth_place_upper=upper_case(birth_place),
        ntok=np.strings.count(name.astype(st.S), " ").astype(np.int64) + 1,
        old_ok=flag_values(name, st.has_old_letters),
        has_m=flag_values(name, lambda v: "Muhammad" in v.split(" ")),
    )
    return people, dep, dest, occ
