"""Chinese text for SQLite FTS5: overlapping character bigrams, so that any word is found.

FTS5 does not segment Chinese, and a segmenter does not split the same word the same way in
every sentence (jieba cuts 路灯不亮 as 路/灯不亮 but the query 路灯 as 路灯). Indexing overlapping
bigrams of every Chinese run, and looking a word up as the phrase of its bigrams, finds a word
wherever it occurs as a substring — what a person expects of a search box — whatever the
segmenter did. Latin letters and digits are kept as lowercased words.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+|[0-9a-zA-Z]+")


def _is_cjk(run: str) -> bool:
    return not run[0].isascii()


def index_tokens(text: str) -> list[str]:
    """The tokens a text is indexed by: CJK bigrams (a lone character stays itself) and words."""
    out: list[str] = []
    for run in _RUN.findall(text):
        if not _is_cjk(run):
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def index_text(text: str) -> str:
    return " ".join(index_tokens(text))


def match_terms(words: list[str]) -> list[tuple[str, ...]]:
    """What each query word must match: a phrase of index tokens, or ``("*", c)`` for a lone
    character (any bigram that starts with it)."""
    terms: list[tuple[str, ...]] = []
    for word in words:
        for run in _RUN.findall(word):
            if not _is_cjk(run):
                terms.append((run.lower(),))
            elif len(run) == 1:
                terms.append(("*", run))
            else:
                terms.append(tuple(run[i:i + 2] for i in range(len(run) - 1)))
    return terms


def match_expression(words: list[str]) -> str:
    """An FTS5 expression that requires every word as a substring (phrase of its bigrams)."""
    return " ".join(
        term[1] + "*" if term[0] == "*" else '"' + " ".join(term) + '"' for term in match_terms(words)
    )
