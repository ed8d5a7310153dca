"""Every string in the source is translated, in Spanish and in English."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from cohorte import locales
from cohorte.locales import LANGUAGES, MissingCatalogError, Translator

SOURCE = Path(locales.__file__).parents[1]


def _source_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def _catalog(language: str) -> Catalog:
    with locales.catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_string_is_translated(language: str) -> None:
    catalog = _catalog(language)
    problems = []
    for message in _source_messages():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if any(not text for text in translations):
            problems.append(f"empty: {msgid!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    for entry in _catalog(language):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set().union(*(_fields(i) for i in ids)) - {"n"}
        for text in strings:
            assert _fields(text) - {"n"} == expected, (language, entry.id, text)


def test_a_missing_catalog_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(locales, "CATALOG_DIR", tmp_path)
    locales._translations.cache_clear()
    try:
        with pytest.raises(MissingCatalogError):
            Translator("en")
    finally:
        monkeypatch.undo()
        locales._translations.cache_clear()


def test_regional_locales_use_the_language_catalog() -> None:
    assert Translator("es_CO").language == "es"
    assert Translator("pt_BR").language == "es"  # unsupported: the default, not msgids


def test_dates_read_naturally_in_both_languages() -> None:
    instant = datetime(2025, 4, 23, 15, 0, tzinfo=UTC)
    assert Translator("es").when(instant, "America/Bogota") == (
        "miércoles, 23 de abril · 10:00 (hora de Bogotá)"
    )
    assert Translator("en").when(instant, "America/Argentina/Buenos_Aires") == (
        "Wednesday, April 23 · 12:00 (Buenos Aires time)"
    )


def test_plurals() -> None:
    es = Translator("es", markup=False)
    assert es.ngettext("{cohort}: {n} member", "{cohort}: {n} members", 1, cohort="X") == (
        "X: 1 integrante"
    )
    assert es.ngettext("{cohort}: {n} member", "{cohort}: {n} members", 3, cohort="X") == (
        "X: 3 integrantes"
    )
