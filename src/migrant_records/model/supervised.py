"""Supervised models trained from labelled pairs, and the recordlinkage classifier adapter.

Both encode each comparator's level one-hot (a null level is all zeros). Logistic regression
and naive-Bayes classifiers are additive over these features, so once trained they reduce to
one log-odds table per comparator, and prediction is a table lookup per comparator.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from migrant_records.errors import ConfigError, ModelError
from migrant_records.model._patterns import aggregate_groups, check_gamma, encode, pattern_sum
from migrant_records.model.base import ProbabilityScores, Training, training_arrays

__all__ = ["RecordLinkageClassifier", "SupervisedModel", "one_hot"]

logger = logging.getLogger(__name__)


def one_hot(gamma: np.ndarray, n_levels: Sequence[int]) -> np.ndarray:
    """One-hot encode comparison levels: one 0/1 column per comparator level.

    Args:
        gamma: Comparison levels, shape ``(n_pairs, n_comparators)``.
        n_levels: Number of levels of each comparator.

    Returns:
        ``float64`` array of shape ``(n_pairs, sum(n_levels))``; a null level gives all zeros
        for that comparator.

    Example:
        >>> one_hot(np.array([[1, -1]]), [2, 3]).tolist()
        [[0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    g = check_gamma(gamma, n_levels)
    out = np.zeros((g.shape[0], int(sum(n_levels))), dtype=np.float64)
    offset = 0
    rows = np.arange(g.shape[0])
    for k, n in enumerate(n_levels):
        col = g[:, k].astype(np.intp)
        ok = col >= 0
        out[rows[ok], offset + col[ok]] = 1.0
        offset += n
    return out


def _infer_levels(gamma: np.ndarray) -> list[int]:
    if gamma.shape[0] == 0:
        raise ConfigError("Cannot infer comparator levels from zero pairs; give n_levels.")
    return [max(int(x) + 1, 2) for x in gamma.max(axis=0)]


def _tables_from_coef(coef: np.ndarray, n_levels: Sequence[int]) -> list[np.ndarray]:
    tables: list[np.ndarray] = []
    offset = 0
    for n in n_levels:
        tables.append(np.concatenate(([0.0], np.asarray(coef[offset : offset + n], dtype=float))))
        offset += n
    return tables


class SupervisedModel(ProbabilityScores):
    """A classifier trained on labelled pairs over one-hot comparison levels.

    Args:
        kind: ``"logistic"`` (scikit-learn ``LogisticRegression``).
        n_levels: Number of levels of each comparator; inferred from the training data when
            ``None`` (then every level must occur there).
        comparator_names: Optional comparator names (for display and saving).
        C: Inverse regularisation strength.
        max_iter: Most solver iterations.

    Attributes:
        intercept_: Log-odds of a pair whose comparators are all null.
        tables_: Per comparator, the log-odds contribution of each level (null first, 0.0).

    Example:
        >>> model = SupervisedModel().fit(gamma, y)  # doctest: +SKIP
        >>> model.predict_proba(gamma)  # doctest: +SKIP
    """

    def __init__(
        self,
        kind: str = "logistic",
        *,
        n_levels: Sequence[int] | None = None,
        comparator_names: Sequence[str] | None = None,
        C: float = 1.0,
        max_iter: int = 1000,
    ) -> None:
        if kind != "logistic":
            raise ConfigError(f"Unknown supervised model kind {kind!r}; use 'logistic'.")
        self.kind = kind
        self.n_levels = None if n_levels is None else [int(x) for x in n_levels]
        self.comparator_names = None if comparator_names is None else list(comparator_names)
        self.C = float(C)
        self.max_iter = int(max_iter)
        self.intercept_: float | None = None
        self.tables_: list[np.ndarray] | None = None

    def fit(self, gamma: Training | np.ndarray, y: np.ndarray | None = None) -> SupervisedModel:
        """Train on labelled pairs (arrays, or the labels of a :class:`Training` bundle).

        Pairs are aggregated to distinct (pattern, label) rows with counts as sample weights,
        which gives the same fit as training on every pair.

        Args:
            gamma: Comparison levels of the labelled pairs.
            y: Label per pair (True / 1 = match); NaN rows are ignored.

        Returns:
            ``self``.
        """
        data, y = training_arrays(gamma, y)
        if y is None:
            raise ConfigError(
                "SupervisedModel needs labels: fit(gamma, y) with y True for matching pairs, "
                "or labels=... (reviewer labels) for the matcher."
            )
        from sklearn.linear_model import LogisticRegression

        g = check_gamma(data, self.n_levels)
        yy = np.asarray(y, dtype=np.float64).reshape(-1)
        if yy.shape[0] != g.shape[0]:
            raise ConfigError(f"y has {yy.shape[0]} labels for {g.shape[0]} pairs.")
        keep = ~np.isnan(yy)
        g = g[keep]
        is_match = yy[keep] > 0.5
        if is_match.all() or not is_match.any():
            raise ConfigError(
                "SupervisedModel needs both matching and non-matching labelled pairs."
            )
        if self.n_levels is None:
            self.n_levels = _infer_levels(g)
        patterns, (c_pos, c_neg) = aggregate_groups(
            g, self.n_levels, [is_match.astype(float), (~is_match).astype(float)]
        )
        x_pat = one_hot(patterns, self.n_levels)
        has_pos = c_pos > 0
        has_neg = c_neg > 0
        x = np.vstack([x_pat[has_pos], x_pat[has_neg]])
        target = np.concatenate([np.ones(has_pos.sum()), np.zeros(has_neg.sum())])
        weight = np.concatenate([c_pos[has_pos], c_neg[has_neg]])
        clf = LogisticRegression(C=self.C, max_iter=self.max_iter)
        clf.fit(x, target, sample_weight=weight)
        self.intercept_ = float(clf.intercept_[0])
        self.tables_ = _tables_from_coef(clf.coef_[0], self.n_levels)
        logger.info("Trained logistic model on %d labelled pairs", g.shape[0])
        return self

    def decision_function(self, gamma: np.ndarray) -> np.ndarray:
        """Log-odds (natural log) of a match for each pair."""
        if self.tables_ is None or self.intercept_ is None or self.n_levels is None:
            raise ModelError("SupervisedModel is not trained: call fit(gamma, y) first.")
        g = check_gamma(gamma, self.n_levels)
        return pattern_sum(g, self.tables_, self.n_levels, self.intercept_)

    def predict_proba(self, gamma: np.ndarray) -> np.ndarray:
        """Match probability of each pair."""
        return np.asarray(expit(self.decision_function(gamma)), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (coefficients, not pickles)."""
        return {
            "type": "supervised",
            "kind": self.kind,
            "n_levels": self.n_levels,
            "comparator_names": self.comparator_names,
            "C": self.C,
            "max_iter": self.max_iter,
            "intercept": self.intercept_,
            "tables": None
            if self.tables_ is None
            else [[float(v) for v in t] for t in self.tables_],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SupervisedModel:
        """Rebuild a model from :meth:`to_dict` output."""
        if d.get("type") != "supervised":
            raise ModelError(
                f"Expected a saved supervised model (type 'supervised'), got {d.get('type')!r}."
            )
        model = cls(
            d.get("kind", "logistic"),
            n_levels=d.get("n_levels"),
            comparator_names=d.get("comparator_names"),
            C=float(d.get("C", 1.0)),
            max_iter=int(d.get("max_iter", 1000)),
        )
        if d.get("intercept") is not None:
            model.intercept_ = float(d["intercept"])
        if d.get("tables") is not None:
            model.tables_ = [np.asarray(t, dtype=np.float64) for t in d["tables"]]
        return model

    def __repr__(self) -> str:
        state = "trained" if self.tables_ is not None else "untrained"
        return f"SupervisedModel({self.kind!r}, {state})"


class RecordLinkageClassifier(ProbabilityScores):
    """Use a ``recordlinkage`` classifier on comparison levels.

    The levels are turned into the binary feature frame recordlinkage classifiers expect (one
    0/1 column ``<comparator>_<level>`` per level, a null level is all zeros, indexed by a
    ``MultiIndex`` of pair positions). Prediction runs on the distinct patterns only.

    By default (``encoding="agreement"``) the "else" level 0 gets no column, so it reads like
    a null: every feature is then evidence *for* a match, which is what the ECM classifier's
    starting values assume (with a column for "else" too, ECM starts on the wrong foot and
    often ends in the wrong solution). ``encoding="onehot"`` keeps a column for every level.

    Args:
        classifier: A recordlinkage classifier instance, for example
            ``recordlinkage.ECMClassifier()`` (unsupervised) or
            ``recordlinkage.LogisticRegressionClassifier()`` (supervised). Training needs
            ``recordlinkage`` (the ``recordlinkage`` extra:
            ``pip install "migrant-records[recordlinkage]"``, which keeps pandas below 3); a
            saved adapter loads and scores without it.
        n_levels: Number of levels of each comparator; inferred from the data when ``None``.
        comparator_names: Optional comparator names used for the feature columns.
        encoding: ``"agreement"`` (columns for levels 1 and up) or ``"onehot"`` (all levels).

    Example:
        >>> import recordlinkage  # doctest: +SKIP
        >>> ecm = recordlinkage.ECMClassifier()  # doctest: +SKIP
        >>> model = RecordLinkageClassifier(ecm).fit(gamma)  # doctest: +SKIP
        >>> model.predict_proba(gamma)  # doctest: +SKIP
    """

    def __init__(
        self,
        classifier: Any,
        *,
        n_levels: Sequence[int] | None = None,
        comparator_names: Sequence[str] | None = None,
        encoding: str = "agreement",
    ) -> None:
        if encoding not in ("agreement", "onehot"):
            raise ConfigError(f"encoding must be 'agreement' or 'onehot', got {encoding!r}.")
        self.encoding = encoding
        self.classifier = classifier
        self.n_levels = None if n_levels is None else [int(x) for x in n_levels]
        self.comparator_names = None if comparator_names is None else list(comparator_names)
        self.classifier_name_: str | None = (
            None if classifier is None else type(classifier).__name__
        )
        self.intercept_: float | None = None
        self.tables_: list[np.ndarray] | None = None
        self._fitted = False

    def _columns(self) -> list[str]:
        assert self.n_levels is not None
        names = self.comparator_names or [f"c{k}" for k in range(len(self.n_levels))]
        first = 1 if self.encoding == "agreement" else 0
        return [
            f"{name}_{level}" for name, n in zip(names, self.n_levels) for level in range(first, n)
        ]

    def features(self, gamma: np.ndarray) -> pd.DataFrame:
        """The binary feature frame for ``gamma``, indexed by ``(pair, pair)`` positions."""
        if self.n_levels is None:
            self.n_levels = _infer_levels(check_gamma(gamma))
        x = one_hot(gamma, self.n_levels).astype(np.int8)
        if self.encoding == "agreement":
            starts = np.cumsum([0, *self.n_levels[:-1]])
            x = np.delete(x, starts, axis=1)
        pos = np.arange(x.shape[0])
        index = pd.MultiIndex.from_arrays([pos, pos], names=["pair_l", "pair_r"])
        return pd.DataFrame(x, index=index, columns=self._columns())

    def fit(
        self, gamma: Training | np.ndarray, y: np.ndarray | None = None
    ) -> RecordLinkageClassifier:
        """Train the wrapped classifier: unsupervised when ``y`` is None, else supervised
        (arrays, or a :class:`Training` bundle and its labels).

        Args:
            gamma: Comparison levels.
            y: Optional label per pair (True / 1 = match; NaN rows are dropped).

        Returns:
            ``self``.
        """
        if self.classifier is None:
            raise ModelError("This adapter was loaded from a file and cannot be retrained.")
        data, y = training_arrays(gamma, y)
        if y is not None and np.isnan(np.asarray(y, dtype=np.float64)).all():
            y = None
        g = check_gamma(data, self.n_levels)
        if y is not None:
            yy = np.asarray(y, dtype=np.float64).reshape(-1)
            if yy.shape[0] != g.shape[0]:
                raise ConfigError(f"y has {yy.shape[0]} labels for {g.shape[0]} pairs.")
            keep = ~np.isnan(yy)
            g, yy = g[keep], yy[keep]
        feats = self.features(g)
        if y is None:
            self.classifier.fit(feats)
        else:
            self.classifier.fit(feats, feats.index[yy > 0.5])
        self._fitted = True
        self._freeze()
        return self

    def _freeze(self) -> None:
        """Turn an additive classifier into per-comparator log-odds tables (for saving)."""
        assert self.n_levels is not None
        self.intercept_ = None
        self.tables_ = None
        k = len(self.n_levels)
        probes = [np.full(k, -1, dtype=np.int8)]
        for c, n in enumerate(self.n_levels):
            for level in range(n):
                row = np.full(k, -1, dtype=np.int8)
                row[c] = level
                probes.append(row)
        probe = np.vstack(probes)
        logit = self._raw_log_odds(probe)
        if logit is None:
            return
        base = float(logit[0])
        tables: list[np.ndarray] = []
        i = 1
        for n in self.n_levels:
            tables.append(np.concatenate(([0.0], logit[i : i + n] - base)))
            i += n
        self.intercept_ = base
        self.tables_ = tables

    def _raw_log_odds(self, gamma: np.ndarray) -> np.ndarray | None:
        """Exact log-odds from the wrapped classifier when it is additive, else ``None``."""
        kernel = getattr(self.classifier, "kernel", None)
        feats = self.features(gamma).to_numpy()
        try:
            if kernel is not None and hasattr(kernel, "_joint_log_likelihood"):
                jll = kernel._joint_log_likelihood(feats)
                return np.asarray(jll[:, 1] - jll[:, 0], dtype=np.float64)
            if kernel is not None and type(kernel).__name__ == "LogisticRegression":
                return np.asarray(kernel.decision_function(feats), dtype=np.float64)
        except Exception as exc:  # a classifier we cannot read stays usable, just not savable
            logger.debug("Cannot read log-odds from %s: %s", self.classifier_name_, exc)
        return None

    def predict_proba(self, gamma: np.ndarray) -> np.ndarray:
        """Match probability of each pair, computed once per distinct pattern."""
        if self.classifier is None:
            if self.tables_ is None or self.intercept_ is None:
                raise ModelError("The loaded recordlinkage adapter holds no parameters.")
            g = check_gamma(gamma, self.n_levels)
            assert self.n_levels is not None
            return np.asarray(expit(pattern_sum(g, self.tables_, self.n_levels, self.intercept_)))
        if not self._fitted:
            raise ModelError("The recordlinkage classifier is not trained: call fit() first.")
        g = check_gamma(gamma, self.n_levels)
        assert self.n_levels is not None
        codes = encode(g, self.n_levels)
        _, first, inv = np.unique(codes, return_index=True, return_inverse=True)
        prob = np.asarray(self.classifier.prob(self.features(g[first])), dtype=np.float64)
        return prob[inv.reshape(-1)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form: the classifier reduced to log-odds tables.

        Raises:
            ModelError: The classifier is not additive over the level features (only naive
                Bayes / ECM and logistic regression can be saved).
        """
        if self.tables_ is None or self.intercept_ is None:
            raise ModelError(
                f"{self.classifier_name_} cannot be saved: only trained ECM, naive Bayes and "
                "logistic regression classifiers reduce to saved parameters."
            )
        return {
            "type": "recordlinkage",
            "classifier": self.classifier_name_,
            "n_levels": self.n_levels,
            "comparator_names": self.comparator_names,
            "encoding": self.encoding,
            "intercept": self.intercept_,
            "tables": [[float(v) for v in t] for t in self.tables_],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RecordLinkageClassifier:
        """Rebuild a frozen (predict-only) adapter from :meth:`to_dict` output."""
        if d.get("type") != "recordlinkage":
            raise ModelError(
                f"Expected a saved recordlinkage model (type 'recordlinkage'), got "
                f"{d.get('type')!r}."
            )
        model = cls(
            None,
            n_levels=d["n_levels"],
            comparator_names=d.get("comparator_names"),
            encoding=d.get("encoding", "agreement"),
        )
        model.classifier_name_ = d.get("classifier")
        model.intercept_ = float(d["intercept"])
        model.tables_ = [np.asarray(t, dtype=np.float64) for t in d["tables"]]
        return model

    def __repr__(self) -> str:
        return f"RecordLinkageClassifier({self.classifier_name_})"
