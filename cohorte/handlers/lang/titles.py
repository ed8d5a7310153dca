"""The one reader of a quoted title in what people type.

Phones and Slack turn straight quotes into curly ones, and Spanish writers use
guillemets, so a title may come as "…", “…”, ”…”, «…», ‘…’ or '…'. The earliest
opening quote wins; its own closing quote ends the title. A straight single
quote is a quote only at the edges of words, so "O'Higgins" stays a name.
"""

from __future__ import annotations

from dataclasses import dataclass

QUOTE_PAIRS = {'"': '"', "“": "”", "”": "”", "«": "»", "‘": "’", "„": "“", "'": "'"}
# Quotes that are also apostrophes: they open only before a word and close only after one.
_APOSTROPHES = frozenset("'")
# Characters that only ever wrap a title: stripped from a bare title's edges.
QUOTE_CHARACTERS = "".join(sorted(set(QUOTE_PAIRS) | set(QUOTE_PAIRS.values())))


class UnclosedQuoteError(ValueError):
    """An opening quote without its closing one."""


@dataclass(frozen=True)
class Quoted:
    """A quoted title found in a text, and the text around it."""

    title: str  # whitespace collapsed; may be empty
    rest: str  # the text with the quoted part replaced by a space
    start: int  # where the opening quote was


def find_quoted(text: str, *, apostrophes: bool = True) -> Quoted | None:
    """The first quoted part of `text`, or None; UnclosedQuoteError if it never closes.

    `apostrophes=False` for free text (a note), where '…' is more often a quotation
    inside the sentence than the part to take out.
    """
    marks = [mark for mark in QUOTE_PAIRS if apostrophes or mark not in _APOSTROPHES]
    openings = [(index, mark) for mark in marks if (index := _opening(text, mark)) >= 0]
    if not openings:
        return None
    start, opening = min(openings)
    end = _closing(text, QUOTE_PAIRS[opening], start + 1, apostrophe=opening in _APOSTROPHES)
    if end < 0:
        raise UnclosedQuoteError(text[start:][:40])
    title = " ".join(text[start + 1 : end].split())
    return Quoted(title, f"{text[:start]} {text[end + 1 :]}", start)


def _opening(text: str, mark: str) -> int:
    index = text.find(mark)
    if mark not in _APOSTROPHES:
        return index
    while index >= 0 and not (index == 0 or text[index - 1].isspace()):
        index = text.find(mark, index + 1)
    return index


def _closing(text: str, mark: str, start: int, *, apostrophe: bool) -> int:
    index = text.find(mark, start)
    if not apostrophe:
        return index
    while index >= 0 and index + 1 < len(text) and text[index + 1].isalnum():
        index = text.find(mark, index + 1)
    return index


def split_title(text: str) -> tuple[str | None, str]:
    """'"Sesión semanal" mar 10:00' -> ('Sesión semanal', '  mar 10:00').

    No quotes: (None, text). An empty title is None.
    """
    found = find_quoted(text)
    if found is None:
        return None, text
    return found.title or None, found.rest
