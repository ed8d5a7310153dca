"""A cohort for the report: the attended cohort two weeks in (`attendance.seed`), with the
six deliverable templates and some status history, a confirmed meeting-time poll, and
session feedback written straight into the table.

At NOW (Thursday 1 May 2025, 15:00 in Bogotá, week 2):

- status: Bogotá completed "mapeo" on 28 Apr (week 2); its "proveedores" was blocked from
  24 to 29 Apr (5 days); Ciudad de México completed "mapeo" on 25 Apr (week 1); Santiago's
  "mapeo" is blocked since 28 Apr (3 days, still blocked).
- the poll: 5 participants; Sofía and Andrés answered both options, Mariana one.
- feedback: the Masterclass "Datos abiertos": 5 (Sofía, highlighted), 4 (Andrés, not
  highlighted), 3 (Mariana, highlighted, with an e-mail address); the first weekly
  session: 2 (Tomás).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.feedback import Feedback
from cohorte.storage.models import Person
from cohorte.storage.polls import Choice, Poll, PollSlot, PollState, Vote
from cohorte.storage.status import Status, add_update
from tests.handlers.attendance.seed import NOW, Attended, attended_cohort
from tests.handlers.status.test_status import templates

HIGHLIGHTED = "La guía de datos abiertos nos ahorró semanas de trabajo, ¡gracias!"
NOT_HIGHLIGHTED = "Comentario que nadie eligió para el informe"
WITH_EMAIL = "Me gustaría recibir las diapositivas en mariana.lopez@cdmx.gob.mx"
BLOCK_NOTE = "Esperamos la firma del secretario de hacienda"
PERSON_EMAIL = "sofia.gomez@bogota.gov.co"


@dataclass
class Reported:
    attended: Attended
    deliverables: dict[str, Deliverable]

    @property
    def cohort_id(self) -> int:
        return self.attended.cohort.id or 0


def _at(day: int, hour: int = 15) -> datetime:
    return datetime(2025, 4 if day > 20 else 5, day, hour, 0, tzinfo=UTC)


async def reported_cohort(session: AsyncSession, clock: ManualClock) -> Reported:
    """The cohort above, clock at NOW."""
    attended = await attended_cohort(session, clock)
    cohort = attended.cohort
    cohort_id = cohort.id or 0
    members, teams = attended.members, attended.teams
    sofia = await session.get(Person, members["Sofía"].person_id)
    assert sofia is not None
    sofia.email = PERSON_EMAIL
    deliverables = {}
    for deliverable in templates(cohort_id, clock.now()):
        session.add(deliverable)
        await session.flush()
        deliverables[deliverable.code] = deliverable
    bogota, mexico, santiago = (
        teams[n].id or 0 for n in ("Bogotá", "Ciudad de México", "Santiago")
    )
    sofia_id, mariana_id = members["Sofía"].id, members["Mariana"].id
    javiera_id = members["Javiera"].id
    history = [
        ("mapeo", bogota, sofia_id, Status.IN_PROGRESS, _at(23), None),
        ("proveedores", bogota, sofia_id, Status.BLOCKED, _at(24), BLOCK_NOTE),
        ("mapeo", mexico, mariana_id, Status.DONE, _at(25), None),
        ("mapeo", bogota, sofia_id, Status.DONE, _at(28), None),
        ("mapeo", santiago, javiera_id, Status.BLOCKED, _at(28), "Sin acceso al sistema"),
        ("proveedores", bogota, sofia_id, Status.IN_PROGRESS, _at(29), None),
    ]
    for code, team_id, member_id, status, when, note in history:
        await add_update(session, deliverables[code], team_id, member_id, status, when, note=note)
    poll = Poll(
        cohort_id=cohort_id,
        title="Horario de la sesión semanal",
        state=PollState.CONFIRMED,
        open_marker=None,
        zone="America/Bogota",
        created_at=_at(21, 14),
        closed_at=_at(21, 20),
    )
    session.add(poll)
    await session.flush()
    poll.open_marker = None  # the column's default filled it in: a closed poll has none
    await session.flush()
    assert poll.id is not None
    slots = [
        PollSlot(poll_id=poll.id, position=1, weekday=1, local_time=time(10, 0)),
        PollSlot(poll_id=poll.id, position=2, weekday=3, local_time=time(16, 0)),
    ]
    session.add_all(slots)
    await session.flush()
    votes = [("Sofía", 0, Choice.YES), ("Sofía", 1, Choice.NO), ("Andrés", 0, Choice.YES)]
    votes += [("Andrés", 1, Choice.MAYBE), ("Mariana", 0, Choice.YES)]
    for name, slot, choice in votes:
        session.add(
            Vote(
                poll_id=poll.id,
                slot_id=slots[slot].id or 0,
                member_id=members[name].id or 0,
                choice=choice,
                updated_at=_at(21, 16),
            )
        )
    masterclass, weekly = attended.refs[2], attended.refs[0]
    answers = [
        (masterclass, "Sofía", 5, HIGHLIGHTED, True),
        (masterclass, "Andrés", 4, NOT_HIGHLIGHTED, False),
        (masterclass, "Mariana", 3, WITH_EMAIL, True),
        (weekly, "Tomás", 2, None, False),
    ]
    for ref, name, score, comment, highlighted in answers:
        session.add(
            Feedback(
                cohort_id=cohort_id,
                ref=ref,
                member_id=members[name].id or 0,
                score=score,
                comment=comment,
                highlighted=highlighted,
                answered_at=_at(25),
            )
        )
    await session.commit()
    assert clock.now() == NOW
    return Reported(attended, deliverables)
