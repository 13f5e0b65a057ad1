"""The :class:`Matcher`: blocking, comparison, scoring and clustering wired together.

A ``Matcher`` holds the configuration (blocking passes, comparators, model, threshold; see
:class:`~migrant_records.config.MatcherConfig`) and the trained parameters. ``Matcher.dedupe``
finds the same person inside one or many datasets; ``Matcher.link`` finds the same person
across two datasets. Both return a :class:`~migrant_records.result.MatchResult`. The stages
themselves are the functions of :mod:`migrant_records.pipeline`.

Example:
    >>> import migrant_records as mr
    >>> sample = mr.datasets.load_sample()
    >>> result = mr.Matcher(progress=False).dedupe(sample.records())  # doctest: +SKIP
    >>> result.summary()["persons"]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records import pipeline
from migrant_records._json import read_json, write_json
from migrant_records.blocking import BlockingStrategy, as_strategy
from migrant_records.blocking.duplicates import expand_duplicates
from migrant_records.cluster import conflict_attributes
from migrant_records.compare import Comparator, as_comparator
from migrant_records.compare.base import column_cache
from migrant_records.config import (
    FORMAT,
    FORMAT_VERSION,
    MATCHER_OPTIONS,
    MatcherConfig,
    saved_form,
)
from migrant_records.errors import ConfigError, ModelError
from migrant_records.inputs import InputLike
from migrant_records.model import FellegiSunter, Model, Rule, model_from_dict
from migrant_records.result import MatchResult
from migrant_records.standardize import standardize

__all__ = ["Matcher"]

logger = logging.getLogger(__name__)


class Matcher:
    """Deduplicate or link person records with blocking, comparators and a trained model.

    Args:
        blocking: Blocking passes: strategies, registered names or saved dicts; ``None``
            picks the default passes for the prepared columns present.
        comparators: Comparators, registered comparator names, saved dicts or decorated
            functions; ``None`` picks the default comparators for the prepared columns present.
        model: A model following the :class:`~migrant_records.model.Model` contract
            (``FellegiSunter`` by default, or ``RuleModel``, ``SupervisedModel``,
            ``RecordLinkageClassifier``); ``None`` builds a Fellegi-Sunter model on first fit.
        threshold: Match probability at or above which two records are joined in a cluster.
        prior_rule: Deterministic rule used by the default Fellegi-Sunter model to estimate
            the prior probability that two random records match (the default: same valid NIK
            and names agree).
        prior_rule_recall: Assumed share of all true matches that the prior rule finds.
        term_frequency: Adjust the weight of exact matches on names and villages by how common
            the value is (a "siti" is weaker evidence than a rare name).
        u_sample_pairs: Most random record pairs used to estimate u probabilities (small
            inputs use fewer: 10 per record, at least 250,000).
        conflicts: Split clusters that join records with conflicting identifiers (see
            ``docs/clustering.md``) at their weakest links.
        one_to_one: For ``link``: keep each record in at most one matched pair (use when both
            sources are known to be free of duplicates).
        seed: Seed for random pair sampling.
        progress: Show progress bars on long steps (only when stderr is a terminal).
        profile: Name standardisation profile: ``auto`` (from the data), ``indonesia`` or
            ``generic`` (see :func:`migrant_records.standardize.standardize`).
        min_year: Earliest plausible birth year (default 1900; as low as 1678).

    Attributes:
        comparators_: The comparators used, set by ``fit``.
        blocking_: The blocking passes used, set by ``fit``.
        model_: The trained model, set by ``fit``.

    Raises:
        ConfigError: An option is invalid (the message names it).
    """

    def __init__(
        self,
        blocking: Sequence[BlockingStrategy | str | Mapping[str, Any]] | None = None,
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
        profile: str = "auto",
        min_year: int = 1900,
    ) -> None:
        options = MatcherConfig.options(
            threshold=threshold,
            prior_rule_recall=prior_rule_recall,
            term_frequency=term_frequency,
            u_sample_pairs=u_sample_pairs,
            conflicts=conflicts,
            one_to_one=one_to_one,
            seed=seed,
            profile=profile,
            min_year=min_year,
        )
        self.threshold: float = options["threshold"]
        self.prior_rule_recall: float = options["prior_rule_recall"]
        self.term_frequency: bool = options["term_frequency"]
        self.u_sample_pairs: int = options["u_sample_pairs"]
        self.conflicts: bool = options["conflicts"]
        self.one_to_one: bool = options["one_to_one"]
        self.seed: int = options["seed"]
        self.profile: str = options["profile"]
        self.min_year: int = options["min_year"]
        self.blocking = None if blocking is None else [as_strategy(b) for b in blocking]
        self.comparators = None if comparators is None else [as_comparator(c) for c in comparators]
        if model is not None and not isinstance(model, Model):
            raise ConfigError(
                f"{type(model).__name__} is not a model: it needs fit(training), score(gamma, tf), "
                "explain(levels, tf), parameters() and to_dict() (see migrant_records.model.Model)."
            )
        self.model = model
        self.prior_rule = prior_rule
        self.progress = progress
        self.comparators_: list[Comparator] | None = None
        self.blocking_: list[BlockingStrategy] | None = None
        self.model_: Any | None = None

    def set_params(self, **options: Any) -> Matcher:
        """Change options (``threshold``, ``one_to_one``, ``seed``, ...; ``progress``) of a new
        or loaded matcher, with the same checks as the constructor.

        Returns:
            The matcher itself.

        Raises:
            ConfigError: An option is unknown or invalid.
        """
        unknown = sorted(set(options) - set(MATCHER_OPTIONS) - {"progress"})
        if unknown:
            raise ConfigError(
                f"Unknown matcher option(s) {unknown}; known: {sorted(MATCHER_OPTIONS)}."
            )
        progress = options.pop("progress", None)
        for name, value in MatcherConfig.options(**options).items():
            setattr(self, name, value)
        if progress is not None:
            self.progress = bool(progress)
        return self

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

    def _resolve(self, inputs: pipeline.Inputs) -> None:
        if self.comparators_ is None:
            self.comparators_ = pipeline.choose_comparators(self.comparators, inputs)
        if self.blocking_ is None:
            self.blocking_ = pipeline.choose_blocking(self.blocking, inputs)

    def _inputs(self, data: Any, right: Any, timings: dict[str, float]) -> pipeline.Inputs:
        """Read, validate, fold exact copies and standardise with this matcher's settings."""
        return pipeline.prepare_inputs(
            data,
            right,
            progress=self._bars,
            timings=timings,
            collapse_copies=True,
            profile=self.profile,
            min_year=self.min_year,
        )

    def _new_model(self) -> Any:
        if self.model is not None:
            return self.model
        return FellegiSunter(
            prior_rule=self.prior_rule,
            prior_rule_recall=self.prior_rule_recall,
            u_sample_pairs=self.u_sample_pairs,
        )

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

        Raises:
            ModelError: Blocking found no candidate pairs, so there is nothing to train on.
        """
        timings: dict[str, float] = {}
        inputs = self._inputs(data, right, timings)
        with self._compared(inputs, timings, train=True) as (cand, gamma, ahead):
            if len(cand) == 0:
                raise ModelError(pipeline.no_candidates_message(len(inputs.records)))
            aligned, _ = pipeline.reviewer_labels(labels, inputs, cand)
            self._train(inputs, cand, gamma, aligned, self._tf(inputs, cand), ahead)
        return self

    def dedupe(
        self,
        data: InputLike | Iterable[InputLike],
        *,
        labels: pd.DataFrame | None = None,
        refit: bool | None = None,
    ) -> MatchResult:
        """Find records of the same person in one or many datasets.

        Args:
            data: Canonical records: a DataFrame, a ``Batch``, a file path, or a list of them
                (any mix of sources; the ``source`` column says which).
            labels: Reviewer labels; pairs labelled not-a-match are never clustered together.
            refit: Train even if the matcher is already trained (default: train only if not).

        Returns:
            The :class:`~migrant_records.result.MatchResult`.
        """
        return self._run(data, None, labels=labels, refit=refit)

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
        return self._run(left, right, labels=labels, refit=refit)

    def _compare(
        self, inputs: pipeline.Inputs, timings: dict[str, float], train: bool = False
    ) -> tuple[pipeline.Candidates, np.ndarray, pipeline.RandomAhead | None]:
        """Candidates and their levels; when ``train``, training's random pairs are compared
        while comparing (the caller must ``cancel`` what is returned when it does not train)."""
        t0 = time.perf_counter()
        self._resolve(inputs)  # choosing the passes and comparators counts as blocking
        assert self.blocking_ is not None and self.comparators_ is not None
        cand = pipeline.find_candidates(self.blocking_, inputs, progress=self._bars)
        timings["blocking"] = time.perf_counter() - t0
        logger.info("blocking produced %d candidate pairs", len(cand))
        t0 = time.perf_counter()
        ahead = None  # started after blocking, which may use the second core itself
        if train:
            model, comparators = self._new_model(), self.comparators_
            ahead = pipeline.start_random_levels(model, comparators, inputs, self.seed)
        gamma = pipeline.compare_candidates(
            self.comparators_, inputs, cand.left, cand.right, progress=self._bars
        )
        timings["compare"] = time.perf_counter() - t0
        return cand, gamma, ahead

    @contextlib.contextmanager
    def _compared(
        self, inputs: pipeline.Inputs, timings: dict[str, float], train: bool
    ) -> Iterator[tuple[pipeline.Candidates, np.ndarray, pipeline.RandomAhead | None]]:
        """:meth:`_compare` inside a column cache; training's random pairs still being
        compared in the background are cancelled on leaving, whatever happened."""
        with column_cache():  # training's random pairs reuse the columns coded for comparing
            cand, gamma, ahead = self._compare(inputs, timings, train)
            try:
                yield cand, gamma, ahead
            finally:
                if ahead is not None:
                    ahead.cancel()

    def _tf(self, inputs: pipeline.Inputs, cand: pipeline.Candidates) -> dict[str, Any] | None:
        assert self.comparators_ is not None
        if self.term_frequency:
            return pipeline.pair_term_frequencies(self.comparators_, inputs, cand.left, cand.right)
        return None

    def _train(
        self,
        inputs: pipeline.Inputs,
        cand: pipeline.Candidates,
        gamma: np.ndarray,
        labels: np.ndarray | None,
        tf: dict[str, Any] | None,
        ahead: pipeline.RandomAhead | None = None,
    ) -> None:
        assert self.comparators_ is not None
        training = pipeline.training_bundle(
            self.comparators_,
            inputs,
            cand,
            gamma,
            labels=labels,
            tf=tf,
            seed=self.seed,
            progress=self._bars,
            ahead=ahead,
        )
        self.model_ = self._new_model().fit(training)

    def _run(
        self, data: Any, right_data: Any, *, labels: pd.DataFrame | None, refit: bool | None
    ) -> MatchResult:
        timings: dict[str, float] = {}
        inputs = self._inputs(data, right_data, timings)
        return self._match(inputs, labels=labels, refit=refit, timings=timings)

    def _conflict_rule(self) -> Any:
        """The per-record conflict attributes of clustering (``None``: no conflict splitting)."""
        return conflict_attributes if self.conflicts else None

    def _match(
        self,
        inputs: pipeline.Inputs,
        *,
        labels: pd.DataFrame | None,
        refit: bool | None,
        timings: dict[str, float],
    ) -> MatchResult:
        """Block, compare, train when needed, score and cluster prepared inputs."""
        train = bool(refit or (refit is None and self.model_ is None))
        with self._compared(inputs, timings, train) as (cand, gamma, ahead):
            aligned, cannot = pipeline.reviewer_labels(labels, inputs, cand)
            t0 = time.perf_counter()
            tf = self._tf(inputs, cand) if len(cand) else None  # for training and scoring
            if len(cand) == 0:
                logger.warning(pipeline.no_candidates_message(len(inputs.records)))
            elif train:
                self._train(inputs, cand, gamma, aligned, tf, ahead)
            timings["train"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if len(cand) and self.model_ is None:
            raise ModelError(
                "The matcher has no trained model: call fit(), dedupe() or link() first."
            )
        scores = pipeline.score_candidates(self.model_, gamma, tf, aligned)
        timings["predict"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        clusters = pipeline.cluster_records(
            inputs,
            cand,
            scores,
            threshold=self.threshold,
            conflicts=self._conflict_rule(),
            one_to_one_link=self.one_to_one,
            cannot_link=cannot,
        )
        timings["cluster"] = time.perf_counter() - t0
        assert self.comparators_ is not None
        result = MatchResult(
            inputs=inputs,
            clusters=clusters,
            candidates=cand,
            scores=scores,
            gamma=gamma,
            tf=tf,
            comparators=list(self.comparators_),
            model=self.model_,
            threshold=self.threshold,
            timings=timings,
        )
        t0 = time.perf_counter()
        expanded = expand_duplicates(result)  # exact copies get their representative's person
        expanded.timings["cluster"] = timings["cluster"] + time.perf_counter() - t0
        return expanded

    def config(self) -> MatcherConfig:
        """The whole configuration (and trained parameters, when trained) as a
        :class:`~migrant_records.config.MatcherConfig`.

        Raises:
            ModelError: A comparator, strategy or model has no ``to_dict`` (cannot be saved).
        """
        trained = self.model_ is not None
        comps = self.comparators_ if trained else self.comparators
        blocks = self.blocking_ if trained else self.blocking
        model = self.model_ if trained else self.model
        return MatcherConfig(
            format=FORMAT,
            version=FORMAT_VERSION,
            prior_rule=None if self.prior_rule is None else self.prior_rule.to_dict(),
            **{name: getattr(self, name) for name in MATCHER_OPTIONS},
            comparators=None if comps is None else [saved_form(c) for c in comps],
            blocking=None if blocks is None else [saved_form(b) for b in blocks],
            model=None if model is None else saved_form(model),
            trained=trained,
        )

    def to_dict(self) -> dict[str, Any]:
        """The configuration (trained or not) as JSON-serialisable data."""
        return self.config().model_dump()

    @classmethod
    def from_config(cls, config: MatcherConfig) -> Matcher:
        """Build a matcher from a configuration (trained when ``config.trained``)."""
        matcher = cls(
            blocking=config.blocking,
            comparators=config.comparators,
            model=None if config.model is None else model_from_dict(config.model),
            prior_rule=None if config.prior_rule is None else Rule.from_dict(config.prior_rule),
            **{name: getattr(config, name) for name in MATCHER_OPTIONS},
        )
        if config.trained:
            if matcher.model is None or matcher.comparators is None or matcher.blocking is None:
                raise ModelError(
                    "A saved trained matcher needs its model, comparators and blocking passes."
                )
            matcher.model_ = matcher.model
            matcher.comparators_ = list(matcher.comparators)
            matcher.blocking_ = list(matcher.blocking)
        return matcher

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "Saved matcher") -> Matcher:
        """Rebuild a matcher from :meth:`to_dict` output, checking every field.

        Raises:
            ModelError: The data is not a saved matcher, comes from a newer version, or holds
                an invalid field (the message names it).
        """
        config = MatcherConfig.from_data(data, where=where)
        try:
            return cls.from_config(config)
        except ConfigError as exc:
            raise ModelError(f"{where}: {exc}") from exc

    def save(self, path: str | Path) -> Path:
        """Save the configuration (trained or not) as JSON (``Matcher.load`` reads it back)."""
        return write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> Matcher:
        """Load a matcher saved with :meth:`save`.

        Raises:
            ModelError: The file cannot be read, or is not a valid saved matcher.
        """
        return cls.from_dict(read_json(path), where=f"Model file {path}")

    def __repr__(self) -> str:
        state = "trained" if self.model_ is not None else "untrained"
        comps = self.comparators_ or self.comparators
        names = None if comps is None else [c.name for c in comps]
        return f"Matcher({state}, threshold={self.threshold}, comparators={names})"

    def _repr_html_(self) -> str:
        from migrant_records.result import matcher_html

        return matcher_html(self)
