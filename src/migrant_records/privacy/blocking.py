"""Blocking on encodings: keyed blocking-key tokens and MinHash LSH over Bloom filter bits.

Keyed blocking keys are ordinary exact blocking passes over ``k_<name>`` token columns (two
records share a token exactly when they share the clear key). :class:`BloomLSH` pairs records
whose Bloom filters are similar: MinHash over the set bits of each filter, banded, within a
keyed group (for example birth year, regency and sex).

Example:
    >>> from migrant_records.privacy import default_schema
    >>> [p.name for p in schema_blocking(default_schema())][:3]
    ['nik', 'nik_abc', 'nik_abd']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking import (
    BaseStrategy,
    BlockingStrategy,
    BlockPairs,
    ExactBlock,
    register_strategy,
)
from migrant_records.blocking._pairs import cross_pairs, dedupe_pairs, unique_pairs
from migrant_records.errors import ConfigError, SchemaError
from migrant_records.privacy.schema import EncodingSchema

__all__ = ["BloomLSH", "schema_blocking"]

_EMPTY = np.empty(0, dtype=np.int64)


def _filters(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        raise SchemaError(
            f"Bloom LSH needs the encoded column {column!r}; link encodings made with the same "
            "encoding schema."
        )
    values = frame[column].to_numpy(dtype=object)
    if len(values) == 0:
        return np.zeros((0, 8), dtype=np.uint8)
    width = len(values[0])
    return np.frombuffer(b"".join(values), dtype=np.uint8).reshape(len(values), width)


class BloomLSH(BaseStrategy):
    """MinHash LSH over the set bits of a Bloom filter column.

    Each of ``bands * rows`` keyed-independent permutations of the bit positions gives a
    MinHash (the first set bit in permuted order); records agreeing on all ``rows`` values of
    a band (and on the ``within`` token) share a bucket. The probability that two filters
    share a bucket rises steeply with their Jaccard similarity.

    Args:
        column: The ``b_<field>`` column.
        bands: Number of bands.
        rows: MinHash values per band.
        within: A token column that must also agree (``None``: none).
        seed: Seed of the bit permutations (not secret: bit positions are already keyed).
        name: Pass name.
        max_block_size: Buckets with more records are skipped.
    """

    kind = "bloom_lsh"

    def __init__(
        self,
        column: str,
        *,
        bands: int = 10,
        rows: int = 5,
        within: str | None = None,
        seed: int = 0,
        name: str | None = None,
        max_block_size: int | None = 200,
    ) -> None:
        if bands < 1 or rows < 1:
            raise ConfigError(f"bands and rows must be positive, got {bands} and {rows}.")
        self.column = column
        self.bands = int(bands)
        self.rows = int(rows)
        self.within = within
        self.seed = int(seed)
        self.name = name or f"lsh_{column}"
        self.max_block_size = max_block_size

    def _signatures(self, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MinHash signatures (``(n, bands * rows)``) and which filters are empty."""
        rows = [r.tobytes() for r in packed]
        codes, uniques = pd.factorize(pd.Series(rows, dtype=object))
        uniq = np.frombuffer(b"".join(uniques), dtype=np.uint8).reshape(len(uniques), -1)
        dense = np.unpackbits(uniq, axis=1, bitorder="little").astype(bool)
        empty = ~np.asarray(dense.any(axis=1), dtype=bool)
        rng = np.random.default_rng(self.seed)
        n_perm = self.bands * self.rows
        sig = np.empty((len(uniq), n_perm), dtype=np.int32)
        for p in range(n_perm):
            perm = rng.permutation(dense.shape[1])
            sig[:, p] = dense[:, perm].argmax(axis=1)
        return sig[codes], empty[codes]

    def _block_pairs(self, left: pd.DataFrame, right: pd.DataFrame | None) -> BlockPairs:
        frames = [left] if right is None else [left, right]
        packed = np.concatenate([_filters(f, self.column) for f in frames])
        sig, empty = self._signatures(packed)
        if self.within:
            parts = []
            for f in frames:
                if self.within not in f.columns:
                    raise SchemaError(f"Bloom LSH needs the encoded column {self.within!r}.")
                parts.append(f[self.within].astype(object))
            group, _ = pd.factorize(pd.concat(parts, ignore_index=True))
        else:
            group = np.zeros(len(packed), dtype=np.int64)
        ok = ~empty & (group >= 0)
        mult = np.uint64(0x9E3779B97F4A7C15)
        n_left = len(left)
        found_i, found_j = [], []
        for band in range(self.bands):
            h = group.astype(np.uint64)
            for r in range(self.rows):
                h = (h ^ sig[:, band * self.rows + r].astype(np.uint64)) * mult
            codes, _ = pd.factorize(h)
            codes = np.where(ok, codes, -1).astype(np.int64)
            if right is None:
                i, j, _ = dedupe_pairs(codes, self.max_block_size)
            else:
                i, j, _ = cross_pairs(codes[:n_left], codes[n_left:], self.max_block_size)
            found_i.append(i)
            found_j.append(j)
        if not found_i:
            return BlockPairs(_EMPTY.copy(), _EMPTY.copy())
        n_right = n_left if right is None else len(right)
        i, j = unique_pairs(np.concatenate(found_i), np.concatenate(found_j), n_right)
        return BlockPairs(i, j)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration."""
        return {
            "strategy": self.kind,
            "column": self.column,
            "bands": self.bands,
            "rows": self.rows,
            "within": self.within,
            "seed": self.seed,
            "name": self.name,
            "max_block_size": self.max_block_size,
        }


def schema_blocking(schema: EncodingSchema) -> list[BlockingStrategy]:
    """The blocking passes of an encoding schema: one per keyed key, then the LSH pass."""
    passes: list[BlockingStrategy] = [
        ExactBlock([f"k_{b.name}"], name=b.name, max_block_size=b.max_block_size)
        for b in schema.blocking
    ]
    if schema.lsh is not None:
        lsh = schema.lsh
        passes.append(
            BloomLSH(
                f"b_{lsh.field}",
                bands=lsh.bands,
                rows=lsh.rows,
                within=f"k_{lsh.field}_lsh" if lsh.within else None,
                name=f"lsh_{lsh.field}",
                max_block_size=lsh.max_block_size,
            )
        )
    return passes


register_strategy("bloom_lsh", BloomLSH)
