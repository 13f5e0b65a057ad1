"""Who is in each source, with the source's programme fields and programme table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from migrant_records.synth import _strings as st
from migrant_records.synth._arrays import IntArray, ObjArray, rand_digits
from migrant_records.synth._dates import NA_DAY, YEAR_DAYS, day_number, format_dates, ymd
from migrant_records.synth._people import People
from migrant_records.synth._placements import Placements
from migrant_records.synth._regions import load_regions
from migrant_records.synth._tables import COUNTRY_NAMES, OCCUPATIONS
from migrant_records.synth.profiles import SOURCE_STYLES, SOURCES

__all__ = ["SourceRows", "build_sources"]


@dataclass
class SourceRows:
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
    """Day numbers moved before the reference day ``ref``."""
    return np.minimum(day, ref - 1)


def build_sources(
    rngs: dict[str, np.random.Generator], p: People, pl: Placements, ref: int
) -> tuple[dict[str, SourceRows], pd.DataFrame]:
    """Who is in each source; each source draws from its own generator ``rngs[source]``."""
    reg = load_regions()
    n = p.n
    ref_year = int(ymd(np.array([ref]))[0][0])
    progs: list[dict[str, object]] = []
    out: dict[str, SourceRows] = {}

    # last return per person
    last_ret = np.full(n, NA_DAY, dtype=np.int64)
    order = np.argsort(pl.seq, kind="stable")
    last_ret[pl.person[order]] = pl.ret[order]
    returned = last_ret != NA_DAY
    has_hosp = np.zeros(n, dtype=bool)
    has_hosp[pl.person[pl.occ == "hospitality"]] = True
    last_dest = np.full(n, None, dtype=object)
    last_dest[pl.person[order]] = pl.dest[order]
    dep_first = np.full(n, NA_DAY, dtype=np.int64)
    first = pl.seq == 1
    dep_first[pl.person[first]] = pl.dep[first]

    # KP2MI placements
    rng = rngs["kp2mi_placements"]
    pyear = ymd(pl.dep)[0]
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
    status = np.where(pl.ret == NA_DAY, "BEKERJA", "PULANG").astype(object)
    out["kp2mi_placements"] = SourceRows(
        person=pl.person,
        extra={
            "destination_country": np.array([COUNTRY_NAMES[c] for c in pl.dest.tolist()], object),
            "occupation": np.array([OCCUPATIONS[o][0] for o in pl.occ.tolist()], object),
            "sector": np.array([OCCUPATIONS[o][1] for o in pl.occ.tolist()], object),
            "employer": pl.employer,
            "departure_date": format_dates(rng, pl.dep, fmt),
            "return_date": format_dates(rng, pl.ret, fmt),
            "placement_status": status,
        },
        program_id=st.to_obj(st.cat("KP2MI-PEN-", pyear.astype(st.S))),
        start=pl.dep,
        end=pl.ret,
        status=np.where(pl.ret == NA_DAY, "working", "returned").astype(object),
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
    end = np.where(start + 180 < ref, start + 180, NA_DAY)
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
    out["kemendes_dme"] = SourceRows(
        person=who,
        extra={
            "programme_village": st.to_obj(st.cat(reg.village_name[p.village[who]])),
            "programme_year": yr.astype(str).astype(object),
            "participant_type": np.where(returned[who], "PMI Purna", "Keluarga PMI").astype(object),
            "join_date": format_dates(rng, start, fmt),
        },
        program_id=st.to_obj(st.cat("DME-", vcode)),
        start=start,
        end=end,
        status=np.where(end == NA_DAY, "active", "completed").astype(object),
    )

    # Cooperatives/SMEs: business capital and cooperatives for returnees
    rng = rngs["kemenkop_capital"]
    pr = np.where(returned, 0.22, np.where(p.migrant, 0.02, 0.05))
    who = np.flatnonzero(rng.random(n) < pr)
    base = np.where(last_ret[who] != NA_DAY, last_ret[who], day_number("2019-01-01"))
    start = _clip_day(
        np.maximum(base, day_number("2019-01-01")) + rng.integers(60, 720, size=len(who)), ref
    )
    syear = ymd(start)[0]
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
    out["kemenkop_capital"] = SourceRows(
        person=who,
        extra={
            "programme": np.where(coop, "KOPERASI", "BANTUAN MODAL").astype(object),
            "business_type": business[rng.integers(0, len(business), size=len(who))],
            "amount_idr": (rng.integers(2, 21, size=len(who)) * 500_000).astype(str).astype(object),
            "disbursed_date": format_dates(rng, start, fmt),
        },
        program_id=pid,
        start=start,
        end=np.full(len(who), NA_DAY, dtype=np.int64),
        status=np.full(len(who), "disbursed", dtype=object),
    )

    # Tourism/Creative Economy: hospitality training before departure, certification after
    rng = rngs["kemenpar_training"]
    pre = has_hosp & (dep_first > day_number("2016-03-01")) & (rng.random(n) < 0.6)
    cert = ~pre & (rng.random(n) < np.where(returned, 0.05, np.where(p.migrant, 0.02, 0.03)))
    who = np.flatnonzero(pre | cert)
    is_pre = pre[who]
    start = np.where(
        is_pre,
        dep_first[who] - rng.integers(40, 200, size=len(who)),
        np.maximum(last_ret[who], day_number("2018-01-01")) + rng.integers(30, 700, size=len(who)),
    )
    start = _clip_day(start, ref - 10)
    end = start + 10
    syear = ymd(start)[0]
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
    out["kemenpar_training"] = SourceRows(
        person=who,
        extra={
            "training_name": np.where(
                is_pre, "Pelatihan Hospitality", "Sertifikasi Kompetensi"
            ).astype(object),
            "training_date": format_dates(rng, start, fmt),
            "certificate_no": st.to_obj(st.cat("SKK-", rand_digits(rng, len(who), 8))),
        },
        program_id=pid,
        start=start,
        end=end,
        status=np.full(len(who), "completed", dtype=object),
    )

    # campus Migran Centres: young people
    rng = rngs["migran_centre"]
    age_ref = (ref - p.dob) / YEAR_DAYS
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
    out["migran_centre"] = SourceRows(
        person=who,
        extra={"campus": campus, "cohort_year": cohort.astype(str).astype(object)},
        program_id=pid,
        start=start,
        end=np.full(len(who), NA_DAY, dtype=np.int64),
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
    out["bps_survey"] = SourceRows(
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
