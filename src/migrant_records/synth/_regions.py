"""The home villages of the population and region names as each source spells them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from migrant_records.errors import ConfigError
from migrant_records.synth import _strings as st
from migrant_records.synth._arrays import IntArray, ObjArray
from migrant_records.synth._tables import HOME_REGENCIES

__all__ = ["Regions", "load_regions", "region_names", "region_table"]


@dataclass(frozen=True)
class Regions:
    """Villages of the home regencies with their district, regency and province."""

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
def load_regions() -> Regions:
    """The villages of :data:`HOME_REGENCIES` from the shipped region list (cached)."""
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
    return Regions(
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


@lru_cache(maxsize=8)
def region_table(style: str) -> tuple[ObjArray, ObjArray, ObjArray, ObjArray]:
    """Village-level region names in one style: village, district, province and a
    ``(k, n_villages)`` array of regency spellings (one row per variant)."""
    reg = load_regions()
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


def region_names(rng: np.random.Generator, idx: IntArray, style: str) -> dict[str, ObjArray]:
    """Village, district, regency and province names of villages ``idx`` in ``style``."""
    village, district, province, regency = region_table(style)
    k = regency.shape[0]
    p = np.asarray(_REGENCY_P.get(style, (1.0 / k,) * k))
    variant = rng.choice(k, size=len(idx), p=p / p.sum())
    return {
        "village": village[idx],
        "district": district[idx],
        "regency": regency[variant, idx],
        "province": province[idx],
    }
