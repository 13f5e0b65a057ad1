"""One person's history across ministries: records, programmes and placements in time order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import SchemaError
from migrant_records.golden.programmes import (
    PLACEMENT_MINISTRY,
    _prepare_participations,
    _require,
)

__all__ = ["JOURNEY_COLUMNS", "journey"]

_EVENT_ORDER = {"record": 0, "participation": 1, "departure": 2, "return": 3}
JOURNEY_COLUMNS = (
    "date",
    "event",
    "source",
    "record_id",
    "ministry",
    "program_type",
    "programme",
    "detail",
)


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> pd.Timestamp | None:
    stamp = pd.to_datetime(pd.Series([value], dtype=object), errors="coerce").iloc[0]
    return None if pd.isna(stamp) else pd.Timestamp(stamp)


def _join(parts: Mapping[str, object]) -> str:
    return "; ".join(f"{k} {t}" if k else t for k, v in parts.items() if (t := _text(v) or ""))


def journey(
    person_id: object,
    clusters: pd.DataFrame,
    records: pd.DataFrame,
    participations: pd.DataFrame | None = None,
    placements: pd.DataFrame | None = None,
    programmes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One person's records, programme participations and placements in time order.

    Args:
        person_id: The person, as in ``clusters["person_id"]``.
        clusters: ``source, record_id, person_id``.
        records: The canonical or prepared records (for names and a ``ministry`` column when
            present).
        participations: Optional participation table.
        placements: Optional placement table (departure and return become events).
        programmes: Optional programme table, for programme names.

    Returns:
        Columns ``date, event, source, record_id, ministry, program_type, programme,
        detail``. ``event`` is ``record`` (one per record, undated, listed first),
        ``participation`` (dated by ``start_date``), ``departure`` or ``return``. Rows are in
        date order; undated programme rows come last.

    Raises:
        SchemaError: When the person has no records in ``clusters`` or a column is missing.
    """
    _require(clusters, "clusters", ("source", "record_id", "person_id"))
    _require(records, "records", ("source", "record_id"))
    mine = clusters.loc[clusters["person_id"] == person_id, ["source", "record_id"]]
    if mine.empty:
        raise SchemaError(f"No records for person {person_id!r} in clusters.")
    mine = mine.astype(str)
    refs = set(zip(mine["source"], mine["record_id"]))
    ids = set(mine["record_id"])

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        # Hash filter on the record id first, then the exact (source, record_id) check.
        near = frame.loc[frame["record_id"].astype(str).isin(ids).to_numpy()]
        keys = zip(near["source"].astype(str), near["record_id"].astype(str))
        return near.loc[[k in refs for k in keys]]

    source_ministry: dict[str, str] = {}
    if placements is not None:
        for s in placements["source"].astype(str).unique():
            source_ministry[s] = PLACEMENT_MINISTRY
    parts: pd.DataFrame | None = None
    if participations is not None:
        _require(participations, "participations", ("source", "record_id"))
        parts = _prepare_participations(own(participations), programmes)
        if "ministry" in participations.columns:
            first = participations.drop_duplicates("source")
            source_ministry.update(dict(zip(first["source"].astype(str), first["ministry"])))
        first = parts.drop_duplicates("source")
        source_ministry.update(dict(zip(first["source"].astype(str), first["ministry"])))

    rows: list[dict[str, object]] = []
    recs = own(records).copy()
    recs["source"] = recs["source"].astype(str)
    recs["record_id"] = recs["record_id"].astype(str)
    recs = recs.sort_values(["source", "record_id"], kind="stable")
    for rec in recs.to_dict("records"):
        ministry = _text(rec.get("ministry")) or source_ministry.get(rec["source"])
        rows.append(
            {
                "date": pd.NaT,
                "event": "record",
                "source": rec["source"],
                "record_id": rec["record_id"],
                "ministry": ministry,
                "program_type": None,
                "programme": None,
                "detail": _join(
                    {
                        "": rec.get("full_name"),
                        "NIK": rec.get("nik"),
                        "born": rec.get("birth_date"),
                        "in": rec.get("regency") or rec.get("village"),
                    }
                ),
            }
        )
    if parts is not None:
        for p in parts.to_dict("records"):
            rows.append(
                {
                    "date": _date(p.get("start_date")),
                    "event": "participation",
                    "source": str(p["source"]),
                    "record_id": str(p["record_id"]),
                    "ministry": p.get("ministry"),
                    "program_type": p.get("program_type"),
                    "programme": _text(p.get("name")) or _text(p.get("program_id")),
                    "detail": _join(
                        {
                            "id": p.get("program_id"),
                            "until": p.get("end_date"),
                            "status": p.get("status"),
                        }
                    ),
                }
            )
    if placements is not None:
        for pl in own(placements).to_dict("records"):
            where = _join(
                {
                    "to": pl.get("destination_country"),
                    "as": pl.get("occupation"),
                    "at": pl.get("employer"),
                    "status": pl.get("status"),
                }
            )
            for event, col in (("departure", "departure_date"), ("return", "return_date")):
                date = _date(pl.get(col))
                if event == "return" and pd.isna(date):
                    continue
                rows.append(
                    {
                        "date": date,
                        "event": event,
                        "source": str(pl["source"]),
                        "record_id": str(pl["record_id"]),
                        "ministry": PLACEMENT_MINISTRY,
                        "program_type": "PLACEMENT",
                        "programme": _text(pl.get("placement_id")),
                        "detail": where,
                    }
                )
    out = pd.DataFrame(rows, columns=list(JOURNEY_COLUMNS))
    out["date"] = pd.to_datetime(out["date"])
    is_record = (out["event"] == "record").to_numpy()
    dates = out["date"].to_numpy(dtype="datetime64[ns]")
    order = np.lexsort(
        [
            out["record_id"].to_numpy(dtype=str),
            out["source"].to_numpy(dtype=str),
            out["event"].map(_EVENT_ORDER).to_numpy(),
            np.where(np.isnat(dates), np.datetime64(pd.Timestamp.min.value, "ns"), dates),
            out["date"].isna().to_numpy() & ~is_record,
            ~is_record,
        ]
    )
    return out.iloc[order].reset_index(drop=True)
