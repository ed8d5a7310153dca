"""The bot's own light markup, and people's words kept literal inside it.

Reply text (`handlers/core/messages.py`) carries one piece of markup, the
bot's own `*bold*`, written in the catalogs and in a few handlers. What people
typed — names, team and deliverable titles, notes, answers, announcements —
must never format: a participant called `*Ana*` is shown with her stars, on
every platform.

So people's words travel *marked*: between `OPEN` and `CLOSE`, two
characters of Unicode's private-use area that nobody types and no font
draws. The `Translator` marks every text it interpolates (`{name}`,
`{title}`, ...); a handler that places a value outside the catalogs marks it
with `literal()` (or `bold()` for the bot's bold around it). An adapter walks
the text with `render()`: the bot's markup becomes its platform's (Telegram
HTML, Slack mrkdwn), marked text is escaped for the platform and never
formatted. Where text leaves as plain text — a button label, a form, the
console, a file — `plain()` drops the marks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# U+E000 and U+E001: private use, so they never come from a keyboard and mean nothing
# to any platform; `literal()` removes them from what it marks all the same.
OPEN = "\ue000"
CLOSE = "\ue001"
_MARKS = str.maketrans("", "", OPEN + CLOSE)
# Stands for one marked piece while the bot's bold is found around it: not a star, not
# white space, not a line break, so `*{title}*` is bold whatever the title holds.
_PIECE = "\ue002"
# The bot's bold: a star before a non-space, the next star after a non-space, one line.
_BOLD = re.compile(r"\*(?=\S)([^*\n]*?\S)\*")


def literal(text: object) -> str:
    """`text` marked as people's words: shown as it is, never formatted.

    Marks already inside it are dropped, so a whole interpolated sentence is one
    literal piece (the catalogs never pass bot markup as a parameter).
    """
    return OPEN + str(text).translate(_MARKS) + CLOSE


def bold(text: object) -> str:
    """People's words in the bot's bold: a title as a heading, a name over answers."""
    return f"*{literal(text)}*"


def plain(text: str) -> str:
    """The text with its marks dropped: the bot's `*` stays, people's words as typed.

    For plain-text places (button labels, form fields, the console, files) and
    for tests that read what a reply says.
    """
    return text.translate(_MARKS)


def _pieces(text: str) -> tuple[str, list[str]]:
    """The text with each marked piece replaced by `_PIECE`, and those pieces in order.

    An unclosed mark runs to the end; a stray close is dropped.
    """
    skeleton: list[str] = []
    pieces: list[str] = []
    rest = text.replace(_PIECE, "")
    while rest:
        start = rest.find(OPEN)
        if start < 0:
            skeleton.append(rest.replace(CLOSE, ""))
            break
        skeleton.append(rest[:start].replace(CLOSE, ""))
        end = rest.find(CLOSE, start + 1)
        if end < 0:
            end = len(rest)
        piece = rest[start + 1 : end]
        if piece:
            skeleton.append(_PIECE)
            pieces.append(piece)
        rest = rest[end + 1 :]
    return "".join(skeleton), pieces


def render(
    text: str,
    *,
    markup: Callable[[str], str],
    literal: Callable[[str], str],
    bold: Callable[[str], str],
) -> str:
    """The text in a platform's terms: `markup` renders the bot's own words (escaping
    them), `literal` people's words (escaping and neutralising them), `bold` wraps what
    the bot set in bold (already rendered)."""
    skeleton, pieces = _pieces(text)
    queue = iter(pieces)

    def words(part: str) -> str:
        out: list[str] = []
        for index, chunk in enumerate(part.split(_PIECE)):
            if index:
                out.append(literal(next(queue)))
            if chunk:
                out.append(markup(chunk))
        return "".join(out)

    out: list[str] = []
    position = 0
    for match in _BOLD.finditer(skeleton):
        out.append(words(skeleton[position : match.start()]))
        out.append(bold(words(match.group(1))))
        position = match.end()
    out.append(words(skeleton[position:]))
    return "".join(out)


def without_markup(text: str) -> str:
    """The text as plain words, the bot's bold dropped too (a toast, a command menu)."""
    return render(text, markup=_same, literal=_same, bold=_same)


def _same(text: str) -> str:
    return text


def reseal(chunks: list[str]) -> list[str]:
    """Pieces of one text cut anywhere, each closing the marked piece it cuts and the
    next one opening it again, so that every piece renders on its own."""
    sealed: list[str] = []
    inside = False
    for chunk in chunks:
        head = OPEN if inside else ""
        for char in chunk:
            if char == OPEN:
                inside = True
            elif char == CLOSE:
                inside = False
        sealed.append(head + chunk + (CLOSE if inside else ""))
    return sealed
