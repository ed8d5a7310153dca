"""A person in two running cohorts, as they live it on the console: in each group the
group's cohort applies; in private the bot asks once which cohort they mean, remembers
it, `/cohorte usar` changes it and `/cohortes` lists them; a button of one cohort acts
on that cohort whichever one they are using; reminders name their cohort."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.routes import RSVP, RsvpCode, RsvpPress
from cohorte.handlers.cohort.preferences import REMINDERS, CohortReminders, Reminders
from cohorte.handlers.cohort.registration.routes import ACCEPT, OfApplication
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.handlers.dashboard.exports import EXPORT, CohortExport, ExportKind
from cohorte.handlers.feedback.routes import ASK_COMMENT, SCORE, ScorePress, SessionCode
from cohorte.handlers.status.routes import REPORT, OfCohort
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.applications import Application
from cohorte.storage.attendance import Rsvp
from cohorte.storage.feedback import Feedback
from cohorte.storage.models import (
    Cohort,
    Event,
    Member,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.polls import Vote
from tests.conftest import Transcript
from tests.factories import seed_two_cohorts


async def _member_of(session: AsyncSession, member_id: int) -> int:
    session.expire_all()
    member = await session.get(Member, member_id)
    assert member is not None
    return member.cohort_id


async def test_a_person_in_two_running_cohorts_in_private_and_in_both_groups(
    session: AsyncSession, transcript: Transcript, clock: ManualClock, core: Core
) -> None:
    ids = await seed_two_cohorts(session, clock.now())

    # In private, the first command that is about one cohort: which one? Asked once.
    out = await transcript.run(":como sofia\n/proximas")
    assert "Estás en varias cohortes. ¿Sobre cuál me escribes aquí?" in out
    assert "[1] Sprint de prueba" in out and "[2] Segunda edición" in out
    assert "Masterclass" not in out
    out = await transcript.run(":b 2")
    assert "Listo: en nuestro chat privado ahora trabajas con *Segunda edición*." in out
    out = await transcript.run("/proximas")
    assert "¿Sobre cuál" not in out
    assert "[Segunda edición]" in out  # two running cohorts: the answer names its cohort
    assert "Masterclass de proveedores" in out and "Masterclass de datos" not in out

    out = await transcript.run("/cohortes")
    assert "Tus cohortes:" in out
    assert "1. *Sprint de prueba* — en curso, participante" in out
    assert "2. *Segunda edición* — en curso, participante (en uso en privado)" in out

    out = await transcript.run("/cohorte usar sprint\n/proximas")
    assert "ahora trabajas con *Sprint de prueba*" in out
    assert "Masterclass de datos" in out and "Masterclass de proveedores" not in out

    # In each group, the group's cohort: no question, no heading.
    out = await transcript.run(":grupo sala2\n/proximas")
    assert "Masterclass de proveedores" in out and "Masterclass de datos" not in out
    assert "[Segunda edición]" not in out and "¿Sobre cuál" not in out
    out = await transcript.run(":grupo sala\n/proximas")
    assert "Masterclass de datos" in out and "Masterclass de proveedores" not in out

    # The coordinator opens a poll in the second cohort's group; Sofía's private ballot
    # names that cohort, and her vote (while she uses the first one) counts there.
    out = await transcript.run(
        ':como coordina\n:grupo sala2\n/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00'
        " cierre viernes 18:00"
    )
    assert "bot → @sofia: [Segunda edición]\n    ¡Se abrió la encuesta" in out
    out = await transcript.run(":como sofia\n:privado\n:b 1")
    assert "[Segunda edición]" in out
    votes = (await session.exec(select(Vote))).all()
    assert len(votes) == 1 and await _member_of(session, votes[0].member_id) == ids["second"]

    # An RSVP button of the second cohort's Masterclass, pressed while using the first.
    press = RSVP.payload(RsvpPress(f"e{ids['suppliers']}", RsvpCode.YES))
    replies = await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="sofia",
            sender_name="Sofia",
            chat_id="sofia",
            chat_kind=ChatKind.PRIVATE,
            payload=press,
        )
    )
    receipt = plain(replies[0].text)
    assert receipt.startswith("[Segunda edición]\n✅ Anotado: vas a asistir a *Masterclass")
    assert "Masterclass de proveedores" in receipt
    rsvps = (await session.exec(select(Rsvp))).all()
    assert len(rsvps) == 1 and await _member_of(session, rsvps[0].member_id) == ids["second"]

    # Reminders of both cohorts reach her privately, each named; the groups' are not.
    out = await transcript.run(":reloj 2025-04-23 15:05")
    assert "bot → @sofia: [Sprint de prueba]\n    ⏰ Recordatorio" in out
    assert "bot → #sala: ⏰ Recordatorio" in out
    out = await transcript.run(":reloj 2025-04-24 15:05")
    assert "bot → @sofia: [Segunda edición]\n    ⏰ Recordatorio" in out


async def test_joining_a_second_cohort_with_its_code_keeps_the_first(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    ids = await seed_two_cohorts(session, clock.now())
    out = await transcript.run(":como mateo\n/unirme PRUEBA25\n:b Bogotá")
    assert "¡Te damos la bienvenida a Sprint de prueba" in out
    out = await transcript.run("/unirme SEGUNDA25")
    assert "Segunda edición" in out
    assert "hasta que elijas otra con /cohorte usar" in out
    out = await transcript.run(":b Lima\n/cohortes")
    assert "Listo: ahora eres parte del equipo Lima." in out
    assert "1. *Sprint de prueba* — en curso, participante" in out
    assert "2. *Segunda edición* — en curso, participante (en uso en privado)" in out
    session.expire_all()
    mateo = (await session.exec(select(Person).where(Person.display_name == "Mateo"))).one()
    members = (await session.exec(select(Member).where(Member.person_id == mateo.id))).all()
    teams = {t.id: t.name for t in (await session.exec(select(Team))).all()}
    assert {(m.cohort_id, teams.get(m.team_id or 0)) for m in members} == {
        (ids["first"], "Bogotá"),
        (ids["second"], "Lima"),
    }


async def test_a_form_begun_in_one_cohorts_group_is_submitted_there(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    """The coordinator of both uses the first cohort in private; a new session asked for
    in the second one's group goes on privately and is added to the second one."""
    ids = await seed_two_cohorts(session, clock.now())
    await transcript.run(":como coordina\n/cohorte usar 1")
    out = await transcript.run(
        """
        :grupo sala2
        /sesion
        :privado
        :b Masterclass
        Compras abiertas
        6 de mayo 10:00
        :b Saltar
        """
    )
    assert "Te escribí en privado para seguir con el formulario." in out
    assert "Agregada: Compras abiertas" in out
    session.expire_all()
    added = (await session.exec(select(Event).where(Event.title == "Compras abiertas"))).one()
    assert added.cohort_id == ids["second"]


async def test_a_feedback_button_of_one_cohort_counts_there_while_using_the_other(
    session: AsyncSession, transcript: Transcript, clock: ManualClock, core: Core
) -> None:
    ids = await seed_two_cohorts(session, clock.now())
    await transcript.run(":como sofia\n/cohorte usar sprint")
    clock.set(datetime(2025, 4, 25, 17, 0, tzinfo=UTC))  # the second cohort's session ended

    def press(payload: str) -> Incoming:
        return Incoming(
            platform=Platform.CONSOLE,
            sender_id="sofia",
            sender_name="Sofia",
            chat_id="sofia",
            chat_kind=ChatKind.PRIVATE,
            payload=payload,
        )

    code = f"e{ids['suppliers']}"
    replies = await core.handle(press(SCORE.payload(ScorePress(code, 4))))
    receipt = plain(replies[0].text)
    assert receipt.startswith("[Segunda edición]\n⭐ Gracias: 4 de 5 para *Masterclass")
    answers = (await session.exec(select(Feedback))).all()
    assert [(a.cohort_id, a.score) for a in answers] == [(ids["second"], 4)]
    replies = await core.handle(press(ASK_COMMENT.payload(SessionCode(code))))
    assert "¿Qué te gustaría contarle" in plain(replies[0].text)


async def test_a_refusal_to_someone_in_two_cohorts_is_told_in_spanish(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await seed_two_cohorts(session, clock.now())
    await transcript.run(":como sofia\n/cohorte usar sprint")
    out = await transcript.run("/inscripciones")  # for coordinators: refused, rolled back
    assert "algo falló" not in out
    assert "[Sprint de prueba]" in out and "coordina" in out


async def test_applying_to_a_third_cohort_is_not_headed_by_one_of_hers(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await seed_two_cohorts(session, clock.now())
    session.add(
        Cohort(
            name="Tercera edición",
            home_zone="America/Bogota",
            start_date=date(2025, 9, 1),
            invite_code="TERCERA25",
            registration_open=True,
            registration_code="TERCERA",
            created_at=clock.now(),
        )
    )
    await session.commit()
    out = await transcript.run(
        ":como sofia\n/cohorte usar sprint\n/inscribirme tercera\nBogotá\nHacienda\nAnalista\n"
        "Datos abiertos"
    )
    assert "Inscripción a Tercera edición" in out
    assert "Gracias, Sofía: recibimos tu inscripción a Tercera edición." in out
    # About the third cohort, which she is not in: never headed by the one she uses.
    assert "[Sprint de prueba]" not in out and "[Segunda edición]" not in out
    assert "[Tercera edición]\n    (2/4) ¿En qué área" in out


async def test_a_decision_on_another_cohorts_application_reads_in_that_cohort(
    session: AsyncSession, clock: ManualClock, core: Core
) -> None:
    ids = await seed_two_cohorts(session, clock.now())
    second = await session.get(Cohort, ids["second"])
    assert second is not None
    second.locale = "en"
    applicant = Person(display_name="Ana", created_at=clock.now())
    session.add(applicant)
    await session.flush()
    assert applicant.id is not None
    application = Application(
        cohort_id=ids["second"],
        person_id=applicant.id,
        city="Lima",
        department="Compras",
        role="Analista",
        challenge="Datos abiertos",
        created_at=clock.now(),
    )
    session.add(application)
    await session.commit()
    await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="coordina",
            sender_name="Coordina",
            chat_id="coordina",
            chat_kind=ChatKind.PRIVATE,
            text="/cohorte usar sprint",
        )
    )
    (reply,) = await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="coordina",
            sender_name="Coordina",
            chat_id="coordina",
            chat_kind=ChatKind.PRIVATE,
            payload=ACCEPT.payload(OfApplication(application.id or 0)),
        )
    )
    # The second cohort is read in English: its decision too, headed by its name.
    assert plain(reply.text).startswith("[Segunda edición]\nDone: Ana is accepted, on the Lima")


async def test_report_progress_of_one_cohort_while_using_the_other(
    session: AsyncSession, transcript: Transcript, clock: ManualClock, core: Core
) -> None:
    # "Reportar avance" under a nudge of the first cohort, pressed while using the second.
    ids = await seed_two_cohorts(session, clock.now())
    await transcript.run(":como sofia\n/cohorte usar segunda")
    (reply,) = await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="sofia",
            sender_name="Sofia",
            chat_id="sofia",
            chat_kind=ChatKind.PRIVATE,
            payload=REPORT.payload(OfCohort(ids["first"])),
        )
    )
    assert plain(reply.text).startswith("[Sprint de prueba]\n"), reply.text
    assert "El equipo Bogotá" in plain(reply.text)  # her team there, not Lima


async def test_an_export_button_of_one_cohort_exports_that_one(
    session: AsyncSession, transcript: Transcript, clock: ManualClock, core: Core
) -> None:
    # /exportar offered in the second cohort; pressed after switching to the first.
    ids = await seed_two_cohorts(session, clock.now())
    out = await transcript.run(":como coordina\n/cohorte usar segunda\n/exportar")
    assert "¿Qué quieres exportar?" in out
    await transcript.run("/cohorte usar sprint")
    payload = EXPORT.payload(CohortExport(ExportKind.ATTENDANCE, ids["second"]))
    (reply,) = await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="coordina",
            sender_name="Coordina",
            chat_id="coordina",
            chat_kind=ChatKind.PRIVATE,
            payload=payload,
        )
    )
    assert reply.file is not None
    assert plain(reply.text).startswith("[Segunda edición]\n"), reply.text


async def test_a_reminders_button_of_one_cohort_sets_that_membership(
    session: AsyncSession, transcript: Transcript, clock: ManualClock, core: Core
) -> None:
    # /avisos asked in the second cohort; answered after switching to the first.
    ids = await seed_two_cohorts(session, clock.now())
    out = await transcript.run(":como sofia\n/cohorte usar segunda\n/avisos")
    assert "[Segunda edición]" in out
    await transcript.run("/cohorte usar sprint")
    payload = REMINDERS.payload(CohortReminders(Reminders.GROUP_ONLY, ids["second"]))
    (reply,) = await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id="sofia",
            sender_name="Sofia",
            chat_id="sofia",
            chat_kind=ChatKind.PRIVATE,
            payload=payload,
        )
    )
    assert plain(reply.text) == "[Segunda edición]\nListo: recordatorios solo en el grupo."
    session.expire_all()
    sofia = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
    members = (await session.exec(select(Member).where(Member.person_id == sofia.id))).all()
    assert {m.cohort_id: m.dm_reminders for m in members} == {
        ids["first"]: True,  # as it was
        ids["second"]: False,
    }


async def test_linking_a_group_to_the_cohort_one_coordinates_while_using_another(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    # Sofía coordinates the second cohort and takes part in the first, which she uses
    # in private: /vincular with the second cohort's code links a new group to it.
    ids = await seed_two_cohorts(session, clock.now())
    sofia = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
    mine = select(Member).where(Member.person_id == sofia.id, Member.cohort_id == ids["second"])
    (await session.exec(mine)).one().role = Role.COORDINATOR
    await session.commit()
    out = await transcript.run(
        ":como sofia\n/cohorte usar sprint\n:grupo nueva\n/vincular SEGUNDA25"
    )
    assert "Este grupo ahora es el chat de Segunda edición" in out, out
