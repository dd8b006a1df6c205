"""Sentence embeddings for claim matching: WordLlama's 256-dimension model, loaded offline.

The model ships inside the ``wordllama`` wheel (``weights/`` and ``tokenizers/`` in the package
folder). WordLlama looks for the tokenizer in a ``tokenizer/`` folder that the wheel does not
have, then in its cache and then on Hugging Face; we hand it the package folder as its cache
and ``disable_download=True``, so it finds both files there and never opens a connection (a
test blocks sockets and loads it). A missing file is an error, never a download.

Vectors are float32, unit length, stored as their little-endian bytes: the dot product of two
of them is their cosine similarity.

``signs`` keeps one bit a dimension (is it positive?), 32 bytes a vector: the Hamming
distance between two sign codes (``hamming``) follows the angle between the vectors (random
hyperplanes: Charikar, 2002), so the few thousand claims nearest in Hamming distance hold the
nearest by cosine, and reading 3 MB of codes instead of 100 MB of floats finds them.
"""

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

DIMENSIONS = 256
DTYPE = np.dtype("<f4")

Matrix = npt.NDArray[np.float32]
# Sign codes: one row of DIMENSIONS // 64 unsigned 64-bit words a vector.
Codes = npt.NDArray[np.uint64]


@cache
def _model() -> Any:
    import wordllama  # imported on first use: a page that never matches pays nothing

    folder = Path(wordllama.__file__).parent
    return wordllama.WordLlama.load(
        config="l2_supercat", dim=DIMENSIONS, cache_dir=folder, disable_download=True
    )


def embed(texts: Sequence[str]) -> Matrix:
    """Return one unit-length float32 row per text (an all-zero row for an empty text)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=DTYPE)
    vectors = np.asarray(_model().embed(list(texts), norm=False), dtype=DTYPE)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def to_bytes(vector: Matrix) -> bytes:
    """The stored form of one vector."""
    return np.asarray(vector, dtype=DTYPE).tobytes()


def from_bytes(rows: Sequence[bytes]) -> Matrix:
    """A matrix of stored vectors, one row each."""
    if not rows:
        return np.zeros((0, DIMENSIONS), dtype=DTYPE)
    return np.frombuffer(b"".join(rows), dtype=DTYPE).reshape(len(rows), DIMENSIONS)


def signs(matrix: Matrix, centre: Matrix | None = None) -> Codes:
    """The sign code of each row: bit i set when dimension i is above ``centre``'s (0 when
    none). Centred on the mean of the vectors coded, the bits split them evenly: WordLlama's
    vectors share a common direction, and uncentred codes agree on its bits for every claim."""
    shifted = np.asarray(matrix) if centre is None else np.asarray(matrix) - centre
    packed = np.packbits(shifted > 0, axis=-1)
    return np.ascontiguousarray(packed).view(np.uint64)


def hamming(codes: Codes, code: Codes) -> npt.NDArray[np.uint16]:
    """The Hamming distance between each row of ``codes`` and ``code`` (one row)."""
    counts = np.bitwise_count(codes ^ code)
    # Column by column: numpy's sum over a short last axis is several times slower.
    total = counts[:, 0].astype(np.uint16)
    for column in range(1, counts.shape[1]):
        total += counts[:, column]
    return total


def dot(matrix: Matrix, vector: Matrix) -> Matrix:
    """Each row of ``matrix`` times ``vector``, without BLAS: a matrix-vector product is bound
    by memory, and BLAS threads spin for a CPU on a busy machine (12 ms median against 0.6 ms
    for 2,000 rows at load 5 on 2 cores)."""
    return np.einsum("ij,j->i", matrix, vector)
