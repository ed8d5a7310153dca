"""People's words never format the bot's messages (issue 13, item 12).

A cohort whose every name, title, note and answer carries markup (`*Zq*`,
`_Zq_`, ...) goes through the commands and scheduled messages of a sprint;
in every reply the bot sends, those words are marked literal
(`cohorte.locales.markup`), so each adapter shows them as typed.
"""

from __future__ import annotations

import html
import re
from datetime import time

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.slack.render import WORD_JOINER, Renderer
from cohorte.bot.telegram.render import parts_of
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import CLOSE, OPEN
from cohorte.storage.models import Cohort, Person, Role, Team
from tests.conftest import Transcript
from tests.factories import add_member
from tests.handlers.status.test_status import seed_with_deliverables

# Markup for every platform: Telegram would bold the stars, Slack all four and the tags.
MARKUP = " *Zq* _Zq_ ~Zq~ `Zq` <b>Zq</b>"
_MARKED = re.compile(f"{OPEN}[^{CLOSE}]*{CLOSE}")
_TAG = re.compile(r"<[^>]+>")


def unmarked(text: str) -> str:
    """What of a reply's text is the bot's own: its marked (literal) pieces removed."""
    return _MARKED.sub("", text)


async def markup_everywhere(session: AsyncSession, transcript: Transcript) -> Cohort:
    """The test cohort with markup in the cohort's, teams', people's and deliverables'
    names, a check-in slot for Bogotá and one more member there."""
    now = transcript.chat.clock.now()
    cohort, teams, deliverables = await seed_with_deliverables(session, now)
    bogota = teams["Bogotá"]
    bogota.checkin_weekday, bogota.checkin_time = 3, time(10, 0)  # Thursday 10:00
    await add_member(session, cohort, "Laura", "laura", Role.PARTICIPANT, bogota, now)
    cohort.name += MARKUP
    for team in (await session.exec(select(Team))).all():
        team.name += MARKUP
        session.add(team)
    for person in (await session.exec(select(Person))).all():
        person.display_name += MARKUP
        session.add(person)
    for deliverable in deliverables.values():
        deliverable.title += MARKUP
        session.add(deliverable)
    session.add(cohort)
    await session.commit()
    return cohort


SCRIPT = f"""
:como coordina
/miembros
/sesion nueva masterclass 6 de mayo 10:00 "Datos{MARKUP}"
/encuesta nueva "Semanal{MARKUP}" mar 10:00, mié 16:00 cierre 2025-04-25 18:00
/anuncio Hola a todos:{MARKUP}
/entregable
/entregable ver mapeo
/estado
/estado Bogotá
/tablero
/proximas
:como sofia
/reportar mapeo en curso "nota{MARKUP}"
/reportar plan bloqueado "falta{MARKUP}"
/reportar plan "otra nota{MARKUP}"
/estado
/estado mapeo
/votar
/encuesta resultados
/proximas
/avances
Avanzamos{MARKUP}
Nada{MARKUP}
Todo{MARKUP}
:como coordina
/estado mapeo
/encuesta cerrar
/encuesta confirmar
:reloj +2d
:reloj +5d
:reloj +7d
"""


async def test_peoples_words_are_marked_in_every_reply(
    session: AsyncSession, transcript: Transcript, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    await markup_everywhere(session, transcript)
    replies: list[Reply] = []
    show = transcript.chat.show

    def record(reply: Reply) -> None:
        replies.append(reply)
        show(reply)

    monkeypatch.setattr(transcript.chat, "show", record)
    out = await transcript.run(SCRIPT)

    texts = [
        text
        for reply in replies
        for text in (reply.text, *(a.caption for a in (reply.image, reply.file) if a))
    ]
    shown = [text for text in texts if "Zq" in text]
    # The story reached what it means to check: names, titles, notes, answers, reminders.
    assert len(shown) > 35, out
    for needle in ("Datos", "Semanal", "Hola a todos", "nota", "falta", "Avanzamos", "Laura"):
        assert any(needle in text for text in shown), needle
    leaks = [text for text in shown if "Zq" in unmarked(text)]
    assert [unmarked(text) for text in leaks] == []

    # And so the adapters show them as typed.
    renderer = Renderer(name for command in core.router.commands for name in command.names)
    for reply in replies:
        for part in parts_of(reply, []):
            visible = html.unescape(_TAG.sub("", part.html))
            assert visible.count("Zq") == 5 * visible.count(MARKUP.strip()), part.html
        for message in renderer.messages(reply):
            for block in message.blocks:
                if block["type"] == "section":
                    mrkdwn = block["text"]["text"]
                    assert not re.search(f"(?<!{WORD_JOINER})[*_~`]Zq", mrkdwn), mrkdwn
                    assert "<b>" not in mrkdwn
