"""Names typed in chat for things the bot shows to everyone (a cohort, a team): one rule.

People's words are shown as typed (`locales.markup`), so no name could format a
message; still, a name meant to be read in every chat and written to the cohort
file is plain words: markup characters are refused with a sentence that says which.
"""

from __future__ import annotations

import re
import unicodedata

from cohorte.handlers.core.errors import CohortError
from cohorte.locales import N_

# The bot's and the platforms' markup (bold, italics, strike, code, HTML, Slack links).
_MARKUP = re.compile(r"[*_~`<>|\[\]{}\\]")


def read_name(text: str, limit: int) -> str:
    """`text` as a name: spaces collapsed; `CohortError` if it is empty, over `limit`
    characters, or has markup or control characters."""
    name = " ".join(text.split())
    if not name:
        raise CohortError(N_("The name is empty."))
    if len(name) > limit:
        raise CohortError(
            N_("That name is too long ({length} characters); the limit is {limit}."),
            length=len(name),
            limit=limit,
        )
    found = _MARKUP.search(name)
    if found is not None or any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise CohortError(
            N_("A name is plain words: “{name}” has a character I do not take in names ({char})."),
            name=name,
            char=found.group() if found is not None else "?",
        )
    return name
