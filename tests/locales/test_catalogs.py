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


# Every plural of the catalogs, read with one and with four (Spanish, then English), and
# the other numbers of the sentence as the code passes them: the forms agree with the
# number that governs them. A new plural needs its line here, read by a person.
PLURAL_SAMPLES = dict(title="T", when="W", name="Ana", team="Lima", teams="Lima, Quito")
PLURAL_SAMPLES |= dict(cohort="C", total=4, done=1, tag="RDC7", id=1, path="P", dates="D", date="F")
PLURAL_SAMPLES |= dict(average="4,5")
PLURAL_SAMPLES |= dict(source="S", weeks=12)
PLURALS: dict[str, tuple[str, str, str, str]] = {
    "{n} session held.": (
        "Se realizó 1 sesión.",
        "Se realizaron 4 sesiones.",
        "1 session held.",
        "4 sessions held.",
    ),
    "Deleted the personal data of {name}; {n} membership kept without a name.": (
        "Borrados los datos personales de Ana; 1 participación se conserva sin nombre.",
        "Borrados los datos personales de Ana; 4 participaciones se conservan sin nombre.",
        "Deleted the personal data of Ana; 1 membership kept without a name.",
        "Deleted the personal data of Ana; 4 memberships kept without a name.",
    ),
    "Present: {n} person.": (
        "Presentes: 1 persona.",
        "Presentes: 4 personas.",
        "Present: 1 person.",
        "Present: 4 people.",
    ),
    "Not in the group: {n} person.": (
        "No son del grupo: 1 persona.",
        "No son del grupo: 4 personas.",
        "Not in the group: 1 person.",
        "Not in the group: 4 people.",
    ),
    "{n} person of the report needs you: who is it?": (
        "1 persona del informe te necesita: ¿quién es?",
        "4 personas del informe te necesitan: ¿quién es cada una?",
        "1 person of the report needs you: who is it?",
        "4 people of the report need you: who is each one?",
    ),
    "{n} row of a report is waiting for you:": (
        "1 fila de un informe te espera:",
        "4 filas de informes te esperan:",
        "1 row of a report is waiting for you:",
        "4 rows of reports are waiting for you:",
    ),
    "Applications to cohort {id} ({n} row), saved in {path}.": (
        "Inscripciones a la cohorte 1 (1 fila), guardadas en P.",
        "Inscripciones a la cohorte 1 (4 filas), guardadas en P.",
        "Applications to cohort 1 (1 row), saved in P.",
        "Applications to cohort 1 (4 rows), saved in P.",
    ),
    "Attendance of cohort {id} ({n} row), saved in {path}.": (
        "Asistencia de la cohorte 1 (1 fila), guardada en P.",
        "Asistencia de la cohorte 1 (4 filas), guardada en P.",
        "Attendance of cohort 1 (1 row), saved in P.",
        "Attendance of cohort 1 (4 rows), saved in P.",
    ),
    "Before it, tell us how it is going in {n} question; the coordination team reads the "
    "answers before the session.": (
        "Antes, cuéntanos cómo van en 1 pregunta; el equipo coordinador lee las respuestas "
        "antes de la sesión.",
        "Antes, cuéntanos cómo van en 4 preguntas; el equipo coordinador lee las respuestas "
        "antes de la sesión.",
        "Before it, tell us how it is going in 1 question; the coordination team reads the "
        "answers before the session.",
        "Before it, tell us how it is going in 4 questions; the coordination team reads the "
        "answers before the session.",
    ),
    "Done: the poll “{title}” is open with {n} time.": (
        "Listo: la encuesta “T” está abierta con 1 horario.",
        "Listo: la encuesta “T” está abierta con 4 horarios.",
        "Done: the poll “T” is open with 1 time.",
        "Done: the poll “T” is open with 4 times.",
    ),
    "Each session lasts {n} minute.": (
        "Cada sesión dura 1 minuto.",
        "Cada sesión dura 4 minutos.",
        "Each session lasts 1 minute.",
        "Each session lasts 4 minutes.",
    ),
    "Hi, {name}! Your team ({team}) has not updated its deliverables for {n} day, and this "
    "is due soon:": (
        "¡Hola, Ana! Tu equipo (Lima) no actualiza sus entregables desde hace 1 día, y esto "
        "vence pronto:",
        "¡Hola, Ana! Tu equipo (Lima) no actualiza sus entregables desde hace 4 días, y esto "
        "vence pronto:",
        "Hi, Ana! Your team (Lima) has not updated its deliverables for 1 day, and this is due "
        "soon:",
        "Hi, Ana! Your team (Lima) has not updated its deliverables for 4 days, and this is "
        "due soon:",
    ),
    "Its history ({n} update) is deleted with it.": (
        "Su historial (1 actualización) se borra con él.",
        "Su historial (4 actualizaciones) se borra con él.",
        "Its history (1 update) is deleted with it.",
        "Its history (4 updates) is deleted with it.",
    ),
    "No updates for {n} day or more: {teams}": (
        "Sin actualizaciones desde hace 1 día o más: Lima, Quito",
        "Sin actualizaciones desde hace 4 días o más: Lima, Quito",
        "No updates for 1 day or more: Lima, Quito",
        "No updates for 4 days or more: Lima, Quito",
    ),
    "{n} day": ("1 día", "4 días", "1 day", "4 days"),
    "in {n} day": ("en 1 día", "en 4 días", "in 1 day", "in 4 days"),
    "in {n} hour": ("en 1 hora", "en 4 horas", "in 1 hour", "in 4 hours"),
    "in {n} minute": ("en 1 minuto", "en 4 minutos", "in 1 minute", "in 4 minutes"),
    "in {n} week": ("en 1 semana", "en 4 semanas", "in 1 week", "in 4 weeks"),
    "{cohort}: {n} member": ("C: 1 integrante", "C: 4 integrantes", "C: 1 member", "C: 4 members"),
    # Governed by the total: "0 de 1 completado", "1 de 4 completados".
    "{done} of {n} done.": (
        "1 de 1 completado.",
        "1 de 4 completados.",
        "1 of 1 done.",
        "1 of 4 done.",
    ),
    "{name}: {n} row": ("Ana: 1 fila", "Ana: 4 filas", "Ana: 1 row", "Ana: 4 rows"),
    "{n} answer · average {average} of 5": (
        "1 respuesta · promedio 4,5 de 5",
        "4 respuestas · promedio 4,5 de 5",
        "1 answer · average 4,5 of 5",
        "4 answers · average 4,5 of 5",
    ),
    "Feedback on the sessions of cohort {id} ({n} row), saved in {path}.": (
        "Opiniones sobre las sesiones de la cohorte 1 (1 fila), guardadas en P.",
        "Opiniones sobre las sesiones de la cohorte 1 (4 filas), guardadas en P.",
        "Feedback on the sessions of cohort 1 (1 row), saved in P.",
        "Feedback on the sessions of cohort 1 (4 rows), saved in P.",
    ),
    "{n} deliverable:": ("1 entregable:", "4 entregables:", "1 deliverable:", "4 deliverables:"),
    # The check-in digest: who answered governs noun and verb, out of the team's 4.
    "{n} member out of {total} answered the questions.": (
        "1 integrante de 4 respondió las preguntas.",
        "4 integrantes de 4 respondieron las preguntas.",
        "1 member out of 4 answered the questions.",
        "4 members out of 4 answered the questions.",
    ),
    "{n} participant got their ballot privately; everyone can also use /votar.": (
        "1 participante recibió su boleta en privado; cualquiera puede usar también /votar.",
        "4 participantes recibieron su boleta en privado; cualquiera puede usar también /votar.",
        "1 participant got their ballot privately; everyone can also use /votar.",
        "4 participants got their ballot privately; everyone can also use /votar.",
    ),
    "{n} person only gets reminders in the group (on Telegram they must open a private chat "
    "with the bot first).": (
        "1 persona solo recibe recordatorios en el grupo (en Telegram primero debe abrir un "
        "chat privado con el bot).",
        "4 personas solo reciben recordatorios en el grupo (en Telegram primero deben abrir un "
        "chat privado con el bot).",
        "1 person only gets reminders in the group (on Telegram they must open a private chat "
        "with the bot first).",
        "4 people only get reminders in the group (on Telegram they must open a private chat "
        "with the bot first).",
    ),
    "{n} time left to answer.": (
        "Te falta 1 horario por responder.",
        "Te faltan 4 horarios por responder.",
        "1 time slot left to answer.",
        "4 time slots left to answer.",
    ),
    "{tag} ({name}): {done} of {n} done": (
        "RDC7 (Ana): 1 de 1 completado",
        "RDC7 (Ana): 1 de 4 completados",
        "RDC7 (Ana): 1 of 1 done",
        "RDC7 (Ana): 1 of 4 done",
    ),
    "{title}: {done} of {n} team": (
        "T: 1 de 1 equipo",
        "T: 1 de 4 equipos",
        "T: 1 of 1 team",
        "T: 1 of 4 teams",
    ),
    "…and {n} more holiday": (
        "…y 1 feriado más",
        "…y 4 feriados más",
        "…and 1 more holiday",
        "…and 4 more holidays",
    ),
    "⏰ The poll “{title}” closes on {when} and you have {n} time left to answer.": (
        "⏰ La encuesta “T” cierra el W y te falta 1 horario por responder.",
        "⏰ La encuesta “T” cierra el W y te faltan 4 horarios por responder.",
        "⏰ The poll “T” closes on W and you have 1 time slot left to answer.",
        "⏰ The poll “T” closes on W and you have 4 time slots left to answer.",
    ),
    "Check-in answers of cohort {id} ({n} row), saved in {path}.": (
        "Respuestas previas a las sesiones de acompañamiento de la cohorte 1 (1 fila), "
        "guardadas en P.",
        "Respuestas previas a las sesiones de acompañamiento de la cohorte 1 (4 filas), "
        "guardadas en P.",
        "Check-in answers of cohort 1 (1 row), saved in P.",
        "Check-in answers of cohort 1 (4 rows), saved in P.",
    ),
    "Current deliverable status of cohort {id} ({n} row), saved in {path}.": (
        "Estado actual de los entregables de la cohorte 1 (1 fila), guardado en P.",
        "Estado actual de los entregables de la cohorte 1 (4 filas), guardado en P.",
        "Current deliverable status of cohort 1 (1 row), saved in P.",
        "Current deliverable status of cohort 1 (4 rows), saved in P.",
    ),
    "Status history of cohort {id} ({n} row), saved in {path}.": (
        "Historial de estados de la cohorte 1 (1 fila), guardado en P.",
        "Historial de estados de la cohorte 1 (4 filas), guardado en P.",
        "Status history of cohort 1 (1 row), saved in P.",
        "Status history of cohort 1 (4 rows), saved in P.",
    ),
    "The weekly session on this day falls on a Masterclass or the Showtime: {dates}. You can "
    "skip it, or move it later with /sesion mover CODE.": (
        "La sesión semanal de este día cae en una Masterclass o en el Showtime: D. Puedes "
        "saltarla, o moverla después con /sesion mover CÓDIGO.",
        "Las sesiones semanales de estos días caen en una Masterclass o en el Showtime: D. "
        "Puedes saltarlas, o moverlas después con /sesion mover CÓDIGO.",
        "The weekly session on this day falls on a Masterclass or the Showtime: D. You can skip "
        "it, or move it later with /sesion mover CODE.",
        "The weekly sessions on these days fall on a Masterclass or the Showtime: D. You can "
        "skip them, or move them later with /sesion mover CODE.",
    ),
    "in {n} hour and a half": (
        "en 1 hora y media",
        "en 4 horas y media",
        "in an hour and a half",
        "in 4 and a half hours",
    ),
    "the weekly session ({n} time, from {date})": (
        "la sesión semanal (1 vez, desde el F)",
        "la sesión semanal (4 veces, desde el F)",
        "the weekly session (1 time, from F)",
        "the weekly session (4 times, from F)",
    ),
    "the {team} team's check-in ({n} time, from {date})": (
        "la sesión de acompañamiento del equipo Lima (1 vez, desde el F)",
        "la sesión de acompañamiento del equipo Lima (4 veces, desde el F)",
        "the Lima team's check-in (1 time, from F)",
        "the Lima team's check-in (4 times, from F)",
    ),
    "…and {n} more clash": (
        "…y 1 coincidencia más",
        "…y 4 coincidencias más",
        "…and 1 more clash",
        "…and 4 more clashes",
    ),
    "✅ Yes, without that session": (
        "✅ Sí, sin esa sesión",
        "✅ Sí, sin esas 4 sesiones",
        "✅ Yes, without that session",
        "✅ Yes, without those 4 sessions",
    ),
    "Programme of “{source}”, {n} week later: starts {date}, {weeks} weeks.": (
        "Programa de «S», 1 semana después: empieza el F, 12 semanas.",
        "Programa de «S», 4 semanas después: empieza el F, 12 semanas.",
        "Programme of “S”, 1 week later: starts F, 12 weeks.",
        "Programme of “S”, 4 weeks later: starts F, 12 weeks.",
    ),
    "Programme of “{source}”, {n} week earlier: starts {date}, {weeks} weeks.": (
        "Programa de «S», 1 semana antes: empieza el F, 12 semanas.",
        "Programa de «S», 4 semanas antes: empieza el F, 12 semanas.",
        "Programme of “S”, 1 week earlier: starts F, 12 weeks.",
        "Programme of “S”, 4 weeks earlier: starts F, 12 weeks.",
    ),
}


def test_every_plural_agrees_with_one_and_with_four() -> None:
    for language in LANGUAGES:
        plurals = [entry for entry in _catalog(language) if entry.pluralizable]
        assert sorted(str(entry.id[0]) for entry in plurals) == sorted(PLURALS), language
    for singular, (es_1, es_4, en_1, en_4) in PLURALS.items():
        plural = str(_catalog("en").get(singular).id[1])
        fields = _fields(singular) - {"n"}
        params = {name: PLURAL_SAMPLES[name] for name in fields}
        read = [
            Translator(language, markup=False).ngettext(singular, plural, n, **params)
            for language in ("es", "en")
            for n in (1, 4)
        ]
        assert read == [es_1, es_4, en_1, en_4], singular
