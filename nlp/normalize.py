"""One place where Chinese text is cleaned before anything else looks at it.

Crawled pages, message-board exports and officer input arrive with HTML, scrape residue
(``\\n\\t\\t``, ``\\xa0``, ideographic spaces), full-width Latin letters and digits, and
sometimes traditional characters. Every later step (dedupe hashes, the domain model, search,
rules) must see the same text for the same message, so the cleaning happens here and nowhere else.

Two entry points: :func:`normalize_text` for text that may be HTML (crawled pages, exports:
tags are stripped and entities decoded until stable), and :func:`normalize_plain` for text known
to be plain (officer input, a board's already-extracted text): the same clean-up without touching
``<…>`` or ``&…;`` a citizen typed literally. Emoji are kept (they carry tone), minus the invisible
variation selectors that make the same emoji compare unequal; :func:`strip_emoji` removes them
where only words matter.

All functions are total: they accept any ``str`` (empty, 1 MB, emoji only) and never raise.
Every regular expression is written so that it runs in linear time on hostile input.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from pathlib import Path

# Elements whose content is not text a reader sees; dropped with their content.
_RAW_OPEN = re.compile(r"<(script|style|noscript|template|iframe)\b[^<>]*>|<!--", re.IGNORECASE)
# Tags that end a line of text in a browser.
_BREAK_TAG = re.compile(
    r"<\s*(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?blockquote|/?section|/?article|/?table|hr)\b[^<>]*>",
    re.IGNORECASE,
)
# Any other tag. A tag must start with a letter (or / or !), so "a < b" and "<<三国演义>>" survive.
_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*\b[^<>]*>|<![^<>]*>|<\?[^<>]*>")

# Full-width forms that are Latin letters, digits or ASCII symbols used inside words and numbers.
# Sentence punctuation Chinese typesets full-width (，！？：；（）) is kept: converting it would
# make Chinese text read like code, and it does not affect matching words. ＜＞＆ are kept too, so
# that converting them can never create markup a second pass would strip (normalisation is idempotent).
_KEEP_FULLWIDTH = set("，！？：；（）＜＞＆")
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH}
# Invisible characters scraped pages carry: zero-width spaces/joiners, BOM, soft hyphen.
# Also the C0/C1 control characters except newline (tabs and CR become spaces first).
# Emoji variation selectors (U+FE0E/FE0F) only choose text or colour presentation.
_INVISIBLE = dict.fromkeys(
    [
        *map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f"),
        *range(0, 10),
        *range(11, 32),
        *range(0x7F, 0xA0),
    ]
)
_SPACE_LIKE = dict.fromkeys(map(ord, "\xa0\u3000\u2002\u2003\u2009\u202f\t\r\f\v"), " ")
# One table for all character-level clean-up. It is applied before tags are stripped (so a tag
# hidden by a zero-width space is still seen) and again on what entities decode to.
_CHAR_MAP: dict[int, str | int | None] = {**_INVISIBLE, **_SPACE_LIKE, **_HALF_WIDTH}

_HSPACE_RUN = re.compile(r"[ ]{2,}")
_NEWLINE_RUN = re.compile(r" *\n[ \n]*")

# The separators OpenCC itself splits on; no dictionary entry crosses them.
_CLAUSE_SPLIT = re.compile(r"([\s,.?!*，。、；：？！…“”‘’「」『』（）《》〈〉【】]+)")


def strip_html(text: str) -> str:
    """Return the visible text of an HTML fragment, because crawled bodies are HTML."""
    if "<" not in text and "&" not in text:
        return text
    if "<" in text:
        text = _drop_raw_blocks(text)
        text = _BREAK_TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


def _drop_raw_blocks(text: str) -> str:
    """Remove script/style/comment blocks in one left-to-right pass (linear even if unclosed)."""
    parts: list[str] = []
    pos = 0
    while True:
        opened = _RAW_OPEN.search(text, pos)
        if opened is None:
            parts.append(text[pos:])
            break
        parts.append(text[pos : opened.start()])
        if opened.group(0) == "<!--":
            end = text.find("-->", opened.end())
            close_end = -1 if end < 0 else end + 3
        else:
            closing = re.compile(rf"</\s*{opened.group(1)}\s*>", re.IGNORECASE).search(text, opened.end())
            close_end = -1 if closing is None else closing.end()
        if close_end < 0:  # unclosed: a browser treats the rest as the block's content
            break
        pos = close_end
    return "".join(parts)


def normalize_text(text: str) -> str:
    """Return the canonical form of a message text so equal messages compare equal.

    Steps: HTML to text; scrape residue and odd spaces to plain spaces; full-width letters and
    digits to half-width; invisible and control characters removed; runs of spaces collapsed,
    paragraph breaks kept as single newlines; traditional to simplified; trimmed. Idempotent.
    """
    if not text:
        return ""
    for _ in range(3):  # until stable: double-escaped pages (&amp;lt;p&amp;gt;) need more than one pass
        cleaned = strip_html(text.translate(_CHAR_MAP))
        if cleaned == text:
            break
        text = cleaned
    text = _HSPACE_RUN.sub(" ", text)
    text = _NEWLINE_RUN.sub("\n", text)
    text = to_simplified(text)
    return text.strip()


def normalize_plain(text: str) -> str:
    """Like :func:`normalize_text` for text known to be plain: literal ``<…>`` and ``&…;`` are kept.

    A citizen may type "<script>" or "<<三国演义>>" and mean it; the crawler, having already turned
    markup into visible text once, calls this instead of shielding those characters itself.
    """
    if not text:
        return ""
    text = text.translate(_CHAR_MAP)
    text = _HSPACE_RUN.sub(" ", text)
    text = _NEWLINE_RUN.sub("\n", text)
    text = to_simplified(text)
    return text.strip()


# Pictographs, dingbats, flags, skin tones, keycaps; CJK and ordinary symbols (℃, ①, ※) are not touched.
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\U0001F1E6-\U0001F1FF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF"
    "\U0001F3FB-\U0001F3FF\u20E3\uFE0E\uFE0F]+"
)


def strip_emoji(text: str) -> str:
    """Text without emoji (for places where only words count, such as a model's character n-grams)."""
    return _EMOJI.sub("", text) if text else ""


def has_emoji(text: str) -> bool:
    return bool(_EMOJI.search(text))


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified, touching only clauses that need it.

    OpenCC's pure-Python converter costs about 2 µs per character, so converting a 1 MB page
    whole would take seconds; clauses without any convertible character are passed through.
    """
    triggers = _traditional_chars()
    if not text or triggers.isdisjoint(text):
        return text
    converter = _t2s()
    pieces = _CLAUSE_SPLIT.split(text)
    for i in range(0, len(pieces), 2):  # even indexes are clauses, odd ones separators
        if not triggers.isdisjoint(pieces[i]):
            pieces[i] = converter.convert(pieces[i])
    return "".join(pieces)


def content_hash(title: str, body: str) -> str:
    """Hash of the normalised title and body, the exact-duplicate key shared by every layer."""
    joined = normalize_text(title) + "\n" + normalize_text(body)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]  # opencc ships no type hints
    """The OpenCC converter, built once per process: it is a read-only dictionary lookup."""
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters whose presence means a clause may change under t2s conversion.

    Built from OpenCC's own dictionaries: every character of a character entry that maps to
    something else, and every character that differs inside a phrase entry. If the dictionary
    files cannot be found, every CJK character triggers conversion (slow but correct).
    """
    import opencc

    folder = Path(opencc.__file__).resolve().parent / "dictionary"
    chars: set[str] = set()
    try:
        for name in ("TSCharacters.txt", "TSPhrases.txt"):
            for line in (folder / name).read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                value = values.split(" ")[0]
                if key == value:
                    continue
                if len(key) == len(value):
                    chars.update(k for k, v in zip(key, value, strict=True) if k != v)
                else:
                    chars.update(key)
    except OSError:
        return frozenset(chr(cp) for cp in range(0x3400, 0xA000)) | frozenset(
            chr(cp) for cp in range(0x20000, 0x2A6E0)
        )
    return frozenset(chars)


_SENTENCE_END = re.compile(r"[。！？!?\n]")
OPENING_CHARS = 60


def split_opening(body: str) -> tuple[str, str]:
    """A title-less text as (first sentence, rest): hotline records and text-only posts have no title,
    and their first sentence (at most 60 characters) says what happened, as a title would."""
    match = _SENTENCE_END.search(body, 0, OPENING_CHARS + 1)
    cut = match.end() if match else min(len(body), OPENING_CHARS)
    return body[:cut].strip(), body[cut:].lstrip()
