"""Benchmark of ``migrant_records.standardize`` on synthetic canonical records.

Builds 1,000,000 records (100,000 with ``quick``) with realistic variety: names with
titles, degrees, old spellings and patronyms; NIKs with Excel artefacts; phones in many
forms; dates in six formats; region names with prefixes and typos. Times the whole
``standardize`` and each part, and reports rows per second and peak memory.

Run: ``python benchmarks/bench_standardize.py [--quick]`` (prints JSON).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.data import load_wilayah
from migrant_records.standardize import (
    normalize_address,
    normalize_phone,
    parse_date,
    parse_names,
    parse_nik,
    resolve_region,
    standardize,
)

GIVEN_TEXT = """
Agus Ahmad Achmad Budi Dewi Dewie Djoko Joko Eko Fitri Hadi Indah Joesoef Yusuf Jusuf
Kartini Lestari Machmud Mahmud Nur Noer Nurhayati Putri Rachmat Rahmat Rina Rini Sari
Siti Soekarno Sukarno Sri Suharti Susilo Soesilo Tjahjono Cahyono Taufik Taufiq Wahyudi
Wahjudi Yuliana Zainal Zaenal Saiful Syaiful Khairul Chairul Ani Dian Endang Fajar
Gunawan Hendra Ika Iwan Kurniawan Lina Made Wayan Ketut Nyoman Putu Rudi Slamet
Sutrisno Tri Umar Wati Yanti Yudi Aminah Amanah Fatimah Fatima Sholeh Soleh Saleh Hasan
Hasanah Ilham Irma Joni Kusnadi Maman Mulyadi Nining Oktaviani Purnomo Ratna
"""
_NONE = np.array(None, dtype=object)
MUHAMMAD = ("Muhammad", "Moch.", "Mochamad", "Muh.", "M.", "Mohammad", "Muhamad")
PREFIX = ("H.", "Hj.", "Drs.", "Ir.", "Dr.", "Hajjah", "Ny.")
SUFFIX = (", S.Pd", ", S.E.", ", S.Kom", ", A.Md.", " SH", ", M.M.", ", S.Pd.I")
MONTHS = (
    "Januari",
    "Pebruari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agt",
    "Sept",
    "Oktober",
    "Nopember",
    "Desember",
)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    g = np.array(GIVEN_TEXT.split(), dtype=object)
    first = g[rng.integers(0, len(g), n)]
    middle = g[rng.integers(0, len(g), n)]
    last = g[rng.integers(0, len(g), n)]
    two = rng.random(n) < 0.4
    base = np.where(two, first + " " + last, first + " " + middle + " " + last)
    muh = rng.random(n) < 0.12
    base = np.where(muh, np.array(MUHAMMAD, dtype=object)[rng.integers(0, 7, n)] + " " + base, base)
    pre = rng.random(n) < 0.08
    base = np.where(pre, np.array(PREFIX, dtype=object)[rng.integers(0, 7, n)] + " " + base, base)
    suf = rng.random(n) < 0.08
    base = np.where(suf, base + np.array(SUFFIX, dtype=object)[rng.integers(0, 7, n)], base)
    pat = rng.random(n) < 0.05
    base = np.where(pat, base + " bin " + g[rng.integers(0, len(g), n)], base)
    upper = rng.random(n) < 0.5
    return np.where(upper, pd.Series(base).str.upper().to_numpy(), base)


def _niks(rng: np.random.Generator, n: int, districts: np.ndarray) -> np.ndarray:
    dist = districts[rng.integers(0, len(districts), n)]
    female = rng.random(n) < 0.6
    day = rng.integers(1, 29, n) + np.where(female, 40, 0)
    month = rng.integers(1, 13, n)
    year = rng.integers(60, 106, n) % 100
    serial = rng.integers(1, 10000, n)
    body = pd.Series(dist).str.replace(".", "", regex=False)
    nik = (
        body
        + pd.Series(day).map("{:02d}".format)
        + pd.Series(month).map("{:02d}".format)
        + pd.Series(year).map("{:02d}".format)
        + pd.Series(serial).map("{:04d}".format)
    ).to_numpy(dtype=object)
    r = rng.random(n)
    nik = np.where(r < 0.05, "'" + nik, nik)
    nik = np.where((r > 0.05) & (r < 0.07), "1234567890123456", nik)
    nik = np.where((r > 0.07) & (r < 0.12), _NONE, nik)
    nik = np.where((r > 0.12) & (r < 0.15), pd.Series(nik).str[:15].to_numpy(), nik)
    return nik


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = np.array(["0812", "0813", "0857", "0878", "0896", "0821", "0852"], dtype=object)
    p = prefix[rng.integers(0, len(prefix), n)]
    a = pd.Series(rng.integers(1000, 9999, n)).astype(str).to_numpy(dtype=object)
    b = pd.Series(rng.integers(1000, 99999, n)).astype(str).to_numpy(dtype=object)
    style = rng.integers(0, 6, n)
    out = np.select(
        [style == 0, style == 1, style == 2, style == 3, style == 4],
        [
            p + a + b,
            p + "-" + a + "-" + b,
            "+62 " + p.astype(str) + " " + a + " " + b,
            "62" + pd.Series(p).str[1:].to_numpy(dtype=object) + a + b,
            "(" + p + ") " + a + "." + b,
        ],
        default=np.where(rng.random(n) < 0.5, "+852 9" + a[:, None][:, 0] + "123", "-"),
    )
    return np.where(rng.random(n) < 0.1, _NONE, out)


def _dates(rng: np.random.Generator, n: int) -> np.ndarray:
    days = rng.integers(0, 16000, n)
    stamp = pd.to_datetime("1960-01-01") + pd.to_timedelta(days, unit="D")
    y, m, d = stamp.year.to_numpy(), stamp.month.to_numpy(), stamp.day.to_numpy()
    ys, ms, ds = (pd.Series(v).map("{:02d}".format).to_numpy(dtype=object) for v in (y, m, d))
    style = rng.integers(0, 6, n)
    month_name = np.array(MONTHS, dtype=object)[m - 1]
    serial = ((stamp - pd.Timestamp("1899-12-30")).days).astype(str).to_numpy(dtype=object)
    out = np.select(
        [style == 0, style == 1, style == 2, style == 3, style == 4],
        [
            ys + "-" + ms + "-" + ds,
            ds + "-" + ms + "-" + ys,
            ds + "/" + ms + "/" + ys,
            pd.Series(d).astype(str).to_numpy(dtype=object) + " " + month_name + " " + ys,
            ys + ms + ds,
        ],
        default=serial,
    )
    return np.where(rng.random(n) < 0.05, _NONE, out)


def _typo(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    hit = rng.random(len(s)) < rate
    cut = s[hit].str.len() // 2
    s[hit] = [v[:k] + v[k + 1 :] for v, k in zip(s[hit], cut)]
    return s.to_numpy(dtype=object)


def build_records(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic canonical records with realistic variety (numpy only, seeded)."""
    rng = np.random.default_rng(seed)
    w = load_wilayah()
    names = dict(zip(w["code"], w["name"].str.strip()))
    villages = w.loc[w["level"] == 4, "code"].to_numpy()
    villages = villages[rng.choice(len(villages), 6000, replace=False)]
    v = villages[rng.integers(0, len(villages), n)]
    vs = pd.Series(v)
    prov = vs.str[:2].map(names).to_numpy(dtype=object)
    reg = vs.str[:5].map(names).to_numpy(dtype=object)
    dist = vs.str[:8].map(names).to_numpy(dtype=object)
    vil = vs.map(names).to_numpy(dtype=object)
    reg = np.where(
        rng.random(n) < 0.3, pd.Series(reg).str.replace("Kabupaten", "KAB.").to_numpy(), reg
    )
    dist = np.where(rng.random(n) < 0.3, "Kec. " + dist, dist)
    dist = _typo(rng, dist, 0.03)
    vil = _typo(rng, np.where(rng.random(n) < 0.3, "Desa " + vil, vil), 0.03)
    districts = w.loc[w["level"] == 3, "code"].to_numpy()
    place = pd.Series(reg).str.replace(r"^(Kabupaten|KAB\.|Kota) ", "", regex=True).to_numpy()
    dob = _dates(rng, n)
    combined = rng.random(n) < 0.05
    birth_place = np.where(combined, place + ", " + pd.Series(dob).fillna("").to_numpy(), place)
    dob = np.where(combined, _NONE, dob)
    rt = pd.Series(rng.integers(1, 20, n)).map("{:03d}".format).to_numpy(dtype=object)
    street = np.array(["Jl. Merdeka", "JLN MAWAR", "Gg. Melati", "Dusun Krajan", "Jl. Raya"])
    address = (
        street[rng.integers(0, len(street), n)].astype(object)
        + " No."
        + pd.Series(rng.integers(1, 200, n)).astype(str).to_numpy(dtype=object)
        + " RT "
        + rt
        + " RW 0"
        + pd.Series(rng.integers(1, 9, n)).astype(str).to_numpy(dtype=object)
    )
    sex = np.array(["L", "P", "Laki-laki", "Perempuan", "LK", "PR", "1", "2", None], dtype=object)
    return pd.DataFrame(
        {
            "source": np.array(["kp2mi", "kemendes", "kemenkop", "bps"])[rng.integers(0, 4, n)],
            "record_id": np.arange(n).astype(str),
            "nik": _niks(rng, n, districts),
            "full_name": _names(rng, n),
            "sex": sex[rng.integers(0, len(sex), n)],
            "birth_date": dob,
            "birth_place": birth_place,
            "phone": _phones(rng, n),
            "passport_no": None,
            "address": address,
            "village": vil,
            "district": dist,
            "regency": reg,
            "province": prov,
            "mother_name": _names(rng, n),
        }
    )


def _rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _time(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def run(quick: bool = False) -> dict[str, object]:
    """Build the records, time ``standardize`` end to end and per part.

    Args:
        quick: 100,000 records instead of 1,000,000.

    Returns:
        A JSON-serialisable dict of sizes, timings (seconds), rows/s and peak RSS (MiB).
    """
    n = 100_000 if quick else 1_000_000
    start = time.perf_counter()
    records = build_records(n)
    build_s = time.perf_counter() - start
    rss_before = _rss_mib()
    ref = "2025-06-01"
    start = time.perf_counter()
    prepared = standardize(records, reference_date=ref)
    total = time.perf_counter() - start
    steps = dict(prepared.attrs.get("standardize_timings", {}))
    del prepared
    rss_after = _rss_mib()
    parts = {
        "names": _time(lambda: parse_names(records["full_name"])),
        "nik": _time(lambda: parse_nik(records["nik"], reference_date=ref)),
        "phone": _time(lambda: normalize_phone(records["phone"])),
        "dates": _time(lambda: parse_date(records["birth_date"], reference_date=ref)),
        "regions": _time(
            lambda: resolve_region(
                records["province"], records["regency"], records["district"], records["village"]
            )
        ),
        "address": _time(lambda: normalize_address(records["address"])),
    }
    return {
        "records": n,
        "unique_names": int(records["full_name"].nunique()),
        "unique_region_combinations": int(
            records[["province", "regency", "district", "village"]].drop_duplicates().shape[0]
        ),
        "build_seconds": round(build_s, 2),
        "standardize_seconds": round(total, 2),
        "rows_per_second": round(n / total),
        "standardize_step_seconds": {k: round(v, 2) for k, v in steps.items()},
        "part_seconds": {k: round(v, 2) for k, v in parts.items()},
        "peak_rss_mib_before": round(rss_before),
        "peak_rss_mib_after": round(rss_after),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
