"""Forgiving text comparison for what people type, and the name to greet someone by."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: 'Bogotá ' -> 'bogota'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def first_name(name: str) -> str:
    """The name to greet someone by: the first word of their full name that is not a title.

    'Laura Gómez Restrepo' -> 'Laura', 'Lic. Ana Ruiz' -> 'Ana', 'Lucía 🌎 Pérez' ->
    'Lucía'. People are listed by their full name (the cohort file's `name`, or the
    platform's name when they join) and greeted by its first word, so a cohort file
    writes the name people are called by first. A name of one word is itself.
    """
    words = name.split()
    for word in words:
        # "Dr.", "Lic.", "Ing.": a title, not the name; a word without letters is no name.
        if not word.endswith(".") and any(char.isalpha() for char in word):
            return word
    return name.strip()
