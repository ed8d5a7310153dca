"""/estado-bot: the outbox of one cohort, for its coordinators, in the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.storage.models import Cohort, Person
from cohorte.storage.outbox import Delivery, DeliveryState, backlog, next_pending
from tests.conftest import Transcript
from tests.factories import seed_cohort

# Monday of week 3, 10:00 in Bogotá.
NOW = datetime(2025, 5, 5, 15, 0, tzinfo=UTC)


async def seed_outbox(session: AsyncSession, now: datetime = NOW) -> Cohort:
    """The seeded cohort with two messages overdue (one waiting for a retry), two coming,
    one ambiguous and one failed this week, one failed long ago, one sent."""
    cohort = await seed_cohort(session, now)
    sofia = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
    assert cohort.id is not None
    hours = [-2, -1 / 6, 1, 26, -48, -24, -240, -3]
    keys = ["late", "retry", "soon", "tomorrow", "ambiguous", "failed", "old", "sent"]
    await enqueue(
        session,
        [
            Planned(key, "reminder", cohort.id, now + timedelta(hours=h), person_id=sofia.id)
            for key, h in zip(keys, hours, strict=True)
        ],
        now - timedelta(days=30),
    )
    states = {
        "retry": DeliveryState.PENDING,
        "ambiguous": DeliveryState.AMBIGUOUS,
        "failed": DeliveryState.FAILED,
        "old": DeliveryState.FAILED,
        "sent": DeliveryState.SENT,
    }
    for key, state in states.items():
        await session.exec(
            update(Delivery)
            .where(col(Delivery.dedupe_key) == key)
            .values(state=state.value, not_before=now + timedelta(seconds=30))
        )
    await session.commit()
    return cohort


async def test_the_backlog_counts_what_is_due_and_owed(session: AsyncSession) -> None:
    cohort = await seed_outbox(session)

    owed = await backlog(session, NOW)
    assert (owed.waiting, owed.scheduled) == (2, 2)
    assert owed.oldest_due_at == NOW - timedelta(hours=2)
    assert owed.oldest_age(NOW) == timedelta(hours=2)
    assert await backlog(session, NOW, (cohort.id or 0) + 1) == type(owed)(0, None, 0)
    coming = await next_pending(session, NOW, cohort.id, limit=1)
    assert [row.dedupe_key for row in coming] == ["soon"]


async def test_estado_bot_for_coordinators_and_a_polite_no_for_others(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_outbox(session)
    transcript.chat.clock.set(NOW)

    out = await transcript.run(
        """
        :como coordina
        /estado-bot
        /botstatus
        :como sofia
        /estado_bot
        """
    )

    expected = (
        "*Cómo va el bot con Sprint de prueba*\n"
        "Vencidos sin enviar: 2 (el más antiguo venció hace 120 min).\n"
        "Próximos mensajes programados:\n"
        "• lunes, 5 de mayo · 11:00 (hora de Bogotá): reminder\n"
        "• martes, 6 de mayo · 12:00 (hora de Bogotá): reminder\n"
        "Últimos 7 días: ambiguos (pueden haber llegado, no se reenvían): 1; fallidos: 1.\n"
        "Chats de grupo vinculados: consola"
    )
    assert out.count(expected.replace("\n", "\n    ")) == 2, out
    refusal = out.split(":como sofia", 1)[1]
    assert "Solo el equipo coordinador puede hacer eso." in refusal
    assert "Vencidos" not in refusal
