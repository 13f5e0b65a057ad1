"""The :class:`MatchResult` returned by ``dedupe`` and ``link``."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from migrant_records.compare import Comparator
    from migrant_records.golden import ProgrammeOverview

__all__ = ["MatchResult"]


@dataclass
class MatchResult:
    """A person index: which records are the same person, how sure, and why.

    Attributes:
        records: The prepared (standardised) records; row position is the record number used
            by pairs. For ``link``, the left rows come first, then the right rows.
        clusters: ``source, record_id, person_id``: every input record exactly once.
        pair_left: Row positions (into ``records``) of the first record of each scored pair.
        pair_right: Row positions of the second record of each scored pair.
        match_weight: Match weight (log2 odds, prior included) per pair.
        match_probability: Match probability per pair.
        gamma: Comparison levels per pair and comparator (int8, -1 = null).
        tf: Term frequencies of agreed values per term-frequency-adjusted comparator.
        comparators: The comparators, in ``gamma`` column order.
        model: The trained model.
        threshold: Match probability at or above which records were joined.
        rejects: Input rows that were rejected, with reasons.
        timings: Seconds spent per stage.
        pass_counts: Candidate pairs produced by each blocking pass.
        largest_blocks: The largest blocks per blocking pass.
        n_left: Number of left records (all records for dedupe).
        link: Whether this is a link (two sides) rather than a dedupe.
        blocking_warnings: Oversized blocks that blocking skipped, with the key that caused
            each (also logged as warnings).
        participations: Programme participations, for programme views and journeys.
        placements: Placements abroad, for programme views and journeys.
        programmes: Programme table.
    """

    records: pd.DataFrame
    clusters: pd.DataFrame
    pair_left: np.ndarray
    pair_right: np.ndarray
    match_weight: np.ndarray
    match_probability: np.ndarray
    gamma: np.ndarray
    tf: Mapping[str, np.ndarray] | None
    comparators: list[Comparator]
    model: Any
    threshold: float
    rejects: pd.DataFrame
    timings: dict[str, float]
    pass_counts: dict[str, int]
    largest_blocks: pd.DataFrame
    n_left: int
    link: bool = False
    blocking_warnings: list[str] = field(default_factory=list)
    participations: pd.DataFrame | None = None
    placements: pd.DataFrame | None = None
    programmes: pd.DataFrame | None = None
    _pairs: pd.DataFrame | None = field(default=None, repr=False)
    _frequencies: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ tables
    @property
    def pairs(self) -> pd.DataFrame:
        """Scored candidate pairs.

        Columns: ``source_l, record_id_l, source_r, record_id_r, match_weight,
        match_probability`` and one ``gamma_<comparator>`` level column per comparator.
        Identifiers are categorical columns, so the table stays small for millions of pairs.
        """
        if self._pairs is None:
            src = pd.Categorical(self.records["source"].astype(str))
            rid = pd.Categorical(self.records["record_id"].astype(str))
            data: dict[str, Any] = {
                "source_l": pd.Categorical.from_codes(
                    src.codes[self.pair_left], categories=src.categories
                ),
                "record_id_l": pd.Categorical.from_codes(
                    rid.codes[self.pair_left], categories=rid.categories
                ),
                "source_r": pd.Categorical.from_codes(
                    src.codes[self.pair_right], categories=src.categories
                ),
                "record_id_r": pd.Categorical.from_codes(
                    rid.codes[self.pair_right], categories=rid.categories
                ),
                "match_weight": self.match_weight,
                "match_probability": self.match_probability,
            }
            for k, comp in enumerate(self.comparators):
                data[f"gamma_{comp.name}"] = self.gamma[:, k]
            self._pairs = pd.DataFrame(data)
        return self._pairs

    def matches(self, threshold: float | None = None) -> pd.DataFrame:
        """Pairs at or above a match probability (default: the result's threshold)."""
        cut = self.threshold if threshold is None else threshold
        return self.pairs.loc[self.match_probability >= cut].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Counts of the run: records, rejects, candidate pairs, matches, persons, timings."""
        sizes = self.clusters.groupby("person_id", sort=False).size()
        per_source = self.records["source"].value_counts().sort_index()
        return {
            "records": len(self.records),
            "sources": {str(k): int(v) for k, v in per_source.items()},
            "rejects": len(self.rejects),
            "candidate_pairs": len(self.pair_left),
            "matched_pairs": int((self.match_probability >= self.threshold).sum()),
            "persons": len(sizes),
            "persons_with_several_records": int((sizes > 1).sum()),
            "largest_person": int(sizes.max()) if len(sizes) else 0,
            "threshold": self.threshold,
            "blocking_warnings": len(self.blocking_warnings),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    # ------------------------------------------------------------------ lookups
    def _position(self, ref: str | tuple[str, str]) -> int:
        rec = self.records
        if isinstance(ref, tuple):
            source, record_id = ref
            hit = np.flatnonzero(
                (rec["source"].astype(str).to_numpy() == str(source))
                & (rec["record_id"].astype(str).to_numpy() == str(record_id))
            )
        else:
            hit = np.flatnonzero(rec["record_id"].astype(str).to_numpy() == str(ref))
            if len(hit) > 1:
                raise ConfigError(
                    f"record_id {ref!r} exists in several sources "
                    f"({', '.join(rec['source'].iloc[hit].astype(str))}): name it as "
                    "(source, record_id)."
                )
        if len(hit) == 0:
            raise ConfigError(f"No record {ref!r} in this result.")
        return int(hit[0])

    def explain(self, left: str | tuple[str, str], right: str | tuple[str, str]) -> pd.DataFrame:
        """Why two records were (or were not) matched.

        Args:
            left: The first record, as ``(source, record_id)`` or a unique ``record_id``.
            right: The second record.

        Returns:
            One row for the prior, one per comparator and one for the total, with columns
            ``comparator, columns, value_l, value_r, level, label, m, u, weight, tf_weight``
            (weight contributions in log2 units; ``tf_weight`` is the term-frequency part,
            shown separately) and ``probability`` on the total row.
        """
        from migrant_records.explain.pairs import explain_pair

        a, b = self._position(left), self._position(right)
        if self.link and (a >= self.n_left) == (b >= self.n_left):
            raise ConfigError("In a link result, name one record from each side.")
        return explain_pair(
            self.records, self.comparators, self.model, a, b, frequencies=self._frequencies
        )

    def explain_chart(self, left: str | tuple[str, str], right: str | tuple[str, str]) -> Figure:
        """A waterfall chart of :meth:`explain` (needs the ``plot`` extra)."""
        from migrant_records.explain.charts import waterfall

        return waterfall(self.explain(left, right))

    def weight_histogram(self) -> Figure:
        """Histogram of the match weights of all scored pairs, with the threshold marked."""
        from migrant_records.explain.charts import weight_histogram

        return weight_histogram(self.match_weight, threshold_weight=self.threshold_weight)

    def m_u_chart(self) -> Figure:
        """m and u probabilities per comparator level (Fellegi-Sunter models)."""
        from migrant_records.explain.charts import m_u_chart

        return m_u_chart(self.parameters())

    def blocking_chart(self) -> Figure:
        """Candidate pairs produced by each blocking pass."""
        from migrant_records.explain.charts import blocking_chart

        return blocking_chart(self.pass_counts)

    @property
    def threshold_weight(self) -> float:
        """The clustering threshold expressed as a match weight."""
        p = min(max(self.threshold, 1e-12), 1 - 1e-12)
        return float(np.log2(p / (1 - p)))

    def parameters(self) -> pd.DataFrame:
        """The model's parameters per comparator level (empty for models without m/u)."""
        frame = getattr(self.model, "parameters_frame", None)
        return frame() if frame is not None else pd.DataFrame()

    # ------------------------------------------------------------------ downstream views
    def golden_records(
        self,
        rules: Mapping[str, Any] | None = None,
        *,
        source_priority: Sequence[str] | None = None,
        recency: str | Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """One clean record per person with provenance (see :func:`golden_records`)."""
        from migrant_records.golden import golden_records

        return golden_records(
            self.records,
            self.clusters,
            rules=rules,
            source_priority=source_priority,
            recency=recency,
        )

    def programme_overview(
        self,
        participations: pd.DataFrame | None = None,
        *,
        placements: pd.DataFrame | None = None,
        programmes: pd.DataFrame | None = None,
    ) -> ProgrammeOverview:
        """Unique persons per programme and ministry, and overlaps between programmes."""
        from migrant_records.golden import programme_overview

        parts = participations if participations is not None else self.participations
        if parts is None:
            raise ConfigError(
                "No participation table: pass participations=... here or to dedupe()."
            )
        return programme_overview(
            self.clusters,
            parts,
            programmes=programmes if programmes is not None else self.programmes,
            placements=placements if placements is not None else self.placements,
        )

    def journey(self, person_id: str) -> pd.DataFrame:
        """One person's records, programmes and placements in time order."""
        from migrant_records.golden import journey

        if person_id not in set(self.clusters["person_id"]):
            raise ConfigError(f"No person {person_id!r} in this result.")
        return journey(
            person_id,
            self.clusters,
            self.records,
            participations=self.participations,
            placements=self.placements,
        )

    def review_sheet(
        self,
        path: str | Path,
        *,
        low: float = 0.3,
        high: float = 0.9,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Write the uncertain pairs to a CSV or XLSX sheet for a reviewer to label.

        Fill the ``is_match`` column and read it back with
        :func:`migrant_records.read_labels`; pass the labels to ``Matcher.fit`` or
        ``dedupe(labels=...)``.
        """
        from migrant_records.explain.review import review_sheet

        return review_sheet(self.pairs, self.records, path, low=low, high=high, limit=limit)

    def uncertain_pairs(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` scored pairs whose probability is closest to the threshold."""
        distance = np.abs(self.match_weight - self.threshold_weight)
        order = np.argsort(distance, kind="stable")[:n]
        return self.pairs.iloc[order].reset_index(drop=True)

    # ------------------------------------------------------------------ output
    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``clusters.csv``, ``pairs.parquet`` and ``rejects.csv`` into a folder."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "clusters": out / "clusters.csv",
            "pairs": out / "pairs.parquet",
            "rejects": out / "rejects.csv",
        }
        self.clusters.to_csv(paths["clusters"], index=False)
        self.pairs.to_parquet(paths["pairs"], index=False)
        self.rejects.to_csv(paths["rejects"], index=False)
        return paths

    def write_report(self, path: str | Path, *, n_uncertain: int = 8) -> Path:
        """Write a self-contained HTML report (summary, rejects, blocking, model, pairs)."""
        from migrant_records.explain.report import write_report

        uncertain = []
        top = self.uncertain_pairs(n_uncertain)
        for k in range(len(top)):
            row = top.iloc[k]
            left = (str(row["source_l"]), str(row["record_id_l"]))
            right = (str(row["source_r"]), str(row["record_id_r"]))
            info: dict[str, object] = {
                "left": f"{left[0]}:{left[1]}",
                "right": f"{right[0]}:{right[1]}",
                "match_probability": float(top["match_probability"].iloc[k]),
                "match_weight": float(top["match_weight"].iloc[k]),
            }
            uncertain.append((info, self.explain(left, right)))
        overview = None
        if self.participations is not None:
            overview = self.programme_overview()
        blocking = pd.DataFrame(
            {"pass": list(self.pass_counts), "pairs": list(self.pass_counts.values())}
        )
        summary = self.summary()
        summary_flat = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        summary_flat.update({f"source {k}": v for k, v in summary["sources"].items()})
        return write_report(
            path,
            title="migrant-records: person index report",
            summary=summary_flat,
            rejects=self.rejects,
            blocking=blocking,
            parameters=self.parameters(),
            match_weight=self.match_weight,
            threshold_weight=self.threshold_weight,
            uncertain=uncertain,
            programme_overview=overview,
        )

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"MatchResult(records={s['records']}, persons={s['persons']}, "
            f"candidate_pairs={s['candidate_pairs']}, matched_pairs={s['matched_pairs']}, "
            f"threshold={self.threshold})"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in s.items()
            if not isinstance(v, dict)
        )
        sources = ", ".join(f"{html.escape(k)}: {v}" for k, v in s["sources"].items())
        top = self.matches().head(5)
        table = top.to_html(index=False, max_cols=8) if len(top) else "<p>No matched pairs.</p>"
        return (
            "<div><h4>MatchResult</h4><table>"
            f"{rows}<tr><th style='text-align:left'>sources</th><td>{sources}</td></tr>"
            f"</table><h5>Strongest matched pairs</h5>{table}</div>"
        )


def matcher_html(matcher: Any) -> str:
    """HTML for a ``Matcher`` in a notebook: configuration and trained parameters."""
    comps = matcher.comparators_ or matcher.comparators or []
    names = ", ".join(html.escape(getattr(c, "name", str(c))) for c in comps) or "default"
    blocks = matcher.blocking_ or matcher.blocking or []
    bnames = ", ".join(html.escape(getattr(b, "name", str(b))) for b in blocks) or "default"
    state = "trained" if matcher.model_ is not None else "not trained"
    params = ""
    frame = getattr(matcher.model_, "parameters_frame", None)
    if frame is not None:
        params = frame().to_html(index=False, float_format=lambda v: f"{v:.4g}")
    prior = getattr(matcher.model_, "prior_", None)
    prior_row = f"<tr><th>prior</th><td>{prior:.3g}</td></tr>" if prior else ""
    return (
        f"<div><h4>Matcher ({state})</h4><table>"
        f"<tr><th>threshold</th><td>{matcher.threshold}</td></tr>"
        f"<tr><th>comparators</th><td>{names}</td></tr>"
        f"<tr><th>blocking</th><td>{bnames}</td></tr>{prior_row}</table>{params}</div>"
    )
