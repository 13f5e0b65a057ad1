"""The person-id rules of the index.

After an operation re-clusters a few persons' records (plus new ones), each new cluster gets
an id by these rules:

- A person id, once issued, is never reused and never silently renamed.
- Each earlier person ``P`` *keeps* the cluster that holds most of its earlier records
  (ties: the cluster holding its earliest-added record).
- A cluster kept by one earlier person gets that person's id.
- Merge: a cluster kept by several earlier persons gets the earliest issued of their ids;
  the others become aliases that resolve to it.
- Split: a cluster kept by nobody but holding earlier records of ``P`` gets a new id whose
  history names ``P`` as its origin; earlier records of ``P`` that join a cluster kept by
  another person are recorded as moved from ``P``.
- A cluster of new records only gets a new id.

Example:
    >>> import numpy as np
    >>> plan = assign_ids(
    ...     labels=np.array([0, 0, 1]),
    ...     prior=np.array(["P2", "P1", None], dtype=object),
    ...     rids=np.array([5, 3, 9]),
    ...     seq={"P1": 1, "P2": 2},
    ...     mint=iter(["P3"]).__next__,
    ... )
    >>> plan.person_of.tolist()
    ['P1', 'P1', 'P3']
    >>> plan.aliases
    [('P2', 'P1')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["IdPlan", "assign_ids"]


@dataclass
class IdPlan:
    """What an operation does to person ids.

    Attributes:
        person_of: The person id of each local record after the operation.
        new_persons: ``(person_id, origin)`` of the ids issued (origin: the person a split
            part came from, or None).
        aliases: ``(alias, survivor)`` for every merge.
        events: ``event, person_id, other_id, label, rid`` rows: ``new``, ``attach`` (a new
            record joins ``person_id``), ``merge`` (``other_id`` became an alias of
            ``person_id``), ``split`` (records of ``other_id`` now form or join
            ``person_id``).
    """

    person_of: np.ndarray
    new_persons: list[tuple[str, str | None]] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)


def assign_ids(
    labels: np.ndarray,
    prior: np.ndarray,
    rids: np.ndarray,
    seq: Mapping[str, int],
    mint: Callable[[], str],
) -> IdPlan:
    """Apply the id rules to a local re-clustering.

    Args:
        labels: New cluster label of each local record.
        prior: Person id of each local record before the operation (None: a new record).
        rids: Internal record id of each local record (smaller = added earlier).
        seq: Issue order of every earlier person id present in ``prior``.
        mint: Returns a new person id each call.

    Returns:
        The :class:`IdPlan`.
    """
    labels = np.asarray(labels, dtype=np.int64)
    prior = np.asarray(prior, dtype=object)
    rids = np.asarray(rids, dtype=np.int64)
    frame = pd.DataFrame({"label": labels, "prior": prior, "rid": rids})
    earlier = frame[frame["prior"].notna()]
    keeper: dict[str, int] = {}
    if not earlier.empty:
        stats = (
            earlier.groupby(["prior", "label"], sort=False)
            .agg(n=("rid", "size"), first=("rid", "min"))
            .reset_index()
            .sort_values(["prior", "n", "first"], ascending=[True, False, True])
        )
        best = stats.drop_duplicates("prior")
        keeper = dict(zip(best["prior"].tolist(), best["label"].astype(int).tolist()))
    claims: dict[int, list[str]] = {}
    for person, label in keeper.items():
        claims.setdefault(label, []).append(person)

    events: list[tuple[str, str, str | None, int, int | None]] = []
    plan = IdPlan(person_of=np.empty(len(frame), dtype=object))
    id_of_label: dict[int, str] = {}
    groups = pd.Series(np.arange(len(labels))).groupby(labels, sort=False).indices
    for label in pd.unique(labels).tolist():
        members = groups[label]
        owners = sorted(claims.get(label, []), key=lambda p: (seq.get(p, 0), p))
        member_prior = prior[members]
        if owners:
            pid = owners[0]
            for other in owners[1:]:
                plan.aliases.append((other, pid))
                events.append(("merge", pid, other, label, None))
        else:
            came_from = sorted(
                {p for p in member_prior if p is not None}, key=lambda p: (seq.get(p, 0), p)
            )
            pid = mint()
            plan.new_persons.append((pid, came_from[0] if came_from else None))
            if not came_from:
                events.append(("new", pid, None, label, None))
        id_of_label[label] = pid
        moved = {p for p in member_prior if p is not None and keeper.get(p) != label}
        for p in sorted(moved):
            events.append(("split", pid, p, label, None))
        for rid in rids[members][pd.isna(member_prior)].tolist():
            events.append(("attach", pid, None, label, int(rid)))
    plan.person_of = np.array([id_of_label[int(lab)] for lab in labels], dtype=object)
    plan.events = pd.DataFrame(
        events, columns=["event", "person_id", "other_id", "label", "rid"]
    ).astype({"rid": "Int64"})
    return plan
