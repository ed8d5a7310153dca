"""The one matcher of a name people typed against the names of things (teams, deliverables).

Forgiving the way people write: accents, case and punctuation do not count, and
a prefix of any word-start of the name is enough ("bogo" finds "Bogotá"). An
exact name wins over prefixes, so "Santiago" is not ambiguous beside
"Santiago de Cali".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from cohorte.handlers.lang.text import fold

T = TypeVar("T")

_WORD_SPLIT = re.compile(r"[^\w]+")


def words(text: str) -> list[str]:
    """Folded words: 'Publicación de datos-abiertos' -> publicacion, de, datos, abiertos."""
    return [word for word in _WORD_SPLIT.split(fold(text)) if word]


def name_key(text: str) -> str:
    """The form names are compared in: 'Bogotá D.C.' -> 'bogota d c'."""
    return " ".join(words(text))


def match_names(
    wanted: str, items: Sequence[T], names: Callable[[T], Iterable[str | None]]
) -> list[T]:
    """The items one of whose `names` starts with `wanted`, the exact ones first.

    The first of an item's names is its own (a team's name; the others, such as
    its city, are aliases): an exact own name wins over an exact alias, which
    wins over prefixes. So with teams "Lima" and "Lima Norte" (both in the city
    of Lima), "lima" is the team Lima.
    """
    key = name_key(wanted)
    if not key:
        return []
    keyed = [(item, [name_key(name) for name in names(item) if name]) for item in items]
    own = [item for item, keys in keyed if keys[:1] == [key]]
    if own:
        return own
    exact = [item for item, keys in keyed if key in keys]
    if exact:
        return exact
    return [item for item, keys in keyed if any(k.startswith(key) for k in keys)]
