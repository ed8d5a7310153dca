"""People's data in storage: the export walks every table, forgetting leaves no trace and
keeps every count."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, time

from sqlalchemy import String, Text, func
from sqlalchemy import select as select_columns
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.admins import BotAdmin
from cohorte.storage.applications import Application, ApplicationState
from cohorte.storage.attendance import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    Rsvp,
    RsvpAnswer,
)
from cohorte.storage.attendance_imports import AttendanceImport, ImportRow, RowOutcome
from cohorte.storage.checkins import CheckinAnswer
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.feedback import Feedback
from cohorte.storage.materials import Material
from cohorte.storage.models import (
    AnnouncementDraft,
    Cohort,
    FormSession,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    SentMessage,
    Team,
)
from cohorte.storage.outbox import Delivery
from cohorte.storage.people_data import forget_person, is_forgotten, person_data
from cohorte.storage.polls import Choice, Poll, PollSlot, Vote
from cohorte.storage.status import Status, StatusDraft, StatusUpdate
from tests.factories import add_member, seed_cohort

NOW = datetime(2025, 5, 6, 17, 0, tzinfo=UTC)
NAME = "Sofía Quintero Villa"
EMAIL = "sofia.quintero@bogota.gov.co"
TELEGRAM_ID = "7712340091"


async def _everything_about_sofia(session: AsyncSession) -> tuple[Cohort, Member, Member]:
    """Sofía with a row in every table that can hold her, and Tomás beside her."""
    cohort = await seed_cohort(session, NOW)
    assert cohort.id is not None
    team = (await session.exec(select(Team).where(Team.name == "Bogotá"))).one()
    sofia = (
        await session.exec(select(Member).join(Person).where(Person.display_name == "Sofía"))
    ).one()
    person = await session.get(Person, sofia.person_id)
    assert person is not None and sofia.id is not None
    person.display_name, person.email = NAME, EMAIL
    sofia.calendar_token = "secreto-del-calendario"
    session.add(Identity(person_id=person.id, platform=Platform.TELEGRAM, external_id=TELEGRAM_ID))
    tomas = await add_member(session, cohort, "Tomás Ruiz", "tomas", Role.PARTICIPANT, team, NOW)
    assert tomas.id is not None and person.id is not None
    poll = Poll(
        cohort_id=cohort.id,
        title="Sesión",
        zone="America/Bogota",
        created_by=person.id,
        created_at=NOW,
    )
    deliverable = Deliverable(cohort_id=cohort.id, code="plan", title="Plan", created_at=NOW)
    session.add_all([poll, deliverable])
    await session.flush()
    assert poll.id is not None and deliverable.id is not None and team.id is not None
    slot = PollSlot(poll_id=poll.id, position=1, weekday=1, local_time=time(10))
    session.add(slot)
    await session.flush()
    assert slot.id is not None
    report = AttendanceImport(
        cohort_id=cohort.id,
        ref="e1",
        source=AttendanceSource.ZOOM,
        sha256="0" * 64,
        filename="zoom.csv",
        imported_by=person.id,
        imported_at=NOW,
    )
    session.add(report)
    await session.flush()
    assert report.id is not None
    for member in (sofia, tomas):
        assert member.id is not None
        session.add_all(
            [
                Vote(
                    poll_id=poll.id,
                    slot_id=slot.id,
                    member_id=member.id,
                    choice=Choice.YES,
                    updated_at=NOW,
                ),
                Rsvp(
                    cohort_id=cohort.id,
                    ref="e1",
                    member_id=member.id,
                    answer=RsvpAnswer.NO,
                    reason=f"viaje de {member.id}",
                    answered_at=NOW,
                ),
                Attendance(
                    cohort_id=cohort.id,
                    ref="e1",
                    member_id=member.id,
                    status=AttendanceStatus.PRESENT,
                    source=AttendanceSource.SELF,
                    recorded_at=NOW,
                ),
                Feedback(
                    cohort_id=cohort.id,
                    ref="e1",
                    member_id=member.id,
                    score=4,
                    comment="Muy útil, gracias",
                    answered_at=NOW,
                ),
                CheckinAnswer(
                    cohort_id=cohort.id,
                    team_id=team.id,
                    ref="c1",
                    member_id=member.id,
                    answers=json.dumps({"¿Qué avanzaron?": f"Mucho, dice {member.id}"}),
                    created_at=NOW,
                ),
                StatusUpdate(
                    cohort_id=cohort.id,
                    deliverable_id=deliverable.id,
                    team_id=team.id,
                    member_id=member.id,
                    status=Status.DONE,
                    note=f"nota de {member.id}",
                    created_at=NOW,
                ),
            ]
        )
    session.add_all(
        [
            StatusDraft(
                cohort_id=cohort.id, member_id=sofia.id, note=f"borrador de {NAME}", created_at=NOW
            ),
            AnnouncementDraft(
                cohort_id=cohort.id, member_id=sofia.id, text="hola", message="hola", created_at=NOW
            ),
            Material(
                cohort_id=cohort.id,
                url="https://example.org/m",
                title="Guía",
                added_by=person.id,
                added_at=NOW,
            ),
            ImportRow(
                import_id=report.id,
                name=NAME,
                email=EMAIL,
                minutes=50,
                outcome=RowOutcome.MATCHED,
                member_id=sofia.id,
            ),
            ImportRow(
                import_id=report.id,
                name="sofía quintero villa",
                email=None,
                minutes=5,
                outcome=RowOutcome.PENDING,
            ),
            FormSession(
                platform=Platform.TELEGRAM,
                chat_id=TELEGRAM_ID,
                user_id=TELEGRAM_ID,
                form="{}",
                expires_at=NOW,
            ),
            SentMessage(
                platform=Platform.TELEGRAM,
                chat_id=TELEGRAM_ID,
                key="k",
                message_id="9",
                sent_at=NOW,
            ),
            # Her application to the next edition, and her place as an administrator.
            Application(
                cohort_id=cohort.id,
                person_id=person.id,
                city="Bogotá",
                department="Compras",
                role="Analista",
                challenge=f"el reto de {NAME}",
                state=ApplicationState.PENDING,
                created_at=NOW,
            ),
            BotAdmin(person_id=person.id, granted_at=NOW),
            Delivery(
                dedupe_key="recordatorio-sofia",
                kind="reminder",
                cohort_id=cohort.id,
                person_id=person.id,
                lane=f"p{person.id}",
                due_at=NOW,
                created_at=NOW,
            ),
        ]
    )
    await session.commit()
    return cohort, sofia, tomas


async def traces_in_every_table(session: AsyncSession, traces: Sequence[str]) -> list[str]:
    """Every text cell of every table that contains one of `traces` (case ignored)."""
    found: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not texts:
            continue
        for row in (await session.exec(select_columns(*texts))).all():  # type: ignore[call-overload]
            for column, value in zip(texts, row, strict=True):
                for trace in traces:
                    if value is not None and trace.lower() in str(value).lower():
                        found.append(f"{table.name}.{column.name}: {value!r} ({trace})")
    return found


async def _counts(session: AsyncSession) -> dict[str, object]:
    async def scalar(statement: object) -> object:
        return (await session.exec(statement)).one()  # type: ignore[call-overload]

    return {
        "votes": await scalar(select(func.count()).select_from(Vote)),
        "rsvps": await scalar(select(func.count()).select_from(Rsvp)),
        "present": await scalar(select(func.count()).select_from(Attendance)),
        "feedback": await scalar(select(func.avg(Feedback.score))),
        "done": await scalar(select(func.count()).where(StatusUpdate.status == Status.DONE)),
        "checkins": await scalar(select(func.count()).select_from(CheckinAnswer)),
        "members": await scalar(select(func.count()).select_from(Member)),
        "materials": await scalar(select(func.count()).select_from(Material)),
    }


async def test_the_export_holds_every_table_that_refers_to_the_person(
    session: AsyncSession,
) -> None:
    _, sofia, _ = await _everything_about_sofia(session)
    data = await person_data(session, sofia.person_id)
    assert data["person"][0]["email"] == EMAIL
    assert {row["external_id"] for row in data["identity"]} == {"sofia", TELEGRAM_ID}
    for table in (
        "member",
        "vote",
        "rsvp",
        "attendance",
        "feedback",
        "checkinanswer",
        "statusupdate",
        "statusdraft",
        "announcementdraft",
        "material",
        "importrow",
        "poll",
        "attendanceimport",
        "formsession",
        "delivery",
    ):
        assert table in data, table
    assert all(len(data[t]) == 1 for t in ("vote", "feedback", "statusupdate"))
    assert "calendar_token" not in data["member"][0]  # a secret, even to its owner
    json.dumps(data)  # it is all plain JSON


async def test_forgetting_leaves_no_trace_and_keeps_every_count(session: AsyncSession) -> None:
    _, sofia, tomas = await _everything_about_sofia(session)
    sofia_id, person_id, tomas_id, tomas_person = (
        sofia.id,
        sofia.person_id,
        tomas.id,
        tomas.person_id,
    )
    before = await _counts(session)
    forgotten = await forget_person(session, person_id, NOW)
    await session.commit()
    assert forgotten is not None and forgotten.memberships == 1 and forgotten.accounts == 2

    traces = (
        NAME,
        "Sofía",
        EMAIL,
        TELEGRAM_ID,
        "sofia",
        "secreto-del-calendario",
        f"viaje de {sofia_id}",
        f"Mucho, dice {sofia_id}",
        f"nota de {sofia_id}",
    )
    assert await traces_in_every_table(session, traces) == []
    assert await _counts(session) == before
    # The membership stays, held by a stand-in with no name; Tomás keeps everything.
    session.expire_all()
    kept = await session.get(Member, sofia_id)
    assert kept is not None
    stand_in = await session.get(Person, kept.person_id)
    assert is_forgotten(stand_in) and stand_in is not None and stand_in.display_name == ""
    assert (await session.get(Person, person_id)) is None
    tomas_data = await person_data(session, tomas_person)
    assert tomas_data["rsvp"][0]["reason"] == f"viaje de {tomas_id}"
    assert tomas_data["feedback"][0]["comment"] == "Muy útil, gracias"
    # Forgetting twice does nothing.
    assert await forget_person(session, person_id, NOW) is None
