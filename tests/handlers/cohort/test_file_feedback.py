"""The cohort file and feedback: which sessions ask and the question are read, checked,
stored in `cohort.feedback_settings`, exported and read back the same."""

from __future__ import annotations

import tomli_w
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.file import messages as cf
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.locales import Translator
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.feedback import DEFAULT_FEEDBACK_KINDS, feedback_settings
from tests.handlers.cohort.test_file import minimal_document, rejection


async def test_feedback_settings_round_trip(session: AsyncSession, clock: ManualClock) -> None:
    document = minimal_document()
    document["cohort"]["feedback"] = {
        "kinds": ["session", "masterclass"],
        "question": "  ¿Les sirvió la sesión? 1 a 5 ",
    }
    spec = parse_cohort_file(tomli_w.dumps(document).encode())
    assert spec.feedback_kinds == ("masterclass", "session")  # one order
    assert spec.feedback_question == "¿Les sirvió la sesión? 1 a 5"

    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    stored = feedback_settings(cohort.feedback_settings)
    assert stored.kinds == ("masterclass", "session")
    assert stored.question == "¿Les sirvió la sesión? 1 a 5"
    text = await export_cohort(session, cohort.id)
    assert 'feedback = { kinds = ["masterclass", "session"]' in text
    assert parse_cohort_file(text.encode()) == spec


async def test_the_defaults_say_nothing_and_none_means_none(
    session: AsyncSession, clock: ManualClock
) -> None:
    spec = parse_cohort_file(tomli_w.dumps(minimal_document()).encode())
    assert spec.feedback_kinds == DEFAULT_FEEDBACK_KINDS and spec.feedback_question == ""
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.feedback_settings == "{}" and cohort.id is not None
    assert "feedback" not in await export_cohort(session, cohort.id)

    document = minimal_document()
    document["cohort"]["feedback"] = {"kinds": []}
    document["cohort"]["invite_code"] = "piloto-2"
    spec = parse_cohort_file(tomli_w.dumps(document).encode())
    assert spec.feedback_kinds == ()
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    assert feedback_settings(cohort.feedback_settings).kinds == ()
    text = await export_cohort(session, cohort.id)
    assert "feedback = { kinds = [] }" in text
    assert parse_cohort_file(text.encode()) == spec


def test_a_wrong_feedback_setting_is_named() -> None:
    document = minimal_document()
    document["cohort"]["feedback"] = {"kinds": ["masterclass", "taller"]}
    error = rejection(tomli_w.dumps(document).encode())
    assert error.message == cf.UNKNOWN_FEEDBACK_KIND
    assert error.params["field"] == "cohort.feedback.kinds"
    assert error.params["value"] == "taller"

    document["cohort"]["feedback"] = {"kinds": "masterclass"}  # its example, not RDC's
    error = rejection(tomli_w.dumps(document).encode())
    assert error.render(Translator("es", markup=False)) == (
        "cohort.feedback.kinds debe ser una lista de textos entre comillas, como "
        '["masterclass", "showtime"], no "masterclass".'
    )

    document["cohort"]["feedback"] = {"question": "x" * 301}
    assert rejection(tomli_w.dumps(document).encode()).message == cf.TOO_LONG
    document["cohort"]["feedback"] = {"preguntas": "¿Qué tal?"}
    error = rejection(tomli_w.dumps(document).encode())
    assert error.params["field"] == "cohort.feedback.preguntas"
