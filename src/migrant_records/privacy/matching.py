"""Link and deduplicate keyed encodings with the library's own matcher.

:class:`EncodedMatcher` is the :class:`~migrant_records.Matcher` with three differences:
its inputs are encoded frames or files (no reading of clear records, no standardisation:
that happened before encoding), its default comparators and blocking passes come from the
encoding schema, and it refuses inputs encoded with different schemas or keys. Training
(u from random pairs, m by EM, the prior from the NIK-and-name rule), scoring and
clustering are the matcher's own, so the result is the same kind of
:class:`~migrant_records.MatchResult` as a clear-text link; its records hold only
encodings, so explanations show levels and weights, never values.

This module is the one place that adapts the matcher to encodings: it builds the pipeline's
``Inputs`` from encoded frames and runs the matcher's own stages on them.

Example:
    >>> import migrant_records as mr
    >>> from migrant_records.privacy import EncodedMatcher, encode
    >>> sample = mr.datasets.load_sample()
    >>> frames = list(sample.sources.values())
    >>> key = bytes(range(32))
    >>> a, b = encode(frames[0], key), encode(frames[1], key)
    >>> result = EncodedMatcher(progress=False).link(a, b)
    >>> len(result.clusters) == len(a.records) + len(b.records)
    True
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from migrant_records import pipeline
from migrant_records.blocking import collapse_duplicates
from migrant_records.errors import ConfigError, ModelError
from migrant_records.io import Batch
from migrant_records.io.batch import empty_rejects
from migrant_records.matcher import Matcher
from migrant_records.privacy.blocking import schema_blocking
from migrant_records.privacy.comparators import byte_matrix, schema_comparators
from migrant_records.privacy.encode import check_compatible, encoding_info, read_encoded
from migrant_records.privacy.fields import DATE_WORDS, schema_columns
from migrant_records.privacy.schema import EncodingSchema
from migrant_records.result import MatchResult

__all__ = ["EncodedInput", "EncodedMatcher", "link_encoded"]

logger = logging.getLogger(__name__)

EncodedInput = pd.DataFrame | Batch | str | Path
"""An encoded frame, the ``Batch`` returned by ``encode``, or an encoded Parquet file."""


def _frame(item: EncodedInput) -> tuple[pd.DataFrame, str]:
    if isinstance(item, Batch):
        return item.records, item.source_name or "the encoded records"
    if isinstance(item, pd.DataFrame):
        return item, "the encoded records"
    return read_encoded(item), str(item)


def _collect(data: EncodedInput | Iterable[EncodedInput]) -> tuple[pd.DataFrame, str]:
    """One encoded frame from one or several encoded inputs (all with the same encoding)."""
    items: list[EncodedInput]
    if isinstance(data, (pd.DataFrame, Batch, str, Path)):
        items = [data]
    else:
        items = list(data)
    if not items:
        raise ConfigError("No encoded input given.")
    frames = [_frame(it) for it in items]
    first, name = frames[0]
    for other, other_name in frames[1:]:
        check_compatible(first, other, (name, other_name))
    if len(frames) == 1:
        return first, name
    out = pd.concat([f for f, _ in frames], ignore_index=True)
    out.attrs["encoding"] = encoding_info(first, name)
    dup = out.duplicated(["source", "record_id"])
    if dup.any():
        raise ConfigError(
            f"{int(dup.sum())} encoded records repeat a (source, record_id) of another input; "
            "each source must be encoded once."
        )
    return out, ", ".join(n for _, n in frames)


def _nik_families(valid: np.ndarray, typo_words: np.ndarray) -> np.ndarray:
    """Per record a NIK label that is one character away from the labels of NIKs one keying
    error apart (``None`` without a NIK), for the clear-text conflict rule to read.

    Two NIKs one substituted digit or one swap of adjacent digits apart share the keyed
    token of the NIK with that pair of digits masked (``w_nik``); NIKs linked by shared
    tokens form a family. A NIK's label is the smallest keyed NIK token of its family (32
    hex digits: labels of two families are never one character apart) followed by one
    character numbering the NIK within the family.
    """
    out = np.full(len(valid), None, dtype=object)
    ok = np.flatnonzero(pd.notna(valid))
    if not len(ok):
        return out
    nik_codes, niks = pd.factorize(valid[ok])
    words = typo_words[ok]
    word_codes, uniques = pd.factorize(words.ravel())
    n_nik = len(niks)
    rows = np.repeat(nik_codes, words.shape[1])
    keep = words.ravel() != 0
    graph = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], n_nik + word_codes[keep])),
        shape=(n_nik + len(uniques), n_nik + len(uniques)),
    )
    _, labels = connected_components(graph, directed=False)
    tokens = pd.Series(np.asarray(niks, dtype=object).astype(str))
    family = tokens.groupby(labels[:n_nik])
    name = family.transform("min")  # the smallest token names the family
    rank = family.rank(method="dense").astype(np.int64) - 1
    label = name + rank.map(lambda k: chr(0x10000 + int(k)))
    out[ok] = label.to_numpy(dtype=object)[nik_codes]
    return out


def _conflicts(schema: EncodingSchema) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The per-record attributes that must not disagree inside one cluster, from encodings.

    The rule on clear text, with keyed tokens: two usable NIKs that each agree with the
    record's own birth date conflict unless they are one keying error apart (shared keyed
    tokens of the NIK's one-error neighbourhood: :func:`_nik_families`) or encode the same
    district and birth date (the same keyed token of the NIK's first 12 digits); different
    sexes conflict. The clear-text rule's name check (twins get NIKs one serial apart and
    different names) compares the keyed tokens of the first and last name: every token of
    one name must be in the other (a keyed token has no spelling to compare, so a typo in
    the name counts as a different name here).
    """
    kinds = {f.kind: f.name for f in schema.fields}

    def frame(records: pd.DataFrame) -> pd.DataFrame:
        n = len(records)
        nik = np.full(n, None, dtype=object)
        head = np.full(n, None, dtype=object)
        names = np.full(n, None, dtype=object)
        agrees = np.zeros(n, dtype=bool)
        sex = pd.Series(pd.NA, index=records.index, dtype=object)
        if "nik" in kinds:
            name = kinds["nik"]
            valid = records[f"t_{name}_valid"].to_numpy(dtype=object)
            typo = byte_matrix(records, f"w_{name}", "conflicts", np.uint64)
            nik = _nik_families(valid, typo)
            head = records[f"t_{name}_head"].to_numpy(dtype=object)
        if "person_name" in kinds:
            first = records[f"t_{kinds['person_name']}_first"]
            last = records[f"t_{kinds['person_name']}_last"]
            both = first.notna() & last.notna()
            names[both.to_numpy()] = (first[both] + " " + last[both]).to_numpy(dtype=object)
        if "birth_date" in kinds:
            words = byte_matrix(records, f"w_{kinds['birth_date']}", "conflicts", np.uint64)
            dob = words[:, DATE_WORDS.index("date")]
            nik_date = words[:, DATE_WORDS.index("nik_date")]
            agrees = (dob == nik_date) & (nik_date != 0)
        if "sex" in kinds:
            sex = records[f"t_{kinds['sex']}"]
        return pd.DataFrame(
            {
                "nik_id": nik,
                "nik_agrees_dob": agrees,
                "nik_birth_date": head,
                "nik_district_code": head,
                "sex": sex.to_numpy(),
                "name": names,
            }
        )

    return frame


class EncodedMatcher(Matcher):
    """The matcher for keyed encodings (see the module docs).

    Args:
        schema: The encoding schema (default: the one the encodings carry).
        **options: Any :class:`~migrant_records.Matcher` argument (threshold, one_to_one,
            blocking, comparators, seed, progress, ...).

    Attributes:
        schema_: The encoding schema of the last inputs.
    """

    def __init__(self, schema: EncodingSchema | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.schema = schema
        self.schema_: EncodingSchema | None = schema

    def _resolve(self, inputs: pipeline.Inputs) -> None:
        assert self.schema_ is not None
        if self.comparators_ is None and self.comparators is None:
            self.comparators_ = list(schema_comparators(self.schema_))
        if self.blocking_ is None and self.blocking is None:
            self.blocking_ = schema_blocking(self.schema_)
        super()._resolve(inputs)

    def _encoded_inputs(
        self,
        data: EncodedInput | Iterable[EncodedInput],
        right: EncodedInput | Iterable[EncodedInput] | None = None,
    ) -> pipeline.Inputs:
        """The encoded sides as the pipeline's inputs (already standardised, nothing rejected)."""
        left, lname = _collect(data)
        other = None
        if right is not None:
            other, rname = _collect(right)
            schema = check_compatible(left, other, (lname, rname))
        else:
            schema = check_compatible(left, left, (lname, lname))
        if self.schema is not None and self.schema.fingerprint() != schema.fingerprint():
            raise ConfigError(
                "The encodings were made with another encoding schema than the one given to "
                "EncodedMatcher(schema=...)."
            )
        self.schema_ = schema
        # exact copies fold as on clear text: records whose encodings are all equal are one
        columns = schema_columns(schema)
        left, left_copies = collapse_duplicates(left.reset_index(drop=True), columns)
        right_copies = None
        if other is not None:
            other, right_copies = collapse_duplicates(other.reset_index(drop=True), columns)
        copies = None
        if left_copies.n_collapsed or (right_copies is not None and right_copies.n_collapsed):
            copies = (left_copies, right_copies)
        return pipeline.Inputs(left, other, empty_rejects(), copies)

    def fit(  # type: ignore[override]
        self,
        data: EncodedInput | Iterable[EncodedInput],
        right: EncodedInput | Iterable[EncodedInput] | None = None,
        *,
        labels: pd.DataFrame | None = None,
    ) -> EncodedMatcher:
        """Train on encoded records (dedupe) or on two encoded sides (link).

        Raises:
            ModelError: Blocking found no candidate pairs, so there is nothing to train on.
        """
        inputs = self._encoded_inputs(data, right)
        cand, gamma, _ = self._compare(inputs, {})
        if len(cand) == 0:
            raise ModelError(pipeline.no_candidates_message(len(inputs.records)))
        aligned, _ = pipeline.reviewer_labels(labels, inputs, cand)
        self._train(inputs, cand, gamma, aligned, self._tf(inputs, cand))
        return self

    def dedupe(  # type: ignore[override]
        self,
        data: EncodedInput | Iterable[EncodedInput],
        *,
        labels: pd.DataFrame | None = None,
        refit: bool | None = None,
    ) -> MatchResult:
        """Find records of the same person among encoded records."""
        return self._match(self._encoded_inputs(data), labels=labels, refit=refit, timings={})

    def link(  # type: ignore[override]
        self,
        left: EncodedInput | Iterable[EncodedInput],
        right: EncodedInput | Iterable[EncodedInput],
        *,
        labels: pd.DataFrame | None = None,
        refit: bool | None = None,
    ) -> MatchResult:
        """Find records of the same person across two encoded datasets."""
        return self._match(
            self._encoded_inputs(left, right), labels=labels, refit=refit, timings={}
        )

    def _conflict_rule(self) -> Any:
        """Conflicts on keyed tokens (no clear values to compare)."""
        assert self.schema_ is not None
        return _conflicts(self.schema_) if self.conflicts else None


def link_encoded(
    left: EncodedInput | Sequence[EncodedInput],
    right: EncodedInput | Sequence[EncodedInput],
    *,
    threshold: float = 0.5,
    one_to_one: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> MatchResult:
    """Link two encoded datasets with no configuration (like :func:`migrant_records.link`).

    Args:
        left: Encodings of the first dataset (frame, ``encode`` result or Parquet file).
        right: Encodings of the second dataset.
        threshold: Match probability at or above which records are joined.
        one_to_one: Keep each record in at most one match.
        seed: Seed for random pair sampling.
        progress: Show progress bars.

    Returns:
        A :class:`~migrant_records.MatchResult` over both sides.

    Raises:
        ConfigError: The two sides were encoded with different schemas or keys.
    """
    matcher = EncodedMatcher(
        threshold=threshold, one_to_one=one_to_one, seed=seed, progress=progress
    )
    return matcher.link(left, right)
