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
from pathlib import Path

import jieba

from nlp.normalize import normalize_text

STOPWORDS_PATH = Path(__file__).resolve().parent / "data" / "stopwords.txt"

jieba.setLogLevel(logging.WARNING)


def tokens(text: str) -> list[str]:
    """Content words for the domain model: jieba words minus stop words, punctuation and numbers."""
    stop = stopwords()
    out: list[str] = []
    for word in jieba.lcut(text):
        word = word.strip().lower()
        if not word or word in stop or not _is_wordlike(word) or _is_number(word):
            continue
        if len(word) == 1 and word.isascii():  # "A" of the masked "A市", stray letters
            continue
        out.append(word)
    return out


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


def keywords(text: str, top_k: int = 5) -> tuple[str, ...]:
    """The text's top TF-IDF words (jieba.analyse's IDF table), for a reader's quick overview."""
    if not text.strip():
        return ()
    import jieba.analyse  # loads a 6 MB IDF table; only pay for it when keywords are wanted

    stop = stopwords()
    found = jieba.analyse.extract_tags(text, topK=top_k * 3)
    chosen = [w for w in found if w.lower() not in stop and _is_wordlike(w) and not _is_number(w)]
    return tuple(chosen[:top_k])


def warm_up() -> None:
    """Load jieba's dictionary and keyword IDF table now, so the first item is not 1 s slower."""
    import jieba.analyse  # noqa: F401  (importing it loads the IDF table)

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
    suggested = jieba.suggest_freq(word, tune=False)
    return max(int(suggested), 1000)


def _is_wordlike(word: str) -> bool:
    """True when the token has at least one letter or digit (not only punctuation, symbols or space)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in word)


def _is_number(word: str) -> bool:
    """Bare numbers (years, phone numbers, house numbers) carry no topic for the model."""
    cleaned = word.replace(".", "").replace("-", "").replace(":", "")
    return cleaned.isdigit()
