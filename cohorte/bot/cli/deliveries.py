"""`cohorte deliveries`: scheduled messages by state; ambiguous ones may have arrived or not."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cohorte.bot.cli.root import load_settings, t
from cohorte.bot.config import Settings
from cohorte.locales import N_
from cohorte.storage import outbox
from cohorte.storage.cohorts import chats_of_cohorts, cohorts_by_id
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.outbox import DeliveryState
from cohorte.storage.people import people_by_id


def register(app: typer.Typer) -> None:
    """`deliveries` on the root command."""
    app.command()(deliveries)


_STATE_NAMES = {
    DeliveryState.PENDING: N_("pending"),
    DeliveryState.CLAIMED: N_("claimed"),
    DeliveryState.SENDING: N_("being sent"),
    DeliveryState.SENT: N_("sent"),
    DeliveryState.AMBIGUOUS: N_("ambiguous"),
    DeliveryState.FAILED: N_("failed"),
    DeliveryState.DROPPED: N_("dropped"),
}


def deliveries(
    cohort_id: Annotated[
        int | None, typer.Argument(help="Número de la cohorte (todas si falta).")
    ] = None,
    state: Annotated[
        list[DeliveryState] | None,
        typer.Option(
            "--state",
            "--estado",
            help="Qué mensajes listar (repetible). Por omisión: ambiguous y failed.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Cuántos como máximo.")] = 200,
) -> None:
    """Mensajes programados por estado; los ambiguos pueden haber llegado o no."""
    asyncio.run(
        _deliveries(
            load_settings(),
            cohort_id,
            state or [DeliveryState.AMBIGUOUS, DeliveryState.FAILED],
            limit,
        )
    )


async def _deliveries(
    settings: Settings, cohort_id: int | None, states: list[DeliveryState], limit: int
) -> None:
    # A plain engine, not `bootstrap`: this must work while the bot runs on the same file.
    engine = create_engine(settings.database_url)
    console = Console(highlight=False)
    try:
        async with session_factory(engine)() as session:
            counts = await outbox.count_by_state(session, cohort_id)
            found = await outbox.deliveries_in(session, states, cohort_id, limit)
            cohorts = {
                c.id: c for c in await cohorts_by_id(session, sorted({d.cohort_id for d in found}))
            }
            people = {
                p.id: p
                for p in await people_by_id(
                    session, sorted({d.person_id for d in found if d.person_id is not None})
                )
            }
            links = {
                link.id: link for link in await chats_of_cohorts(session, [c for c in cohorts if c])
            }
    finally:
        await engine.dispose()
    console.print(
        " · ".join(
            f"{t._(_STATE_NAMES[state])}: {counts.get(state.value, 0)}" for state in DeliveryState
        )
    )
    if DeliveryState.AMBIGUOUS in states:
        console.print(
            t._(
                "Ambiguous: the request left but no answer came back (or the bot stopped "
                "while sending). The message may have arrived; it is never sent again."
            )
        )
    if not found:
        console.print(t._("No messages in that state."))
        return
    table = Table(
        t._("No."),
        t._("Cohort"),
        t._("What"),
        t._("For"),
        t._("Due"),
        t._("State"),
        t._("Attempts"),
        t._("Note"),
    )
    for delivery in found:
        cohort = cohorts.get(delivery.cohort_id)
        zone = cohort.home_zone if cohort else "UTC"
        if delivery.person_id is not None:
            person = people.get(delivery.person_id)
            reader = person.display_name if person else f"#{delivery.person_id}"
        else:
            link = links.get(delivery.chat_link_id)
            reader = (link.title or link.chat_id) if link else f"#{delivery.chat_link_id}"
        table.add_row(
            str(delivery.id),
            str(delivery.cohort_id),
            delivery.kind,
            Text(reader),
            t.when(delivery.due_at, zone),
            t._(_STATE_NAMES[delivery.state]),
            str(delivery.attempts),
            Text(delivery.last_error or ""),
        )
    console.print(table)
