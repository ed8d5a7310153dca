"""The one reader of a quoted title in what people type.

Phones and Slack turn straight quotes into curly ones, and Spanish writers use
guillemets, so a title may come as "…", “…”, ”…”, «…» or ‘…’. The earliest
opening quote wins; its own closing quote ends the title.
"""

from __future__ import annotations

from dataclasses import dataclass

QUOTE_PAIRS = {'"': '"', "“": "”", "”": "”", "«": "»", "‘": "’", "„": "“"}
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


def find_quoted(text: str) -> Quoted | None:
    """The first quoted part of `text`, or None; UnclosedQuoteError if it never closes."""
    openings = [(index, mark) for mark in QUOTE_PAIRS if (index := text.find(mark)) >= 0]
    if not openings:
        return None
    start, opening = min(openings)
    end = text.find(QUOTE_PAIRS[opening], start + 1)
    if end < 0:
        raise UnclosedQuoteError(text[start:][:40])
    title = " ".join(text[start + 1 : end].split())
    return Quoted(title, f"{text[:start]} {text[end + 1 :]}", start)


def split_title(text: str) -> tuple[str | None, str]:
    """'"Sesión semanal" mar 10:00' -> ('Sesión semanal', '  mar 10:00').

    No quotes: (None, text). An empty title is None.
    """
    found = find_quoted(text)
    if found is None:
        return None, text
    return found.title or None, found.rest
