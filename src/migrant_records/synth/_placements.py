"""Placements abroad: destinations, occupations, contracts, passports and employers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrant_records.synth import _strings as st
from migrant_records.synth._arrays import (
    BoolArray,
    IntArray,
    ObjArray,
    choose,
    pick_by_group,
    rand_digits,
)
from migrant_records.synth._dates import NA_DAY, YEAR_DAYS
from migrant_records.synth._people import People
from migrant_records.synth._tables import (
    CONTRACT_MONTHS,
    DESTINATION_SHARES,
    OCCUPATION_SHARES,
    OCCUPATIONS,
)

__all__ = ["Placements", "draw_placements"]


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
class Placements:
    """One entry per placement abroad; a person has one to three."""

    person: IntArray
    seq: IntArray
    dest: ObjArray
    occ: ObjArray
    dep: IntArray
    ret: IntArray  # -10**9 when still abroad
    passport: ObjArray
    employer: ObjArray


def _fix_occ_sex(occ: ObjArray, female: BoolArray) -> ObjArray:
    """Occupations almost never held by the person's sex become factory work."""
    share = np.array([OCCUPATIONS[o][2] for o in occ.tolist()])
    occ = occ.copy()
    occ[female & (share < 0.1)] = "factory operator"
    occ[~female & (share > 0.9)] = "factory operator"
    return occ


def draw_placements(
    rng: np.random.Generator,
    p: People,
    dep1: IntArray,
    dest1: ObjArray,
    occ1: ObjArray,
    ref: int,
) -> Placements:
    """Placements of the migrants: the first one, then later contracts."""
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
        st.cat(letters[rng.integers(0, 5, size=len(cur))], rand_digits(rng, len(cur), 7))
    )
    for seq in (1, 2, 3):
        months = np.array([CONTRACT_MONTHS.get(c, 24) for c in dest.tolist()], dtype=np.float64)
        dur = months * 30.44 + rng.normal(0, 45, size=len(cur))
        early = rng.random(len(cur)) < 0.12
        dur[early] *= rng.uniform(0.15, 0.9, size=int(early.sum()))
        ret = dep + np.maximum(dur, 30).astype(np.int64)
        ret = np.where(ret > ref, NA_DAY, ret)
        persons.append(cur)
        seqs.append(np.full(len(cur), seq, dtype=np.int64))
        dests.append(dest)
        occs.append(occ)
        deps.append(dep)
        rets.append(ret)
        passports.append(passport)
        again = (ret != NA_DAY) & (rng.random(len(cur)) < (0.22 if seq == 1 else 0.15))
        nxt = ret + rng.integers(60, 600, size=len(cur))
        again &= nxt <= ref - 30
        again &= (nxt - p.dob[cur]) < int(45 * YEAR_DAYS)
        if not again.any():
            break
        keep = np.flatnonzero(again)
        cur, dep = cur[keep], nxt[keep]
        same = rng.random(len(cur)) < 0.65
        new_dest = choose(rng, DESTINATION_SHARES, len(cur))
        new_occ = _fix_occ_sex(pick_by_group(rng, new_dest, OCCUPATION_SHARES), p.female[cur])
        dest = np.where(same, dest[keep], new_dest)
        occ = np.where(same & (rng.random(len(cur)) < 0.85), occ[keep], new_occ)
        renew = rng.random(len(cur)) < 0.5
        fresh = st.to_obj(
            st.cat(letters[rng.integers(0, 5, size=len(cur))], rand_digits(rng, len(cur), 7))
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
    company = st.to_obj(st.cat(st.pick(rng, _COMPANY, k, 0.3), " ", rand_digits(rng, k, 2), kind))
    house = st.to_obj(st.cat("HOUSEHOLD ", rand_digits(rng, k, 4)))
    employer[rest] = np.where(informal[rest], house[rest], company[rest])
    return Placements(
        person=np.concatenate(persons),
        seq=np.concatenate(seqs),
        dest=out_dest,
        occ=out_occ,
        dep=np.concatenate(deps),
        ret=np.concatenate(rets),
        passport=np.concatenate(passports),
        employer=employer,
    )
