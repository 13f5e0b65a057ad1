"""The :class:`MatchResult` returned by ``dedupe`` and ``link``."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, ModelError
from migrant_records.io.writers import write_csv
from migrant_records.model import probability_to_weight
from migrant_records.pairs_file import DEFAULT_PAIRS_FLOOR, write_pairs
from migrant_records.pipeline import Candidates, Inputs, Scores

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from migrant_records.compare import Comparator
    from migrant_records.golden import ProgrammeOverview

__all__ = ["MatchResult"]


@dataclass
class MatchResult:
    """The scoring result of ``dedupe`` or ``link``: which records are the same person, how
    sure, and why.

    Programme views (:meth:`programme_overview`, :meth:`journey`) take the programme tables as
    arguments; the result itself holds only what matching produced.

    Attributes:
        inputs: The prepared records (both sides for a link) and the rejected rows.
        clusters: ``source, record_id, person_id``: every accepted record exactly once.
        candidates: The candidate pairs from blocking, with per-pass counts and warnings.
        scores: Match weight and probability per candidate pair.
        gamma: Comparison levels per pair and comparator (int8, -1 = null).
        tf: Term frequencies of agreed values per term-frequency-adjusted comparator (``None``
            when term-frequency adjustment is off).
        comparators: The comparators, in ``gamma`` column order.
        model: The trained model (``None`` when there was nothing to train on).
        threshold: Match probability at or above which records were joined.
        timings: Seconds spent per stage.
    """

    inputs: Inputs
    clusters: pd.DataFrame
    candidates: Candidates
    scores: Scores
    gamma: np.ndarray
    tf: Mapping[str, np.ndarray] | None
    comparators: list[Comparator]
    model: Any
    threshold: float
    timings: dict[str, float] = field(default_factory=dict)
    _pairs: pd.DataFrame | None = field(default=None, repr=False)
    _frequencies: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    _records: pd.DataFrame | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ views of the parts
    @property
    def records(self) -> pd.DataFrame:
        """The prepared records; row position is the record number used by pairs. For
        ``link``, the left rows come first, then the right rows."""
        if self._records is None:
            self._records = self.inputs.records
        return self._records

    @property
    def rejects(self) -> pd.DataFrame:
        """Input rows that were rejected, with reasons."""
        return self.inputs.rejects

    @property
    def link(self) -> bool:
        """Whether this is a link (two sides) rather than a dedupe."""
        return self.inputs.right is not None

    @property
    def n_left(self) -> int:
        """Number of left records (all records for a dedupe)."""
        return len(self.inputs.left)

    @property
    def pair_left(self) -> np.ndarray:
        """Row positions (into ``records``) of the first record of each scored pair."""
        return self.candidates.left

    @property
    def pair_right(self) -> np.ndarray:
        """Row positions (into ``records``) of the second record of each scored pair."""
        return self.candidates.right + self.inputs.offset

    @property
    def match_weight(self) -> np.ndarray:
        """Match weight (log2 odds, prior included) per pair."""
        return self.scores.weight

    @property
    def match_probability(self) -> np.ndarray:
        """Match probability per pair."""
        return self.scores.probability

    @property
    def pass_counts(self) -> dict[str, int]:
        """Candidate pairs produced by each blocking pass."""
        return self.candidates.pass_counts

    @property
    def largest_blocks(self) -> pd.DataFrame:
        """The largest blocks per blocking pass."""
        return self.candidates.largest_blocks

    @property
    def blocking_warnings(self) -> list[str]:
        """Oversized blocks that blocking skipped, with the key that caused each."""
        return self.candidates.warnings

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
        """Pairs at or above a match probability (default: the result's threshold).

        These are scored pairs. An exact copy of a record (equal on every identifying column)
        is folded into that record before blocking, so its pairs appear once, under the record
        it copies; :attr:`clusters` gives every record, copies included, its person.
        """
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

        The explanation goes through the model's own scoring path with the pair's own
        comparison levels and term frequencies, so the ``total`` row's weight is the pair's
        ``match_weight`` (for a scored pair) and its parts add up to it.

        Args:
            left: The first record, as ``(source, record_id)`` or a unique ``record_id``.
            right: The second record.

        Returns:
            One row for the prior, one per comparator and one for the total, with columns
            ``comparator, columns, value_l, value_r, level, label, m, u, bayes_factor, weight,
            tf_weight`` (weight contributions in log2 units; ``tf_weight`` is the
            term-frequency part, shown separately) and ``probability`` on the total row.

        Raises:
            ConfigError: A record is unknown, or both are on one side of a link.
            ModelError: No model was trained (there were no candidate pairs).
        """
        from migrant_records.explain.pairs import explain_pair

        a, b = self._position(left), self._position(right)
        if self.link and (a >= self.n_left) == (b >= self.n_left):
            raise ConfigError("In a link result, name one record from each side.")
        if self.model is None:
            raise ModelError(
                "Nothing to explain: no model was trained because blocking found no "
                "candidate pairs."
            )
        return explain_pair(self, a, b)

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
        return float(probability_to_weight(self.threshold))

    def parameters(self) -> pd.DataFrame:
        """The model's parameters per comparator level (empty for models without m/u)."""
        return pd.DataFrame() if self.model is None else self.model.parameters()

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
        participations: pd.DataFrame,
        *,
        placements: pd.DataFrame | None = None,
        programmes: pd.DataFrame | None = None,
    ) -> ProgrammeOverview:
        """Unique persons per programme and ministry, and overlaps between programmes (see
        :func:`migrant_records.golden.programme_overview`)."""
        from migrant_records.golden import programme_overview

        return programme_overview(
            self.clusters, participations, programmes=programmes, placements=placements
        )

    def journey(
        self,
        person_id: str,
        *,
        participations: pd.DataFrame | None = None,
        placements: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """One person's records, programmes and placements in time order."""
        from migrant_records.golden import journey

        if person_id not in set(self.clusters["person_id"]):
            raise ConfigError(f"No person {person_id!r} in this result.")
        return journey(
            person_id,
            self.clusters,
            self.records,
            participations=participations,
            placements=placements,
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
    def write(
        self, out_dir: str | Path, *, pairs_floor: float | None = DEFAULT_PAIRS_FLOOR
    ) -> dict[str, Path]:
        """Write ``clusters.csv``, ``pairs.parquet`` and ``rejects.csv`` into a folder.

        Args:
            out_dir: The folder (created when missing).
            pairs_floor: ``pairs.parquet`` holds the scored pairs at or above this match
                probability (default 0.01: the clear non-matches, most of a large run's
                candidates, are left out); ``None`` writes every scored pair.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "clusters": out / "clusters.csv",
            "pairs": out / "pairs.parquet",
            "rejects": out / "rejects.csv",
        }
        write_csv(self.clusters, paths["clusters"])
        write_pairs(
            paths["pairs"],
            self.records,
            self.pair_left,
            self.pair_right,
            weight=self.match_weight,
            probability=self.match_probability,
            gamma=self.gamma,
            comparator_names=[c.name for c in self.comparators],
            floor=pairs_floor,
        )
        write_csv(self.rejects, paths["rejects"])
        return paths

    def write_report(
        self,
        path: str | Path,
        *,
        participations: pd.DataFrame | None = None,
        placements: pd.DataFrame | None = None,
        programmes: pd.DataFrame | None = None,
        n_uncertain: int = 8,
    ) -> Path:
        """Write a self-contained HTML report (summary, rejects, blocking, model, pairs; the
        programme overview when ``participations`` is given)."""
        from migrant_records.explain.report import write_result_report

        return write_result_report(
            self,
            path,
            participations=participations,
            placements=placements,
            programmes=programmes,
            n_uncertain=n_uncertain,
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
    if matcher.model_ is not None:
        table = matcher.model_.parameters()
        if len(table):
            params = table.to_html(index=False, float_format=lambda v: f"{v:.4g}")
    return (
        f"<div><h4>Matcher ({state})</h4><table>"
        f"<tr><th>threshold</th><td>{matcher.threshold}</td></tr>"
        f"<tr><th>comparators</th><td>{names}</td></tr>"
        f"<tr><th>blocking</th><td>{bnames}</td></tr></table>{params}</div>"
    )
