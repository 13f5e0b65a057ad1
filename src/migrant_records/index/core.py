"""The :class:`PersonIndex`: a living person index in DuckDB or PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, MigrantRecordsError
from migrant_records.index import _engine as engine
from migrant_records.index.apply import Change, apply_change
from migrant_records.index.build import load_result
from migrant_records.index.cache import ReadCache
from migrant_records.index.changes import ChangeSet, stored_changes
from migrant_records.index.counters import Counters
from migrant_records.index.lookup import lookup_records
from migrant_records.index.rows import digest
from migrant_records.index.store import Backend, create_indexes, create_schema
from migrant_records.index.store import migrate as check_schema
from migrant_records.inputs import InputLike, collect_inputs
from migrant_records.matcher import Matcher
from migrant_records.result import MatchResult

__all__ = ["PersonIndex", "UnknownPersonError", "UnknownRecordError"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class UnknownRecordError(MigrantRecordsError, LookupError):
    """A record named in ``update`` or ``remove`` is not in the index."""


class UnknownPersonError(MigrantRecordsError, LookupError):
    """A person id that the index never issued."""


def connect(target: str | Path, *, timeout: float = 30.0) -> Backend:
    """Open the database: a PostgreSQL URL, else a DuckDB file path."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        from migrant_records.index.pg import PostgresBackend

        return PostgresBackend(text, timeout=timeout)
    from migrant_records.index.duck import DuckDBBackend

    return DuckDBBackend(text, timeout=timeout)


def _key_frame(keys: Any) -> pd.DataFrame:
    if isinstance(keys, pd.DataFrame):
        frame = keys
    else:
        frame = pd.DataFrame(list(keys), columns=["source", "record_id"])
    missing = {"source", "record_id"} - set(frame.columns)
    if missing:
        raise ConfigError(
            f"Records are named by source and record_id; missing column(s) {sorted(missing)}."
        )
    return pd.DataFrame(
        {"source": frame["source"].astype(str), "record_id": frame["record_id"].astype(str)}
    ).drop_duplicates(ignore_index=True)


class PersonIndex:
    """A standing person index: add records as they come, ids stay stable.

    Create one with :meth:`create` (from a trained matcher, optionally with the result of a
    first ``dedupe``) and open it again with :meth:`open`. The target is a DuckDB file path
    or a PostgreSQL URL (``postgresql://user@host/db``, with the ``postgres`` extra).

    Every writing operation runs in one transaction: it happens entirely or not at all.
    On DuckDB, one process at a time may open the file (others wait up to ``timeout``
    seconds, then fail with ``IndexBusyError``); on PostgreSQL, writers queue on a lock.

    Example:
        >>> import migrant_records as mr
        >>> from migrant_records.index import PersonIndex
        >>> data = mr.synth.generate(people=300, seed=3)
        >>> matcher = mr.Matcher(progress=False)
        >>> result = matcher.dedupe(data.records())  # doctest: +SKIP
        >>> index = PersonIndex.create("persons.duckdb", matcher, result)  # doctest: +SKIP
        >>> index.add(next_month).summary()  # doctest: +SKIP
    """

    def __init__(self, backend: Backend, matcher: Matcher) -> None:
        self._backend = backend
        self.matcher = matcher
        self._cache = ReadCache()

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(
        cls,
        target: str | Path,
        matcher: Matcher,
        result: MatchResult | None = None,
        *,
        timeout: float = 30.0,
    ) -> PersonIndex:
        """Create an index that matches with ``matcher``.

        Args:
            target: A DuckDB file path (must not hold an index yet) or a PostgreSQL URL.
            matcher: A trained matcher (its passes, comparators, model and threshold are
                stored in the index and used for every later operation).
            result: Optionally the result of ``matcher.dedupe(records)``: its records and
                clusters become the index's first persons (ids ``P000000001`` ... in the
                order of each cluster's first record).
            timeout: Seconds to wait for another process holding the index.

        Returns:
            The open index.
        """
        engine.check_matcher(matcher)
        if result is not None and result.link:
            raise ConfigError("A person index is built from a dedupe result, not a link result.")
        backend = connect(target, timeout=timeout)
        index = cls(backend, engine.matcher_from_json(engine.matcher_to_json(matcher)))

        def build(counters: Counters) -> ChangeSet | None:
            tf_cols = ",".join(sorted(set(engine.tf_columns(index.matcher).values())))
            backend.insert(
                "mr_meta",
                pd.DataFrame(
                    {
                        "name": ["matcher", "tf_columns"],
                        "value": [engine.matcher_to_json(index.matcher), tf_cols],
                    }
                ),
            )
            loaded = None
            if result is not None:
                index._pin_profile(result.records.attrs.get("profile"))
                loaded = load_result(backend, index.matcher, result, counters)
            else:
                counters.save()
            create_indexes(backend)
            return loaded

        try:
            index._write(build, fresh_schema=True)
        except BaseException:
            backend.close()
            raise
        return index

    @classmethod
    def open(
        cls, target: str | Path, *, migrate: bool = False, timeout: float = 30.0
    ) -> PersonIndex:
        """Open an existing index.

        Args:
            target: The DuckDB file or PostgreSQL URL given to :meth:`create`.
            migrate: Upgrade an index written by an older version of the library (back it up
                first); without it such an index is refused with a message.
            timeout: Seconds to wait for another process holding the index.
        """
        if (
            not str(target).startswith(("postgresql://", "postgres://"))
            and not Path(target).exists()
        ):
            raise ConfigError(
                f"No index at {target}: create one with PersonIndex.create() or "
                "`migrant-records index create`."
            )
        backend = connect(target, timeout=timeout)
        try:
            backend.begin(write=migrate)
            check_schema(backend, apply=migrate)
            text = backend.scalar("SELECT value FROM mr_meta WHERE name = ?", ["matcher"])
            profile = backend.scalar("SELECT value FROM mr_meta WHERE name = ?", ["profile"])
            backend.commit()
        except BaseException:
            backend.rollback()
            backend.close()
            raise
        matcher = engine.matcher_from_json(str(text))
        if profile is not None:
            matcher.profile = str(profile)
        return cls(backend, matcher)

    def close(self) -> None:
        """Close the connection (on DuckDB, other processes may then open the file)."""
        self._backend.close()

    def __enter__(self) -> PersonIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def _pin_profile(self, chosen: object) -> None:
        """Keep the name profile ``auto`` chose for the first records, for every later one.

        Standardising a batch (or one lookup record) with a profile chosen from that batch
        alone could spell the same name two ways; the index keeps the first choice in
        ``mr_meta`` (inside the caller's writing transaction).
        """
        if self.matcher.profile != "auto" or not isinstance(chosen, str):
            return
        self._backend.execute("DELETE FROM mr_meta WHERE name = ?", ["profile"])
        self._backend.execute(
            "INSERT INTO mr_meta (name, value) VALUES (?, ?)", ["profile", chosen]
        )
        self.matcher.profile = chosen

    def _write(self, fn: Callable[[Counters], T], *, fresh_schema: bool = False) -> T:
        backend = self._backend
        backend.begin(write=True)
        try:
            if fresh_schema:
                create_schema(backend)
            else:
                check_schema(backend, apply=False)
            out = fn(Counters(backend))
            backend.commit()
        except BaseException:
            backend.rollback()
            raise
        finally:
            self._cache.clear()
        return out

    def _existing(self, keys: pd.DataFrame) -> pd.DataFrame:
        self._backend.temp("mr_tmp_keys_in", keys[["source", "record_id"]])
        return self._backend.query(
            "SELECT r.source AS source, r.record_id AS record_id, r.rid AS rid, "
            "r.digest AS digest, r.person_id AS person_id FROM mr_records r "
            "JOIN mr_tmp_keys_in k ON r.source = k.source AND r.record_id = k.record_id"
        )

    def _upsert(
        self, data: InputLike | Iterable[InputLike], operation: str, strict: bool
    ) -> ChangeSet:
        raw, rejects = collect_inputs(data)
        fresh = engine.prepare(raw, self.matcher)
        keys = _key_frame(fresh)

        def run(counters: Counters) -> ChangeSet:
            self._pin_profile(fresh.attrs.get("profile"))
            found = self._existing(keys)
            if strict and len(found) < len(keys):
                missing = keys.merge(found, how="left", on=["source", "record_id"])
                missing = missing[missing["rid"].isna()]
                shown = ", ".join(
                    f"{s}|{r}" for s, r in missing[["source", "record_id"]].head(5).to_numpy()
                )
                raise UnknownRecordError(
                    f"{len(missing)} record(s) to update are not in the index ({shown}); "
                    "add them with add()."
                )
            at = pd.MultiIndex.from_frame(found[["source", "record_id"]])
            pos = at.get_indexer(pd.MultiIndex.from_frame(keys))
            stored_digest = np.append(found["digest"].to_numpy(np.int64), 0)[pos]
            same = (pos >= 0) & (stored_digest == digest(fresh))
            todo = ~same
            rids = np.append(found["rid"].to_numpy(np.int64), -1)[pos]
            new = todo & (pos < 0)
            rids[new] = counters.take("rid", int(new.sum()))
            change = Change(
                operation=operation,
                fresh=fresh[todo].reset_index(drop=True),
                fresh_rids=rids[todo].astype(np.int64),
                updated=rids[todo & (pos >= 0)].astype(np.int64),
                removed=np.empty(0, np.int64),
                unchanged=int(same.sum()),
            )
            out = apply_change(self._backend, self.matcher, change, counters)
            out.rejects = rejects
            return out

        return self._write(run)

    def add(self, data: InputLike | Iterable[InputLike]) -> ChangeSet:
        """Add records: match them against the index and each other, update the persons.

        Records already in the index with the same content change nothing (they are counted
        as ``unchanged``); records whose ``(source, record_id)`` is known but whose content
        differs are corrections (as in :meth:`update`).

        Args:
            data: Canonical records: a DataFrame, a ``Batch``, a file path, or a list of them.

        Returns:
            The :class:`ChangeSet`: new persons, records attached to known persons, merges
            and splits, each with its evidence; rejected rows are in ``rejects``.
        """
        return self._upsert(data, "add", strict=False)

    def update(self, data: InputLike | Iterable[InputLike]) -> ChangeSet:
        """Correct records already in the index; only the persons concerned are re-evaluated.

        Raises:
            UnknownRecordError: A record is not in the index.
        """
        return self._upsert(data, "update", strict=True)

    def remove(self, keys: pd.DataFrame | Iterable[tuple[str, str]]) -> ChangeSet:
        """Erase records: their data, keys and pair scores are deleted, not flagged.

        The persons they belonged to are re-evaluated; a person left without records is
        retired (its id is never reused). The history keeps only a non-identifying entry
        (an ``erase`` event naming the person, not the record).

        Args:
            keys: ``source, record_id`` of the records (a frame or pairs).

        Raises:
            UnknownRecordError: A record is not in the index.
        """
        wanted = _key_frame(keys)

        def run(counters: Counters) -> ChangeSet:
            found = self._existing(wanted)
            if len(found) < len(wanted):
                raise UnknownRecordError(
                    f"{len(wanted) - len(found)} record(s) to remove are not in the index."
                )
            change = Change(
                operation="remove",
                fresh=pd.DataFrame(),
                fresh_rids=np.empty(0, np.int64),
                updated=np.empty(0, np.int64),
                removed=found["rid"].to_numpy(np.int64),
            )
            return apply_change(self._backend, self.matcher, change, counters)

        return self._write(run)

    # ------------------------------------------------------------------ reading
    def _read(self, fn: Callable[[], T]) -> T:
        self._backend.begin(write=False)
        try:
            return fn()
        finally:
            self._backend.rollback()

    def lookup(self, records: pd.DataFrame | Mapping[str, Any], k: int = 5) -> pd.DataFrame:
        """The persons most likely to be the given record(s), without adding anything.

        Args:
            records: One record (a mapping of canonical columns) or a frame of them;
                ``source`` and ``record_id`` are optional.
            k: Candidates per record.

        Returns:
            ``query`` (row of the input), ``rank``, ``person_id``, ``probability``,
            ``match_weight``, ``source`` and ``record_id`` of the best matching stored record,
            and ``explanation`` (each comparator's level and weight).
        """
        frame = pd.DataFrame([dict(records)]) if isinstance(records, Mapping) else records
        frame = frame.reset_index(drop=True).copy()
        filled = [c for c in ("source", "record_id") if c not in frame.columns]
        if "source" not in frame.columns:
            frame["source"] = "query"
        if "record_id" not in frame.columns:
            frame["record_id"] = [str(i) for i in range(len(frame))]
        raw, rejects = collect_inputs(frame)
        if len(rejects):
            raise ConfigError(f"Lookup record(s) refused: {rejects['reason'].tolist()[:5]}.")
        roles = engine.person_roles(raw, ignore=filled)
        prepared = engine.prepare(raw, self.matcher, person_columns=roles)
        prepared.attrs.clear()  # pandas deep-copies attrs into every frame derived from it
        return self._read(
            lambda: lookup_records(self._backend, self.matcher, prepared, k, self._cache)
        )

    def resolve(self, person_id: str) -> str | None:
        """The current id of a person: itself, the survivor it merged into, or None if retired.

        Raises:
            UnknownPersonError: The index never issued this id.
        """

        def run() -> str | None:
            current = str(person_id)
            for _ in range(10_000):
                row = self._backend.query(
                    "SELECT status, alias_of FROM mr_persons WHERE person_id = ?", [current]
                )
                if row.empty:
                    raise UnknownPersonError(f"The index never issued person id {current!r}.")
                status = row["status"].iloc[0]
                if status == "alias":
                    current = str(row["alias_of"].iloc[0])
                    continue
                return None if status == "retired" else current
            raise MigrantRecordsError(f"Alias chain of {person_id!r} does not end.")

        return self._read(run)

    def crosswalk(self) -> pd.DataFrame:
        """``source, record_id, person_id`` of every record."""
        return self._read(
            lambda: self._backend.query(
                "SELECT source, record_id, person_id FROM mr_records ORDER BY rid"
            )
        )

    def persons(self) -> pd.DataFrame:
        """Every id issued: ``person_id, status, alias_of, origin, records``."""
        return self._read(
            lambda: self._backend.query(
                "SELECT p.person_id AS person_id, p.status AS status, p.alias_of AS alias_of, "
                "p.origin AS origin, COUNT(r.rid) AS records FROM mr_persons p "
                "LEFT JOIN mr_records r ON r.person_id = p.person_id "
                "GROUP BY p.person_id, p.seq, p.status, p.alias_of, p.origin ORDER BY p.seq"
            )
        )

    def history(self, person_id: str | None = None) -> pd.DataFrame:
        """The id events (all, or those naming ``person_id``), oldest first.

        Returns:
            ``event_id, run_id, run_at, operation, event, person_id, other_id, source,
            record_id`` (the record's names are gone once it is erased).
        """
        where, params = "", []
        if person_id is not None:
            where, params = "WHERE h.person_id = ? OR h.other_id = ?", [person_id, person_id]
        sql = (
            "SELECT h.event_id AS event_id, h.run_id AS run_id, u.run_at AS run_at, "
            "u.operation AS operation, h.event AS event, h.person_id AS person_id, "
            "h.other_id AS other_id, r.source AS source, r.record_id AS record_id "
            "FROM mr_history h JOIN mr_runs u ON u.run_id = h.run_id "
            f"LEFT JOIN mr_records r ON r.rid = h.rid {where} ORDER BY h.event_id"
        )
        return self._read(lambda: self._backend.query(sql, params))

    def changes(self, run_id: int | None = None) -> ChangeSet:
        """What one earlier run changed, read back from the stored history.

        Args:
            run_id: The run (see :meth:`runs`); by default the latest ``add``, ``update`` or
                ``remove``: the changes since the run before it.

        Returns:
            The run's :class:`ChangeSet` (``unchanged`` is not stored and reads 0; records
            erased since are no longer named).

        Raises:
            ConfigError: The index has no such run (or no run after its creation).
        """

        def run() -> ChangeSet:
            wanted = run_id
            if wanted is None:
                wanted = self._backend.scalar(
                    "SELECT MAX(run_id) FROM mr_runs WHERE operation <> 'create'"
                )
                if wanted is None or pd.isna(wanted):
                    raise ConfigError("The index has no run after its creation yet.")
            found = self._backend.scalar(
                "SELECT COUNT(*) FROM mr_runs WHERE run_id = ?", [int(wanted)]
            )
            if not found:
                raise ConfigError(f"The index has no run {wanted}; see PersonIndex.runs().")
            return stored_changes(self._backend, int(wanted))

        return self._read(run)

    def runs(self) -> pd.DataFrame:
        """The run log: ``run_id, run_at, operation, n_records, summary``."""
        return self._read(lambda: self._backend.query("SELECT * FROM mr_runs ORDER BY run_id"))

    def __len__(self) -> int:
        return int(self._read(lambda: self._backend.scalar("SELECT COUNT(*) FROM mr_records")))

    def __repr__(self) -> str:
        return f"PersonIndex({self._backend.kind}, {len(self)} records)"
