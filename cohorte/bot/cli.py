"""The `cohorte` command line (typer). Help in Spanish, command names in English."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import App, DatabaseBusyError, bootstrap
from cohorte.bot.config import Settings
from cohorte.bot.console import ConsoleChat
from cohorte.bot.logs import configure_logging
from cohorte.bot.runtime import serve
from cohorte.handlers import dashboard
from cohorte.handlers.cohort.file import (
    CohortFileError,
    export_cohort,
    import_cohort,
    parse_cohort_file,
)
from cohorte.handlers.core.errors import CohortError
from cohorte.locales import N_, Translator
from cohorte.scheduling.clock import Clock, ManualClock, RehearsalClock, SystemClock, parse_instant
from cohorte.storage import outbox, queries
from cohorte.storage.db import create_engine, session_factory, transaction
from cohorte.storage.migrate import current_revision, head_revision, upgrade
from cohorte.storage.models import Cohort, Event, Platform, Role
from cohorte.storage.outbox import DeliveryState

app = typer.Typer(
    help="Cohorte: el bot que acompaña el sprint de 12 semanas de tu cohorte.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Base de datos y migraciones.", no_args_is_help=True)
cohort_app = typer.Typer(help="Definiciones de cohortes en TOML.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(cohort_app, name="cohort")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sprint-2025.toml"
t = Translator("es")


def main() -> None:
    # python-telegram-bot 22 warns on every rate-limit answer until this opt-in;
    # our code reads `retry_after` as seconds or as a timedelta alike.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    app()


def _settings() -> Settings:
    return Settings()


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=1)


async def _open(settings: Settings, clock: Clock | None = None) -> App:
    try:
        return await bootstrap(settings, clock)
    except DatabaseBusyError as error:
        raise _fail(
            t._(
                "Another Cohorte process is already using {path}. SQLite allows only one; "
                "use PostgreSQL to run several.",
                path=str(error),
            )
        ) from error


# -- run and console --------------------------------------------------------------


@app.command()
def run(
    clock: Annotated[
        str | None,
        typer.Option(
            "--reloj",
            help="Ensayo: el reloj de la cohorte empieza en 'AAAA-MM-DD HH:MM' (hora de la "
            "cohorte) y avanza en tiempo real. Por omisión, COHORTE_CLOCK o el reloj del sistema.",
        ),
    ] = None,
) -> None:
    """Inicia todos los adaptadores configurados; sin ninguno, la consola."""
    settings = _settings()
    clock = clock or settings.clock
    if clock is not None:
        try:
            parse_instant(clock, "UTC")
        except ValueError:
            raise _fail(
                t._("Write the clock as 'AAAA-MM-DD HH:MM' (cohort time), e.g. 2025-05-05 09:00.")
            ) from None
    if not (settings.telegram_enabled or settings.slack_enabled):
        typer.echo(t._("No Slack or Telegram token configured: starting the console chat."))
        _console(settings, script=None, actor=None, clock=clock)
        return
    configure_logging(settings)
    asyncio.run(_serve(settings, clock))


async def _serve(settings: Settings, clock_text: str | None) -> None:
    rehearsal = RehearsalClock(SystemClock().now()) if clock_text else None
    app_ = await _open(settings, rehearsal)
    try:
        if rehearsal is not None and clock_text is not None:
            zones = {cohort.home_zone for cohort in await _cohorts(app_)}
            rehearsal.restart(parse_instant(clock_text, zones.pop() if len(zones) == 1 else "UTC"))
        await serve(app_)
    finally:
        await app_.close()


@app.command()
def console(
    script: Annotated[
        Path | None,
        typer.Option("--script", help="Archivo con líneas de consola; imprime la transcripción."),
    ] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Nombre de consola de quien escribe al empezar.")
    ] = None,
    clock: Annotated[
        str | None,
        typer.Option(
            "--reloj", help="Hora inicial del reloj, 'AAAA-MM-DD HH:MM' (hora de la cohorte)."
        ),
    ] = None,
) -> None:
    """El chat local: actúa como varias personas y mueve el reloj."""
    _console(_settings(), script=script, actor=as_, clock=clock)


def _console(settings: Settings, script: Path | None, actor: str | None, clock: str | None) -> None:
    if script is not None and not script.is_file():
        raise _fail(t._("The script {path} does not exist.", path=str(script)))
    configure_logging(settings, log_file=Path("cohorte.log"))
    asyncio.run(_console_session(settings, script, actor, clock))


async def _console_session(
    settings: Settings, script: Path | None, actor: str | None, clock_text: str | None
) -> None:
    clock = ManualClock(SystemClock().now())
    app_ = await _open(settings, clock)
    try:
        interactive = script is None and sys.stdin.isatty()
        cohorts = await _cohorts(app_)
        if not cohorts and interactive and EXAMPLE.is_file():
            answer = await asyncio.to_thread(
                input, t._("The database is empty. Load the example cohort? [Y/n] ")
            )
            if answer.strip().lower() in ("", "s", "si", "sí", "y", "yes"):
                await _import_file(app_, EXAMPLE)
                cohorts = await _cohorts(app_)
        home_zone = cohorts[-1].home_zone if cohorts else "America/Bogota"
        out = _plain_writer() if not interactive else _rich_writer()
        chat = ConsoleChat(app_.core, clock, out, home_zone=home_zone, ticker=app_.ticker)
        app_.messengers[Platform.CONSOLE] = chat.messenger
        if clock_text:
            await chat.feed(f":reloj {clock_text}")
        elif cohorts:
            _start_clock_in_sprint(chat, clock, cohorts[-1])
        if actor:
            await chat.feed(f":como {actor}")
        await chat.tick()  # catch up on anything due while the bot was off
        if script is not None:
            await _replay(chat, script.read_bytes())  # noqa: ASYNC240  (a small local file)
        else:
            if interactive:
                out(_guide(cohorts))
            await _interact(chat)
    finally:
        await app_.close()


def _start_clock_in_sprint(chat: ConsoleChat, clock: ManualClock, cohort: Cohort) -> None:
    """A sprint that already ended is replayed: the clock starts the Friday before week 1."""
    zone = ZoneInfo(cohort.home_zone)
    end = datetime.combine(cohort.start_date + timedelta(weeks=cohort.weeks), time(0), zone)
    if clock.now() < end:
        return
    friday = cohort.start_date - timedelta(days=3)
    clock.set(datetime.combine(friday, time(9, 0), zone))
    chat.write(
        t._(
            "The sprint {cohort} already took place: the console clock starts on {when}. "
            "Move it with :reloj.",
            cohort=cohort.name,
            when=t.when(clock.now(), cohort.home_zone),
        )
    )


async def _replay(chat: ConsoleChat, script: bytes) -> None:
    for number, raw in enumerate(script.splitlines(), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            chat.write("  ! " + t._("line {n}: not valid UTF-8 text; skipped.", n=number))
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        chat.write(chat.prompt + line)
        if not await chat.feed(line):
            break


async def _interact(chat: ConsoleChat) -> None:
    with contextlib.suppress(ImportError):  # line editing and history for input()
        import readline  # noqa: F401
    while True:
        try:
            line = await asyncio.to_thread(input, chat.prompt)
        except (EOFError, KeyboardInterrupt):
            chat.write("")
            return
        if not await chat.feed(line):
            return


def _plain_writer() -> Callable[[str], None]:
    def write(line: str) -> None:
        print(line, flush=True)

    return write


def _rich_writer() -> Callable[[str], None]:
    console = Console(highlight=False)

    def write(line: str) -> None:
        style = ""
        if line.startswith("  bot →"):
            style = "cyan"
        elif line.startswith("  !"):
            style = "yellow"
        console.print(Text(line, style=style))

    return write


def _guide(cohorts: list[Cohort]) -> str:
    lines = ["", t._("Cohorte console. Try this (type :ayuda for every console line):")]
    if cohorts:
        code = cohorts[-1].invite_code
        lines += [
            "  :como nuevo           " + t._("become a new person"),
            f"  /unirme {code:<13} " + t._("join the cohort, then :b 1 to pick a team"),
            "  /zona Santiago        " + t._("change your time zone"),
            "  :como coordina        " + t._("become the example's coordinator"),
            "  /miembros             " + t._("members by team"),
            "  :grupo                " + t._("talk in the cohort's group chat"),
            "  :reloj +1d            " + t._("move the clock one day"),
        ]
    lines += ["  /ayuda                " + t._("what the bot can do"), "  :salir", ""]
    return "\n".join(lines)


async def _cohorts(app_: App) -> list[Cohort]:
    async with app_.sessions() as session:
        return list(await queries.list_cohorts(session))


async def _import_file(app_: App, path: Path) -> Cohort:
    spec = parse_cohort_file(path.read_bytes())  # noqa: ASYNC240  (a small local file)
    async with transaction(app_.sessions) as session:
        return await import_cohort(session, spec, app_.clock.now())


# -- database -------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Aplica las migraciones pendientes (Alembic)."""
    asyncio.run(_db_upgrade(_settings()))


async def _db_upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        typer.echo(t._("Database at revision {revision}.", revision=await current_revision(engine)))
    finally:
        await engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """Muestra la revisión de la base de datos y la última disponible."""
    asyncio.run(_db_current(_settings()))


async def _db_current(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        revision = await current_revision(engine)
    finally:
        await engine.dispose()
    typer.echo(
        t._(
            "Database revision: {revision} (latest: {head}).",
            revision=revision or t._("empty"),
            head=head_revision(),
        )
    )


# -- cohorts --------------------------------------------------------------------


@cohort_app.command("import")
def cohort_import(
    file: Annotated[Path, typer.Argument(help="Archivo TOML de la cohorte.")],
) -> None:
    """Crea una cohorte desde un archivo TOML."""
    if not file.is_file():
        raise _fail(t._("The file {path} does not exist.", path=str(file)))
    asyncio.run(_cohort_import(_settings(), file))


async def _cohort_import(settings: Settings, file: Path) -> None:
    app_ = await _open(settings)
    try:
        cohort = await _import_file(app_, file)
    except CohortFileError as error:
        raise _fail(error.render(t)) from error
    finally:
        await app_.close()
    typer.echo(
        t._(
            "Cohort {id} created: {name} (invite code {code}).",
            id=cohort.id,
            name=cohort.name,
            code=cohort.invite_code,
        )
    )


@cohort_app.command("export")
def cohort_export(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    file: Annotated[
        Path, typer.Argument(help="Archivo TOML de salida ('-' para la salida estándar).")
    ],
) -> None:
    """Escribe la definición de una cohorte en TOML."""
    asyncio.run(_cohort_export(_settings(), cohort_id, file))


async def _cohort_export(settings: Settings, cohort_id: int, file: Path) -> None:
    app_ = await _open(settings)
    try:
        async with app_.sessions() as session:
            text = await export_cohort(session, cohort_id)
    except CohortFileError as error:
        raise _fail(error.render(t)) from error
    finally:
        await app_.close()
    if str(file) == "-":
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")  # noqa: ASYNC240  (a small local file)
        typer.echo(t._("Cohort {id} written to {path}.", id=cohort_id, path=str(file)))


@cohort_app.command("show")
def cohort_show(
    cohort_id: Annotated[
        int | None, typer.Argument(help="Número de la cohorte (todas si falta).")
    ] = None,
) -> None:
    """Lista las cohortes, o muestra una con sus equipos y su calendario."""
    asyncio.run(_cohort_show(_settings(), cohort_id))


async def _cohort_show(settings: Settings, cohort_id: int | None) -> None:
    app_ = await _open(settings)
    console = Console(highlight=False)
    try:
        async with app_.sessions() as session:
            if cohort_id is None:
                await _show_all(session, console)
            else:
                await _show_one(session, console, cohort_id)
    finally:
        await app_.close()


async def _show_all(session: AsyncSession, console: Console) -> None:
    cohorts = await queries.list_cohorts(session)
    if not cohorts:
        console.print(
            t._("There are no cohorts yet. Import one with: cohorte cohort import FILE.toml")
        )
        return
    table = Table(
        t._("No."), t._("Cohort"), t._("Start"), t._("Weeks"), t._("Code"), t._("Time zone")
    )
    for cohort in cohorts:
        table.add_row(
            str(cohort.id),
            cohort.name,
            t.date(cohort.start_date),
            str(cohort.weeks),
            cohort.invite_code,
            cohort.home_zone,
        )
    console.print(table)


async def _show_one(session: AsyncSession, console: Console, cohort_id: int) -> None:
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise _fail(t._("There is no cohort number {id}.", id=cohort_id))
    console.print(Text(f"{cohort.name} — {t.zone_label(cohort.home_zone)}", style="bold"))
    console.print(
        t._(
            "Starts {date}, {weeks} weeks, invite code {code}.",
            date=t.date(cohort.start_date),
            weeks=cohort.weeks,
            code=cohort.invite_code,
        )
    )
    teams = await queries.teams_of(session, cohort_id)
    members = await queries.members_with_people(session, cohort_id)
    table = Table(t._("Team"), t._("City"), t._("Time zone"), t._("Members"))
    for team in teams:
        count = sum(1 for member, _ in members if member.team_id == team.id)
        table.add_row(team.name, team.city, team.zone, str(count))
    console.print(table)
    coordinators = [p.display_name for m, p in members if m.role == Role.COORDINATOR]
    console.print(t._("Coordination: {names}", names=", ".join(coordinators) or "—"))
    events = (
        await session.exec(
            select(Event).where(Event.cohort_id == cohort_id).order_by(col(Event.starts_at))
        )
    ).all()
    for event in events:
        console.print(f"• {t.when(event.starts_at, cohort.home_zone)} — {event.title}")


# -- deliveries -------------------------------------------------------------------

_STATE_NAMES = {
    DeliveryState.PENDING: N_("pending"),
    DeliveryState.CLAIMED: N_("claimed"),
    DeliveryState.SENDING: N_("being sent"),
    DeliveryState.SENT: N_("sent"),
    DeliveryState.AMBIGUOUS: N_("ambiguous"),
    DeliveryState.FAILED: N_("failed"),
    DeliveryState.DROPPED: N_("dropped"),
}


@app.command()
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
            _settings(), cohort_id, state or [DeliveryState.AMBIGUOUS, DeliveryState.FAILED], limit
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
                c.id: c
                for c in await queries.cohorts_by_id(session, sorted({d.cohort_id for d in found}))
            }
            people = {
                p.id: p
                for p in await queries.people_by_id(
                    session, sorted({d.person_id for d in found if d.person_id is not None})
                )
            }
            links = {
                link.id: link
                for link in await queries.chats_of_cohorts(session, [c for c in cohorts if c])
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


# -- slack ------------------------------------------------------------------------

slack_app = typer.Typer(help="Aplicación de Slack.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")


@slack_app.command("manifest")
def slack_manifest(
    socket: Annotated[
        bool | None,
        typer.Option(
            "--socket/--http", help="Socket Mode o HTTP (por omisión, según la configuración)."
        ),
    ] = None,
) -> None:
    """Imprime el manifiesto (JSON) para crear la app de Slack."""
    from cohorte.bot.slack.manifest import print_manifest

    print_manifest(_settings(), socket_mode=socket)


# -- polls ------------------------------------------------------------------------

poll_app = typer.Typer(help="Encuestas del horario de la sesión semanal.", no_args_is_help=True)
app.add_typer(poll_app, name="poll")


@poll_app.command("export")
def poll_export(
    poll_id: Annotated[int, typer.Argument(help="Número de la encuesta.")],
    file: Annotated[
        Path, typer.Argument(help="Archivo CSV de salida ('-' para la salida estándar).")
    ],
) -> None:
    """Escribe las respuestas de una encuesta en CSV (horario, persona, equipo, voto)."""
    asyncio.run(_poll_export(_settings(), poll_id, file))


async def _poll_export(settings: Settings, poll_id: int, file: Path) -> None:
    from cohorte.handlers.poll import poll_csv

    app_ = await _open(settings)
    try:
        async with app_.sessions() as session:
            data = await poll_csv(session, poll_id, t)
    finally:
        await app_.close()
    if data is None:
        raise _fail(t._("There is no poll number {id}.", id=poll_id))
    if str(file) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        file.write_bytes(data)  # noqa: ASYNC240  (a small local file)
        typer.echo(t._("Poll {id} written to {path}.", id=poll_id, path=str(file)))


# -- exports (deliverable status) ---------------------------------------------------

export_app = typer.Typer(help="Exportaciones en CSV (UTF-8 con BOM).", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _export_command(kind: str, summary: str) -> None:
    def command(
        cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
        file: Annotated[Path, typer.Argument(help="Archivo CSV de salida.")],
    ) -> None:
        asyncio.run(_export_csv(_settings(), kind, cohort_id, file))

    command.__doc__ = summary
    export_app.command(kind)(command)


async def _export_csv(settings: Settings, kind: str, cohort_id: int, file: Path) -> None:
    app_ = await _open(settings)
    try:
        async with app_.sessions() as session:
            data = await dashboard.export_for_cli(session, cohort_id, kind, app_.clock.now(), t)
    except CohortError as error:
        raise _fail(error.render(t)) from error
    finally:
        await app_.close()
    file.write_bytes(data)  # noqa: ASYNC240  (a small local file)
    typer.echo(t._("Cohort {id} written to {path}.", id=cohort_id, path=str(file)))


_export_command("status", "Estado actual de los entregables de cada equipo.")
_export_command("history", "Historial completo de cambios de estado.")
_export_command("checkins", "Respuestas previas a las sesiones de acompañamiento.")
