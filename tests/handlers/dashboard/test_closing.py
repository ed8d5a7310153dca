"""The end of a cohort in the console, in Spanish: after the Showtime a closing message
once, then nothing more is sent; reading still answers, changes are refused."""

from __future__ import annotations

from datetime import UTC, datetime

from pypdf import PdfReader
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.dashboard.closing import AFTER_THE_END
from cohorte.storage.models import Cohort
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.conftest import Transcript

CLOSING = "🎉 *El sprint terminó.* ¡Gracias a todos por estas 12 semanas!"


async def test_after_the_showtime_the_cohort_closes_and_goes_quiet(
    session: AsyncSession, transcript: Transcript
) -> None:
    spec = parse_cohort_file(EXAMPLE.read_bytes())
    await import_cohort(session, spec, transcript.chat.clock.now())
    await session.commit()

    during = await transcript.run(
        """
        # The Showtime: Wednesday of week 12, 10:00 to 11:30 in Bogotá.
        :reloj 2025-07-09 11:00
        """
    )
    assert CLOSING not in during
    closing = await transcript.run(
        """
        :reloj 2025-07-09 11:45
        :reloj +1h
        """
    )
    assert closing.count(CLOSING) == 1
    assert "bot → #sala: 🎉 *El sprint terminó.*" in closing
    assert "Se realizaron 5 sesiones." in closing
    assert "*Bogotá*: ✅ 0 de 6" in closing
    # The cohort report comes with it, as a PDF whose text is the cohort's.
    assert "/archivos/informe-1-2025-07-09.pdf" in closing
    report = PdfReader(transcript.chat.files / "informe-1-2025-07-09.pdf")
    assert spec.name in "".join(page.extract_text() for page in report.pages)
    session.expire_all()
    cohort = (await session.exec(select(Cohort))).one()
    assert cohort.ended_at is not None

    later = await transcript.run(
        """
        # Two weeks on: no reminders, nudges, check-ins or digests any more.
        :reloj +7d
        :reloj +7d
        """
    )
    assert "bot →" not in later
    pending = await session.exec(
        select(func.count())
        .select_from(Delivery)
        .where(col(Delivery.state).in_([DeliveryState.PENDING, DeliveryState.CLAIMED]))
    )
    assert pending.one() == 0
    sent_after_end = await session.exec(
        select(Delivery.kind).where(
            col(Delivery.sent_at) >= cohort.ended_at, col(Delivery.state) == DeliveryState.SENT
        )
    )
    # Only the closing message and what follows the last session (its feedback question).
    kinds = set(sent_after_end.all())
    assert "cohort.closed" in kinds and kinds <= set(AFTER_THE_END)

    reading = await transcript.run(
        """
        :como laura
        /estado
        /reportar plan completado
        :como coordina
        /estado
        /reportar plan completado
        """
    )
    assert "El sprint terminó: esto es solo para consultar.\n" in reading
    assert "*Entregables del equipo Bogotá*" in reading
    assert "El sprint terminó: ya no se puede cambiar nada." in reading
    assert reading.count("El sprint terminó: esto es solo para consultar.") == 2
    assert "ya no se puede cambiar nada" not in reading.split(":como coordina")[1]


async def test_an_archived_cohort_sends_nothing_and_only_answers_for_reading(
    session: AsyncSession, transcript: Transcript
) -> None:
    from cohorte.storage.cohorts import archive_cohort

    spec = parse_cohort_file(EXAMPLE.read_bytes())
    cohort = await import_cohort(session, spec, transcript.chat.clock.now())
    await archive_cohort(session, cohort, transcript.chat.clock.now())
    await session.commit()
    out = await transcript.run(
        """
        :como coordina
        /anuncio Mañana no hay sesión
        /estado
        :como laura
        /reportar plan completado
        :reloj +2d
        """
    )
    assert out.count("Esta cohorte está archivada: solo responde para consultar.") == 2
    assert "El sprint terminó y su cohorte está archivada: esto es solo para consultar." in out
    assert "bot →" not in out.split(":reloj +2d")[1] and CLOSING not in out


async def test_a_cohort_found_ended_long_after_its_last_session_closes_without_a_message(
    session: AsyncSession, transcript: Transcript
) -> None:
    spec = parse_cohort_file(EXAMPLE.read_bytes())
    await import_cohort(session, spec, transcript.chat.clock.now())
    await session.commit()
    transcript.chat.clock.set(datetime(2025, 8, 1, 15, 0, tzinfo=UTC))  # the bot was off
    out = await transcript.run(":reloj +1h")
    assert CLOSING not in out and "bot →" not in out
    session.expire_all()
    assert (await session.exec(select(Cohort))).one().ended_at is not None
