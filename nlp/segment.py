"""Word segmentation: the one place that talks to jieba.

Chinese has no spaces, so both the domain model and the full-text index need words cut by
jieba. The model wants content words (stop words, punctuation and bare numbers removed); the
index wants every searchable piece, cut the same way for documents and queries. County unit
and town names are added to jieba's dictionary so they are kept whole.

jieba's process-wide default tokenizer is used on purpose: the model's tokenizer must be a
module-level function (picklable, loadable by skops), and every caller in a process should cut
text the same way. Call :func:`add_user_words` with the same words at every entry point
(``Understander.load`` does it for the county's names) so that documents and queries agree.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from math import log
from pathlib import Path

import jieba

from nlp.normalize import normalize_text

STOPWORDS_PATH = Path(__file__).resolve().parent / "data" / "stopwords.txt"

jieba.setLogLevel(logging.WARNING)


def tokens(text: str) -> list[str]:
    """Content words for the domain model: jieba words minus stop words, punctuation and numbers.

    Search mode emits a long dictionary word together with its dictionary sub-words
    ("景区管理" -> 景区, 管理, 景区管理), so adding taxonomy and unit names to the dictionary keeps
    the names whole without hiding their parts from the model. The HMM that guesses unknown words
    is off: it costs a third of the time and did not change accuracy in development.
    """
    keep = _KEEP
    out: list[str] = []
    for word in cut_for_search(text):
        token = keep.get(word, _UNSEEN)
        if token is _UNSEEN:
            token = _content_word(word)
            if len(keep) < _KEEP_MAX:
                keep[word] = token
        if token:
            out.append(token)  # type: ignore[arg-type]
    return out


_UNSEEN = object()
_KEEP_MAX = 500_000
# Which raw jieba words are content words, decided once per distinct word: a memo of a pure
# function of the word and the shipped stop-word list (not configuration), bounded in size.
_KEEP: dict[str, object] = {}


def _content_word(word: str) -> str:
    """The lowercased word if the model should see it, else '' (stop word, punctuation, number, stray letter)."""
    word = word.strip().lower()
    if not word or word in stopwords() or not _is_wordlike(word) or _is_number(word):
        return ""
    if len(word) == 1 and word.isascii():  # "A" of the masked "A市", stray letters
        return ""
    return word


def cut_for_search(text: str) -> list[str]:
    """Exactly ``jieba.lcut_for_search(text, HMM=False)``, about twice as fast.

    jieba builds a DAG of dictionary words (a list per position), then walks it backwards making
    a tuple and a ``log`` per edge. Here the two passes are fused into one backward scan with
    plain floats; the arithmetic, the tie-breaking (the longer word wins an equal score) and the
    handling of blocks, letters and digits are jieba's own, so every cut is the same — a test
    compares the two on thousands of real messages. It reads jieba's live dictionary, so words
    added with :func:`add_user_words` apply at once.
    """
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    freq = tokenizer.FREQ
    logtotal = log(tokenizer.total)
    out: list[str] = []
    for block in _RE_HAN.split(text):
        if not block:
            continue
        if _RE_HAN.match(block):
            words = _cut_block(block, freq, logtotal)
        else:
            words = []
            for piece in _RE_SKIP.split(block):
                if _RE_SKIP.match(piece):
                    words.append(piece)
                else:
                    words.extend(piece)
        for w in words:
            n = len(w)
            if n > 2:
                for i in range(n - 1):
                    gram = w[i : i + 2]
                    if freq.get(gram):
                        out.append(gram)
            if n > 3:
                for i in range(n - 2):
                    gram = w[i : i + 3]
                    if freq.get(gram):
                        out.append(gram)
            out.append(w)
    return out


def _cut_block(sentence: str, freq: dict[str, int], logtotal: float) -> list[str]:
    """jieba's ``__cut_DAG_NO_HMM`` for one block: the most probable path through dictionary words."""
    n = len(sentence)
    best = [0.0] * (n + 1)
    nxt = [0] * (n + 1)
    get = freq.get
    for k in range(n - 1, -1, -1):
        score = 0.0
        end = -1
        i = k
        f = get(sentence[k])
        while f is not None:  # jieba: while i < N and frag in FREQ
            if f:
                candidate = log(f) - logtotal + best[i + 1]
                if end < 0 or candidate > score or (candidate == score and i > end):
                    score, end = candidate, i
            i += 1
            if i >= n:
                break
            f = get(sentence[k : i + 1])
        if end < 0:
            score, end = log(get(sentence[k]) or 1) - logtotal + best[k + 1], k
        best[k], nxt[k] = score, end
    words: list[str] = []
    buf = ""
    x = 0
    while x < n:
        y = nxt[x] + 1
        word = sentence[x:y]
        if y - x == 1 and _RE_ENG.match(word):
            buf += word
        else:
            if buf:
                words.append(buf)
                buf = ""
            words.append(word)
        x = y
    if buf:
        words.append(buf)
    return words


_RE_HAN = jieba.re_han_default
_RE_SKIP = jieba.re_skip_default
_RE_ENG = jieba.re_eng


def search_tokens(text: str) -> list[str]:
    """Index terms for full-text search, identical for a document and a query with the same words.

    Uses jieba's search mode (long words plus their shorter parts) on normalised, lowercased
    text, so a document with "龙川县" also matches a search for "龙川". Stop words are kept: a
    phrase query must find them, and the index can rank them down itself.
    """
    text = normalize_text(text).lower()
    if not text:
        return []
    return [w for w in (w.strip() for w in jieba.cut_for_search(text)) if w and _is_wordlike(w)]


def add_user_words(words: Iterable[str]) -> None:
    """Teach jieba names it must keep whole (units, towns, taxonomy terms); idempotent."""
    for word in words:
        word = word.strip()
        if len(word) >= 2 and not any(ch.isspace() for ch in word):
            jieba.add_word(word, freq=_user_word_freq(word))


def _suggest_freq(word: str) -> int:
    """``jieba.suggest_freq(word, tune=False)`` without its generator overhead (same arithmetic)."""
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    freq, total = tokenizer.FREQ, float(tokenizer.total)
    product = 1.0
    for part in _cut_block(word, freq, log(total)) if _RE_HAN.fullmatch(word) else jieba.cut(word, HMM=False):
        product *= freq.get(part, 1) / total
    return max(int(product * total) + 1, freq.get(word, 1))


def keywords(text: str, top_k: int = 5) -> tuple[str, ...]:
    """The text's top TF-IDF words (jieba.analyse's IDF table), for a reader's quick overview.

    This segments the text again and loads a 6 MB table; ``Understander`` ranks the words it
    has already cut with the domain model's own IDF instead (:func:`top_terms`).
    """
    if not text.strip():
        return ()
    import jieba.analyse  # loads a 6 MB IDF table; only pay for it when keywords are wanted

    stop = stopwords()
    found = jieba.analyse.extract_tags(text, topK=top_k * 3)
    chosen = [w for w in found if w.lower() not in stop and _is_wordlike(w) and not _is_number(w)]
    return tuple(chosen[:top_k])


def top_terms(words: Iterable[str], idf: dict[str, float], top_k: int = 5) -> tuple[str, ...]:
    """The ``top_k`` words by count x IDF, longest first on ties: keywords without re-segmenting.

    Words shorter than two characters and words missing from ``idf`` (too rare to be in the
    model's vocabulary) are left out; a word that is part of a longer chosen word is skipped, so
    search mode's sub-words ("景区" of "景区管理") do not crowd out other keywords.
    """
    counts: dict[str, int] = {}
    for word in words:
        if len(word) >= 2 and word in idf:
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w] * idf[w], -len(w), w))
    chosen: list[str] = []
    for word in ranked:
        if any(word in longer for longer in chosen):
            continue
        chosen.append(word)
        if len(chosen) == top_k:
            break
    return tuple(chosen)


def warm_up() -> None:
    """Load jieba's dictionary now, so the first item is not a second slower."""
    jieba.initialize()


@lru_cache(maxsize=8)
def stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """Stop words from a one-word-per-line file ('#' starts a comment); read once per path."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            words.add(word)
    return frozenset(words)


def _user_word_freq(word: str) -> int:
    """A frequency high enough that jieba prefers the whole name over its parts."""
    return max(_suggest_freq(word), 1000)


def _is_wordlike(word: str) -> bool:
    """True when the token has at least one letter or digit (not only punctuation, symbols or space)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in word)


def _is_number(word: str) -> bool:
    """Bare numbers (years, phone numbers, house numbers) carry no topic for the model."""
    cleaned = word.replace(".", "").replace("-", "").replace(":", "")
    return cleaned.isdigit()
