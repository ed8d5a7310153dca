"""The agenda's buttons keep the payloads already sitting in chats (`sm:e1`, `scx:s1/…`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.forms import move_form, new_session_form
from cohorte.handlers.agenda.routes import ASK_CANCEL, CANCEL, MOVE, SessionCode, session_code
from cohorte.handlers.core.messages import ChatKind, Incoming, Reply
from cohorte.handlers.core.router import Core
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.models import Platform
from tests.conftest import Transcript
from tests.factories import seed_cohort

SERIES_OCCURRENCE = Occurrence(
    ref="s3:2025-05-06",
    kind="session",
    title="",
    starts_at=datetime(2025, 5, 6, 15, tzinfo=UTC),
    duration=timedelta(hours=1),
)


def _press(payload: str) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id="coordina",
        sender_name="Coordina",
        chat_id="coordina",
        chat_kind=ChatKind.PRIVATE,
        payload=payload,
    )


def _texts(replies: list[Reply]) -> str:
    return "\n".join(plain(reply.text) for reply in replies)


def test_payloads_are_the_ones_stored_buttons_carry() -> None:
    code = session_code(SERIES_OCCURRENCE)
    assert ASK_CANCEL.payload(code) == "sc:s3/2025-05-06"
    assert CANCEL.payload(code) == "scx:s3/2025-05-06"
    assert move_form(Translator("es"), SERIES_OCCURRENCE).submit == "smv:s3/2025-05-06"
    assert new_session_form(Translator("es")).submit == "sn"
    assert MOVE.parse(["e12"]) == SessionCode("e12")


async def test_the_next_sessions_ask_who_is_coming_and_offer_move_and_cancel_buttons(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(
        ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'
    )
    replies = await transcript.chat.core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="coordina",
            sender_name="Coordina",
            chat_id="coordina",
            chat_kind=ChatKind.PRIVATE,
            text="/proximas",
        )
    )
    payloads = [button.payload for reply in replies for row in reply.buttons for button in row]
    assert payloads == ["ra:e1:y", "ra:e1:m", "ra:e1:n", "sm:e1", "sc:e1"]


async def test_a_stored_cancel_button_still_cancels_and_a_forged_one_is_stale(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos"')

    assert "¿Cancelar *Masterclass: Datos*" in _texts(await core.handle(_press("sc:e1")))
    for forged in ("scx:e1:2", "scx:", "sm:x1"):
        assert "Ese botón ya no es válido" in _texts(await core.handle(_press(forged)))
    assert "Cancelada: Masterclass: Datos" in _texts(await core.handle(_press("scx:e1")))


@pytest.mark.parametrize("payload", ["sm:s1/2025-04-29", "smv:s1/2025-04-29"])
async def test_a_series_occurrence_is_named_by_its_code(
    session: AsyncSession, transcript: Transcript, core: Core, payload: str
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/sesion semanal mar 10:00")

    replies = await core.handle(_press(payload))

    assert "Ese botón ya no es válido" not in _texts(replies)
