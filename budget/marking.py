"""Search words marked in the text a row shows: the text is escaped first and only the <mark> tags
are markup, so a table's text can never become HTML however it is written."""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET = 30  # characters of a goal shown either side of the first word found in it


def _pattern(terms) -> re.Pattern | None:
    return _compiled(tuple(terms))


@lru_cache(maxsize=256)  # a page marks the same few words in hundreds of cells
def _compiled(terms: tuple) -> re.Pattern | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)  # the longer word wins where two overlap
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None


def marked(text, terms) -> SafeString:
    """text, escaped, with every occurrence of a term inside <mark>."""
    text = "" if text is None else str(text)
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    parts, end = [], 0
    for match in pattern.finditer(text):
        parts += [escape(text[end : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        end = match.end()
    parts.append(escape(text[end:]))
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 every piece of text is escaped above


def snippet(text, terms) -> SafeString | None:
    """The part of a long text around the first term found in it, marked; None when no term is in it."""
    text = "" if text is None else str(text)
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    if match is None:
        return None
    start, end = max(0, match.start() - SNIPPET), min(len(text), match.end() + SNIPPET)
    shown = marked(text[start:end], terms)
    return mark_safe(("…" if start else "") + shown + ("…" if end < len(text) else ""))  # noqa: S308 marked escapes
