"""Near-duplicate messages (并单 candidates), found incrementally with MinHash LSH.

The same matter is often posted again with a new title, a sentence added or a few words
changed (国办函〔2025〕66号: 重复诉求事项原则上并单处理). Exact copies share ``content_hash``; near
copies are found here: each text becomes a MinHash signature of its character 3-shingles (on
the normalised text without spaces and punctuation), and datasketch's LSH returns the earlier
items whose estimated Jaccard similarity reaches the threshold.

The index lives in memory and is rebuilt at start-up from stored texts (:meth:`rebuild`) or,
cheaper, from stored signatures (:meth:`signature_bytes` / :meth:`add_signature`); persisting
them is the store's job. Shingles are hashed with numpy (no per-shingle Python call), so a
signature costs tens of microseconds; they are exactly what datasketch's own ``affine32`` MinHash
computes for the same 32-bit shingle hashes.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHashLSH

from nlp.normalize import normalize_text

SHINGLE = 3
NUM_PERM = 128
SEED = 1
# In messages_with_votes, pairs at 0.6 and above were reposts of one matter; 0.4-0.6 mixed reposts with
# similar complaints from other places. 并单 must not merge different matters, so 0.6.
THRESHOLD = 0.6
MAX_CHARS = 1000  # the opening of a message identifies it; bounds the cost of long pages
MIN_CHARS = 8  # shorter texts ("路灯坏了") are too generic to call duplicates

_NOT_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, emoji and spaces; letters (incl. CJK) and digits stay
_FMIX = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3 finalizer, as datasketch's affine32 scheme


@dataclass(frozen=True)
class Match:
    """An earlier item whose text is nearly the same, and how similar (estimated Jaccard)."""

    item_id: Hashable
    similarity: float


def compact(text: str, normalized: bool = False) -> str:
    """Normalised letters and digits only: spacing, punctuation and emoji do not make a new message."""
    text = text[: MAX_CHARS * 2]
    if not normalized:
        text = normalize_text(text)
    return _NOT_WORD.sub("", text.lower())[:MAX_CHARS]


def shingle_hashes(text: str) -> np.ndarray:
    """Distinct 32-bit hashes of the character 3-shingles of a compacted text."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < SHINGLE:
        return np.zeros(0, dtype=np.uint32)
    h = np.zeros(len(codes) - SHINGLE + 1, dtype=np.uint64)
    for k in range(SHINGLE):
        h = (h * np.uint64(0x01000193)) ^ codes[k : len(codes) - SHINGLE + 1 + k]
    return np.unique((h & np.uint64(0xFFFFFFFF)).astype(np.uint32))


class Signer:
    """MinHash signatures with fixed permutations (datasketch's ``affine32`` scheme).

    The permutations are drawn exactly as datasketch 2 draws them for (num_perm, seed), and the
    hash values are what its ``MinHash.update`` gives for the same 32-bit inputs (a test holds
    the two equal), so signatures can be compared with datasketch's own.
    """

    def __init__(self, num_perm: int = NUM_PERM, seed: int = SEED) -> None:
        generator = np.random.RandomState(seed)
        a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        self.num_perm, self.seed = num_perm, seed
        self.a, self.b = a[:, np.newaxis], b[:, np.newaxis]
        self.empty = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """Hash values (num_perm,) for a set of 32-bit shingle hashes."""
        if not len(hashes):
            return self.empty.copy()
        s1, m1, s2, m2, s3 = _FMIX
        hv = hashes.astype(np.uint32)
        hv = hv ^ (hv >> np.uint32(s1))
        hv = hv * np.uint32(m1)
        hv = hv ^ (hv >> np.uint32(s2))
        hv = hv * np.uint32(m2)
        hv = hv ^ (hv >> np.uint32(s3))
        return (self.a * hv[np.newaxis, :] + self.b).min(axis=1)


class _Sketch:
    """What MinHashLSH reads of a MinHash: its hash values, length and scheme (no re-validation)."""

    __slots__ = ("hashvalues",)
    scheme = "affine32"

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


class NearDuplicateIndex:
    """Items seen so far, queryable for near-duplicates of a new text; add/remove one at a time."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, seed: int = SEED) -> None:
        self.threshold = threshold
        self.signer = Signer(num_perm, seed)
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._signatures: dict[Hashable, np.ndarray] = {}
        self._posted: dict[Hashable, datetime | None] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._signatures

    def signature_of(self, text: str, normalized: bool = False) -> np.ndarray | None:
        """The signature of a text, or None when it is too short to compare."""
        compacted = compact(text, normalized)
        if len(compacted) < MIN_CHARS:
            return None
        return self.signer.signature(shingle_hashes(compacted))

    def add(
        self, item_id: Hashable, text: str, posted_at: datetime | None = None, *, normalized: bool = False
    ) -> list[Match]:
        """Earlier near-duplicates of this text (most similar first); the item is then indexed.

        ``normalized=True`` skips normalisation for text that already went through ``normalize_text``.
        """
        signature = self.signature_of(text, normalized)
        if signature is None:
            return []
        matches = self._matches(signature, exclude=item_id)
        self._insert(item_id, signature, posted_at)
        return matches

    def query(self, text: str) -> list[Match]:
        """Near-duplicates of a text among the indexed items, without adding it."""
        signature = self.signature_of(text)
        return [] if signature is None else self._matches(signature)

    def add_signature(self, item_id: Hashable, data: bytes, posted_at: datetime | None = None) -> None:
        """Index an item from a stored signature (see :meth:`signature_bytes`)."""
        signature = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        if len(signature) != self.signer.num_perm:
            raise ValueError(f"stored signature has {len(signature)} values, this index uses {self.signer.num_perm}")
        self._insert(item_id, signature, posted_at)

    def signature_bytes(self, item_id: Hashable) -> bytes:
        """The item's signature as little-endian uint32 bytes, for the store to keep."""
        return self._signatures[item_id].astype("<u4").tobytes()

    def remove(self, item_id: Hashable) -> None:
        """Forget an item (deleted, or merged away for good)."""
        if item_id in self._signatures:
            self._lsh.remove(item_id)
            del self._signatures[item_id]
            self._posted.pop(item_id, None)

    def forget_before(self, moment: datetime) -> int:
        """Forget items posted before ``moment`` (bounded memory in a long-running process)."""
        old = [i for i, when in self._posted.items() if when is not None and when < moment]
        for item_id in old:
            self.remove(item_id)
        return len(old)

    def recent(self, matches: list[Match], posted_at: datetime | None, window: timedelta) -> list[Match]:
        """The matches posted within ``window`` before ``posted_at`` (a burst of the same matter)."""
        if posted_at is None:
            return []
        out = []
        for match in matches:
            when = self._posted.get(match.item_id)
            if when is not None and timedelta(0) <= posted_at - when <= window:
                out.append(match)
        return out

    @classmethod
    def rebuild(
        cls, items: Iterable[tuple[Hashable, str] | tuple[Hashable, str, datetime | None]], **options: float
    ) -> NearDuplicateIndex:
        """An index of stored texts ((id, text) or (id, text, posted_at)), e.g. at start-up."""
        index = cls(**options)  # type: ignore[arg-type]
        for row in items:
            item_id, text = row[0], row[1]
            signature = index.signature_of(text)
            if signature is not None and item_id not in index:
                index._insert(item_id, signature, row[2] if len(row) > 2 else None)  # type: ignore[misc]
        return index

    def _insert(self, item_id: Hashable, signature: np.ndarray, posted_at: datetime | None) -> None:
        if item_id in self._signatures:
            self.remove(item_id)
        self._lsh.insert(item_id, _Sketch(signature), check_duplication=False)
        self._signatures[item_id] = signature
        self._posted[item_id] = posted_at

    def _matches(self, signature: np.ndarray, exclude: Hashable | None = None) -> list[Match]:
        found = []
        for other in self._lsh.query(_Sketch(signature)):
            if other == exclude:
                continue
            similarity = float(np.mean(self._signatures[other] == signature))
            if similarity >= self.threshold:
                found.append(Match(other, round(similarity, 3)))
        return sorted(found, key=lambda m: (-m.similarity, str(m.item_id)))
