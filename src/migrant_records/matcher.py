"""The :class:`Matcher`: blocking, comparison, scoring and clustering wired together.

A ``Matcher`` holds the configuration (blocking passes, comparators, model, threshold) and the
trained parameters. ``Matcher.dedupe`` finds the same person inside one or many datasets;
``Matcher.link`` finds the same person across two datasets. Both return a
:class:`~migrant_records.result.MatchResult`.

Example:
    >>> import migrant_records as mr
    >>> sample = mr.datasets.load_sample()
    >>> result = mr.Matcher(progress=False).dedupe(sample.records())  # doctest: +SKIP
    >>> result.summary()["persons"]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._json import read_json, write_json
from migrant_records.blocking import (
    BlockingStrategy,
    BlockingWarning,
    default_blocking,
    union_pairs,
)
from migrant_records.blocking import strategy_from_dict as _strategy_from_dict
from migrant_records.cluster import assign_person_ids, cluster_pairs, one_to_one
from migrant_records.compare import Comparator, as_comparator, compare_pairs, default_comparators
from migrant_records.compare import comparator_from_dict as _comparator_from_dict
from migrant_records.errors import ConfigError, ModelError
from migrant_records.inputs import InputLike, collect_inputs
from migrant_records.model import (
    FellegiSunter,
    Rule,
    RuleModel,
    model_from_dict,
    sample_random_pairs,
    term_frequencies,
    tf_for_pairs,
)
from migrant_records.result import MatchResult
from migrant_records.standardize import standardize

__all__ = ["Matcher"]

logger = logging.getLogger(__name__)

_FORMAT_VERSION = 1


def _default_prior_rule(names: Sequence[str]) -> Rule | None:
    """The high-precision rule used to estimate the prior: same valid NIK and a name agreement."""
    if "nik" in names and "name" in names:
        return Rule("same_nik_and_name", {"nik": 4, "name": 3})
    if "nik" in names:
        return Rule("same_nik", {"nik": 4})
    return None


class Matcher:
    """Deduplicate or link person records with blocking, comparators and a trained model.

    Args:
        blocking: Blocking passes (strategies); ``None`` picks the default passes for the
            prepared columns present.
        comparators: Comparators, registered comparator names, or plain functions; ``None``
            picks the default comparators for the prepared columns present.
        model: A model (``FellegiSunter`` by default, or ``RuleModel``, ``SupervisedModel``,
            ``RecordLinkageClassifier``); ``None`` builds a Fellegi-Sunter model on first fit.
        threshold: Match probability at or above which two records are joined in a cluster.
        prior_rule: Deterministic rule used to estimate the prior probability that two random
            records match (the default: same valid NIK and names agree).
        prior_rule_recall: Assumed share of all true matches that the prior rule finds.
        term_frequency: Adjust the weight of exact matches on names and villages by how common
            the value is (a "siti" is weaker evidence than a rare name).
        u_sample_pairs: Most random record pairs used to estimate u probabilities (small
            inputs use fewer: 10 per record, at least 250,000).
        conflicts: Split clusters that join records with two different valid NIKs (each
            agreeing with its own birth date) or different sex, at their weakest links.
        one_to_one: For ``link``: keep each record in at most one matched pair (use when both
            sources are known to be free of duplicates).
        seed: Seed for random pair sampling.
        progress: Show progress bars on long steps (only when stderr is a terminal).

    Attributes:
        comparators_: The comparators used, set by ``fit``.
        blocking_: The blocking passes used, set by ``fit``.
        model_: The trained model, set by ``fit``.
    """

    def __init__(
        self,
        blocking: Sequence[BlockingStrategy] | None = None,
        comparators: Sequence[Comparator | str | Any] | None = None,
        model: Any | None = None,
        *,
        threshold: float = 0.5,
        prior_rule: Rule | None = None,
        prior_rule_recall: float = 0.6,
        term_frequency: bool = True,
        u_sample_pairs: int = 1_000_000,
        conflicts: bool = True,
        one_to_one: bool = False,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"threshold must be between 0 and 1 (exclusive), got {threshold!r}.")
        if not 0.0 < prior_rule_recall <= 1.0:
            raise ConfigError(
                f"prior_rule_recall must be in (0, 1], got {prior_rule_recall!r}: it is the share "
                "of true matches the prior rule finds."
            )
        self.blocking = list(blocking) if blocking is not None else None
        self.comparators = list(comparators) if comparators is not None else None
        self.model = model
        self.threshold = float(threshold)
        self.prior_rule = prior_rule
        self.prior_rule_recall = float(prior_rule_recall)
        self.term_frequency = term_frequency
        self.u_sample_pairs = int(u_sample_pairs)
        self.conflicts = conflicts
        self.one_to_one = one_to_one
        self.seed = int(seed)
        self.progress = progress
        self.comparators_: list[Comparator] | None = None
        self.blocking_: list[BlockingStrategy] | None = None
        self.model_: Any | None = None
        self.blocking_warnings_: list[str] = []

    # ------------------------------------------------------------------ preparation
    @property
    def _bars(self) -> bool:
        """Progress bars only when asked for and when a person watches (stderr is a TTY)."""
        return bool(self.progress) and sys.stderr.isatty()

    @staticmethod
    def prepare(frame: pd.DataFrame, *, progress: bool = False) -> pd.DataFrame:
        """Standardise a canonical frame (adds the derived columns) with a fresh row index.

        Args:
            frame: Canonical worker records.
            progress: Show a progress bar.

        Returns:
            The prepared frame, row position = record id used by pairs.
        """
        return standardize(frame.reset_index(drop=True), progress=progress)

    def _resolve(self, left: pd.DataFrame, right: pd.DataFrame | None) -> None:
        if self.comparators_ is None:
            if self.comparators is None:
                self.comparators_ = default_comparators(left, right)
            else:
                self.comparators_ = [as_comparator(c) for c in self.comparators]
            names = [c.name for c in self.comparators_]
            if len(set(names)) != len(names):
                raise ConfigError(f"Comparator names must be unique, got {names}.")
            if not self.comparators_:
                raise ConfigError(
                    "No comparator applies to these records: give comparators=... or provide "
                    "canonical columns such as full_name, nik, birth_date."
                )
        if self.blocking_ is None:
            self.blocking_ = (
                default_blocking(left, right) if self.blocking is None else list(self.blocking)
            )
            if not self.blocking_:
                raise ConfigError("No blocking pass applies: give blocking=[...].")

    # ------------------------------------------------------------------ stages
    def _candidates(
        self, left: pd.DataFrame, right: pd.DataFrame | None
    ) -> tuple[np.ndarray, np.ndarray, dict[str, int], pd.DataFrame]:
        assert self.blocking_ is not None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BlockingWarning)
            cand = union_pairs(self.blocking_, left, right, progress=self._bars)
        # each skipped block is already logged by the blocking pass; keep them on the result
        self.blocking_warnings_ = [str(w.message) for w in caught]
        return cand.left, cand.right, dict(cand.pass_counts), cand.largest_blocks

    def _gamma(
        self, left: pd.DataFrame, right: pd.DataFrame | None, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        assert self.comparators_ is not None
        return compare_pairs(
            self.comparators_, left, left if right is None else right, i, j, progress=self._bars
        )

    def _tf(
        self, left: pd.DataFrame, right: pd.DataFrame | None, i: np.ndarray, j: np.ndarray
    ) -> dict[str, np.ndarray] | None:
        if not self.term_frequency or not isinstance(self.model_, FellegiSunter):
            return None
        assert self.comparators_ is not None
        out: dict[str, np.ndarray] = {}
        for comp in self.comparators_:
            column = getattr(comp, "tf_column", None)
            if not column or column not in left.columns:
                continue
            right_frame = left if right is None else right
            if column not in right_frame.columns:
                continue
            values = left[column] if right is None else pd.concat([left[column], right[column]])
            freq = term_frequencies(values)
            out[comp.name] = tf_for_pairs(left[column], right_frame[column], i, j, freq)
        return out or None

    def _train(
        self,
        left: pd.DataFrame,
        right: pd.DataFrame | None,
        gamma: np.ndarray,
        labels: np.ndarray | None,
    ) -> None:
        assert self.comparators_ is not None
        names = [c.name for c in self.comparators_]
        model = self.model
        if model is None:
            model = FellegiSunter(
                names,
                [len(c.labels) for c in self.comparators_],
                [list(c.labels) for c in self.comparators_],
            )
        if isinstance(model, FellegiSunter):
            n_left = len(left)
            n_right = None if right is None else len(right)
            # Small inputs need fewer random pairs for stable u estimates (at least 250k, or
            # 10 per record, up to u_sample_pairs).
            n_sample = min(self.u_sample_pairs, max(250_000, 10 * (n_left + (n_right or 0))))
            ri, rj = sample_random_pairs(n_left, n_right, max_pairs=n_sample, seed=self.seed)
            model.estimate_u(self._gamma(left, right, ri, rj))
            rule = self.prior_rule or _default_prior_rule(names)
            if rule is not None and model.prior is None:
                n_rule = int(RuleModel([rule], comparator_names=names).matches(gamma).sum())
                if n_rule > 0:
                    model.estimate_prior(
                        n_rule,
                        FellegiSunter.total_pairs(n_left, n_right),
                        recall=self.prior_rule_recall,
                    )
            model.fit_m(gamma, labels=labels)
            if model.prior_ is None and model.lambda_candidates_ is not None:
                # No rule fired: the matches EM finds among candidates, over all possible pairs
                # (blocking keeps nearly every true match among the candidates).
                total = FellegiSunter.total_pairs(n_left, n_right)
                est = model.lambda_candidates_ * len(gamma) / max(total, 1)
                model.prior_ = float(min(max(est, 1e-12), 0.5))
                logger.info("prior estimated from EM over candidate pairs: %.3g", model.prior_)
        elif labels is not None:
            mask = ~np.isnan(labels)
            model.fit(gamma[mask], labels[mask].astype(bool))
        else:
            model.fit(gamma)
        self.model_ = model

    # ------------------------------------------------------------------ public API
    def fit(
        self,
        data: InputLike | Iterable[InputLike],
        right: InputLike | Iterable[InputLike] | None = None,
        *,
        labels: pd.DataFrame | None = None,
    ) -> Matcher:
        """Train the model on records (dedupe) or on two sides (link).

        Args:
            data: Canonical records: a DataFrame, a ``Batch``, a file path, or a list of them.
            right: For link training, the other side.
            labels: Reviewer labels (``source_l, record_id_l, source_r, record_id_r,
                is_match``), e.g. from :func:`migrant_records.read_labels`; labelled pairs
                estimate m and u directly.

        Returns:
            The matcher itself, trained.
        """
        self._run(data, right, labels=labels, train=True, score=False)
        return self

    def dedupe(
        self,
        data: InputLike | Iterable[InputLike],
        *,
        labels: pd.DataFrame | None = None,
        refit: bool | None = None,
        participations: pd.DataFrame | None = None,
        placements: pd.DataFrame | None = None,
        programmes: pd.DataFrame | None = None,
    ) -> MatchResult:
        """Find records of the same person in one or many datasets.

        Args:
            data: Canonical records: a DataFrame, a ``Batch``, a file path, or a list of them
                (any mix of sources; the ``source`` column says which).
            labels: Reviewer labels; pairs labelled not-a-match are never clustered together.
            refit: Train even if the matcher is already trained (default: train only if not).
            participations: Optional programme participation table for programme views.
            placements: Optional placement table for programme views and journeys.
            programmes: Optional programme table.

        Returns:
            The :class:`~migrant_records.result.MatchResult`.
        """
        result = self._run(data, None, labels=labels, train=refit, score=True)
        assert result is not None
        result.participations = participations
        result.placements = placements
        result.programmes = programmes
        return result

    def link(
        self,
        left: InputLike | Iterable[InputLike],
        right: InputLike | Iterable[InputLike],
        *,
        labels: pd.DataFrame | None = None,
        refit: bool | None = None,
    ) -> MatchResult:
        """Find records of the same person across two datasets.

        Args:
            left: Records of the first dataset(s).
            right: Records of the second dataset(s).
            labels: Reviewer labels; pairs labelled not-a-match are never clustered together.
            refit: Train even if the matcher is already trained (default: train only if not).

        Returns:
            The :class:`~migrant_records.result.MatchResult`; its ``records`` hold the left
            rows then the right rows, and clusters cover both.
        """
        result = self._run(left, right, labels=labels, train=refit, score=True)
        assert result is not None
        return result

    # ------------------------------------------------------------------ pipeline
    def _run(
        self,
        data: InputLike | Iterable[InputLike],
        right_data: InputLike | Iterable[InputLike] | None,
        *,
        labels: pd.DataFrame | None,
        train: bool | None,
        score: bool,
    ) -> MatchResult | None:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        left_raw, rejects = collect_inputs(data)
        right_raw: pd.DataFrame | None = None
        if right_data is not None:
            right_raw, right_rejects = collect_inputs(right_data)
            rejects = pd.concat([rejects, right_rejects], ignore_index=True)
        timings["read"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        left = self.prepare(left_raw, progress=self._bars)
        right = None if right_raw is None else self.prepare(right_raw, progress=self._bars)
        del left_raw, right_raw  # the prepared frames hold every input column
        timings["standardize"] = time.perf_counter() - t0
        self._resolve(left, right)

        t0 = time.perf_counter()
        i, j, pass_counts, largest = self._candidates(left, right)
        timings["blocking"] = time.perf_counter() - t0
        logger.info("blocking produced %d candidate pairs", len(i))

        t0 = time.perf_counter()
        gamma = self._gamma(left, right, i, j)
        timings["compare"] = time.perf_counter() - t0

        label_vec = None
        label_pos = None
        if labels is not None:
            label_pos = _label_positions(labels, left, right)
            n_right = len(left) if right is None else len(right)
            label_vec = _align_labels(label_pos, n_right, i, j)
        t0 = time.perf_counter()
        if train or (train is None and self.model_ is None):
            self._train(left, right, gamma, label_vec)
        if self.model_ is None:
            raise ModelError("The matcher has no trained model: call fit() or dedupe() first.")
        timings["train"] = time.perf_counter() - t0
        if not score:
            return None

        t0 = time.perf_counter()
        tf = self._tf(left, right, i, j)
        if isinstance(self.model_, FellegiSunter):
            weight, prob = self.model_.predict(gamma, tf=tf)
        else:
            prob = np.asarray(self.model_.predict_proba(gamma), dtype=np.float64)
            clipped = np.clip(prob, 1e-12, 1 - 1e-12)
            weight = np.log2(clipped / (1 - clipped))
        timings["predict"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        records = left if right is None else pd.concat([left, right], ignore_index=True)
        offset = 0 if right is None else len(left)
        gi, gj = i, j + offset
        cannot = None
        if label_vec is not None and label_pos is not None:
            neg_l = ~label_pos[2]
            cannot = (label_pos[0][neg_l], label_pos[1][neg_l] + offset)
            neg = label_vec == 0
            pos = label_vec == 1
            prob = prob.copy()
            prob[pos] = 1.0
            prob[neg] = 0.0
        edge_prob = prob
        if right is not None and self.one_to_one:
            keep = one_to_one(i, j, prob, self.threshold)
            edge_prob = np.where(keep, prob, 0.0)
        conflict_frame = _conflict_frame(records) if self.conflicts else None
        keys = (records["source"].astype(str) + "|" + records["record_id"].astype(str)).to_numpy()
        labels_arr = cluster_pairs(
            len(records),
            gi,
            gj,
            edge_prob,
            threshold=self.threshold,
            conflicts=conflict_frame,
            cannot_link=cannot,
            keys=keys,
        )
        person_ids = assign_person_ids(labels_arr, keys)
        clusters = pd.DataFrame(
            {
                "source": records["source"].to_numpy(),
                "record_id": records["record_id"].to_numpy(),
                "person_id": person_ids,
            }
        )
        timings["cluster"] = time.perf_counter() - t0

        assert self.comparators_ is not None
        return MatchResult(
            records=records,
            clusters=clusters,
            pair_left=gi,
            pair_right=gj,
            match_weight=np.asarray(weight, dtype=np.float64),
            match_probability=np.asarray(prob, dtype=np.float64),
            gamma=gamma,
            tf=tf,
            comparators=list(self.comparators_),
            model=self.model_,
            threshold=self.threshold,
            rejects=rejects,
            timings=timings,
            pass_counts=pass_counts,
            largest_blocks=largest,
            blocking_warnings=list(self.blocking_warnings_),
            n_left=len(left),
            link=right is not None,
        )

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """The whole configuration and trained parameters as JSON-serialisable data."""
        if self.model_ is None:
            raise ModelError("Nothing to save: train the matcher with fit() or dedupe() first.")
        assert self.comparators_ is not None and self.blocking_ is not None
        return {
            "format": "migrant-records-matcher",
            "version": _FORMAT_VERSION,
            "threshold": self.threshold,
            "prior_rule_recall": self.prior_rule_recall,
            "term_frequency": self.term_frequency,
            "u_sample_pairs": self.u_sample_pairs,
            "conflicts": self.conflicts,
            "one_to_one": self.one_to_one,
            "seed": self.seed,
            "comparators": [_config_of(c) for c in self.comparators_],
            "blocking": [_config_of(b) for b in self.blocking_],
            "model": self.model_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Matcher:
        """Rebuild a trained matcher from :meth:`to_dict` output."""
        if data.get("format") != "migrant-records-matcher":
            raise ModelError(
                "This is not a saved migrant-records matcher (missing format marker); save one "
                "with Matcher.save(path)."
            )
        matcher = cls(
            threshold=float(data["threshold"]),
            prior_rule_recall=float(data.get("prior_rule_recall", 0.6)),
            term_frequency=bool(data.get("term_frequency", True)),
            u_sample_pairs=int(data.get("u_sample_pairs", 1_000_000)),
            conflicts=bool(data.get("conflicts", True)),
            one_to_one=bool(data.get("one_to_one", False)),
            seed=int(data.get("seed", 0)),
        )
        matcher.comparators_ = [_comparator_from_dict(c) for c in data["comparators"]]
        matcher.blocking_ = [_strategy_from_dict(b) for b in data["blocking"]]
        matcher.model_ = model_from_dict(data["model"])
        matcher.comparators = list(matcher.comparators_)
        matcher.blocking = list(matcher.blocking_)
        matcher.model = matcher.model_
        return matcher

    def save(self, path: str | Path) -> Path:
        """Save the trained configuration as JSON (``Matcher.load`` reads it back)."""
        return write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> Matcher:
        """Load a matcher saved with :meth:`save`."""
        return cls.from_dict(read_json(path))

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        state = "trained" if self.model_ is not None else "untrained"
        comps = [c.name for c in self.comparators_] if self.comparators_ else self.comparators
        return f"Matcher({state}, threshold={self.threshold}, comparators={comps})"

    def _repr_html_(self) -> str:
        from migrant_records.result import matcher_html

        return matcher_html(self)


def _config_of(obj: Any) -> dict[str, Any]:
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is None:
        raise ModelError(
            f"{obj!r} cannot be saved: give it a to_dict() method (and register it) to save "
            "a matcher that uses it."
        )
    return dict(to_dict())


def _conflict_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Per-record attributes that must not disagree inside one cluster."""
    nik = records["nik_id"] if "nik_id" in records else pd.Series(pd.NA, index=records.index)
    agrees = pd.Series(False, index=records.index)
    if "nik_birth_date" in records and "dob" in records:
        agrees = (records["nik_birth_date"] == records["dob"]).fillna(False).astype(bool)
    sex = records["sex_norm"] if "sex_norm" in records else pd.Series(pd.NA, index=records.index)
    if "nik_sex" in records:
        sex = sex.where(sex.notna(), records["nik_sex"])
    return pd.DataFrame(
        {"nik_id": nik.to_numpy(), "nik_agrees_dob": agrees.to_numpy(), "sex": sex.to_numpy()}
    )


def _label_positions(
    labels: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions of labelled pairs whose two records are present, and their labels.

    Returns:
        ``(left_pos, right_pos, is_match)``; for dedupe, ``left_pos < right_pos``.
    """
    need = {"source_l", "record_id_l", "source_r", "record_id_r", "is_match"}
    missing = need - set(labels.columns)
    if missing:
        raise ConfigError(
            f"labels miss columns {sorted(missing)}; read them with migrant_records.read_labels()."
        )
    right_frame = left if right is None else right

    def _key(frame: pd.DataFrame) -> pd.Series:
        return frame["source"].astype(str) + "|" + frame["record_id"].astype(str)

    lpos = pd.Series(np.arange(len(left)), index=_key(left))
    rpos = pd.Series(np.arange(len(right_frame)), index=_key(right_frame))
    lk = labels["source_l"].astype(str) + "|" + labels["record_id_l"].astype(str)
    rk = labels["source_r"].astype(str) + "|" + labels["record_id_r"].astype(str)
    li = lpos.reindex(lk).to_numpy(dtype=float)
    rj = rpos.reindex(rk).to_numpy(dtype=float)
    ok = ~(np.isnan(li) | np.isnan(rj))
    if (~ok).any():
        logger.warning(
            "%d labelled pair(s) name records that are not in the input", int((~ok).sum())
        )
    li_i = li[ok].astype(np.int64)
    rj_i = rj[ok].astype(np.int64)
    if right is None:
        li_i, rj_i = np.minimum(li_i, rj_i), np.maximum(li_i, rj_i)
    values = labels["is_match"].to_numpy()[ok].astype(bool)
    return li_i, rj_i, values


def _align_labels(
    positions: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_right: int,
    i: np.ndarray,
    j: np.ndarray,
) -> np.ndarray:
    """Labels aligned to candidate pairs: 1 match, 0 not a match, NaN unlabelled."""
    li, rj, values = positions
    n_cols = max(n_right, 1)
    pair_code = pd.Index(i.astype(np.int64) * n_cols + j.astype(np.int64))
    where = pair_code.get_indexer(li * n_cols + rj)
    out = np.full(len(i), np.nan)
    found = where >= 0
    out[where[found]] = values[found].astype(float)
    return out
