"""`cohorte run` (every configured adapter, or the console) and `cohorte console` (the local
chat: act as several people and move the clock)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.text import Text

from cohorte.bot.bootstrap import App
from cohorte.bot.cli.cohort import EXAMPLE, import_file
from cohorte.bot.cli.root import fail, load_settings, open_app, t
from cohorte.bot.config import Settings
from cohorte.bot.console import DEFAULT_FILES, ConsoleChat
from cohorte.bot.logs import configure_logging
from cohorte.bot.observe import metrics_refusal
from cohorte.bot.runtime import serve
from cohorte.scheduling.clock import ManualClock, RehearsalClock, SystemClock, parse_instant
from cohorte.storage.cohorts import list_cohorts
from cohorte.storage.console import console_clock, keep_console_clock
from cohorte.storage.db import transaction
from cohorte.storage.models import Cohort, Platform


def register(app: typer.Typer) -> None:
    """`run` and `console` on the root command."""
    app.command()(run)
    app.command()(console)


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
    settings = load_settings()
    clock = clock or settings.clock
    _check_clock(clock)
    if not (settings.telegram_enabled or settings.slack_enabled):
        typer.echo(t._("No Slack or Telegram token configured: starting the console chat."))
        _console(settings, script=None, actor=None, clock=clock, files=DEFAULT_FILES)
        return
    refusal = metrics_refusal(settings)  # before anything listens
    if refusal is not None:
        raise fail(t._(refusal))
    configure_logging(settings)
    asyncio.run(_serve(settings, clock))


async def _serve(settings: Settings, clock_text: str | None) -> None:
    rehearsal = RehearsalClock(SystemClock().now()) if clock_text else None
    app_ = await open_app(settings, rehearsal)
    try:
        if rehearsal is not None and clock_text is not None:
            zones = {cohort.home_zone for cohort in await _cohorts(app_)}
            rehearsal.restart(parse_instant(clock_text, zones.pop() if len(zones) == 1 else "UTC"))
        await serve(app_)
    finally:
        await app_.close()


def _check_clock(text: str | None) -> None:
    """Refuse a clock that cannot be read, before anything runs on another one."""
    if text is None:
        return
    try:
        parse_instant(text, "UTC")
    except ValueError:
        raise fail(
            t._("Write the clock as 'AAAA-MM-DD HH:MM' (cohort time), e.g. 2025-05-05 09:00.")
        ) from None


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
            "--reloj",
            help="Hora inicial del reloj, 'AAAA-MM-DD HH:MM' (hora de la cohorte). Por omisión, "
            "donde lo dejó la sesión anterior.",
        ),
    ] = None,
    files: Annotated[
        Path,
        typer.Option("--archivos", help="Carpeta donde se guardan los archivos que envía el bot."),
    ] = DEFAULT_FILES,
) -> None:
    """El chat local: actúa como varias personas y mueve el reloj."""
    _check_clock(clock)
    _console(load_settings(), script=script, actor=as_, clock=clock, files=files)


def _console(
    settings: Settings, script: Path | None, actor: str | None, clock: str | None, files: Path
) -> None:
    if script is not None and not script.is_file():
        raise fail(t._("The script {path} does not exist.", path=str(script)))
    configure_logging(settings, log_file=Path("cohorte.log"))
    asyncio.run(_console_session(settings, script, actor, clock, files))


async def _console_session(
    settings: Settings,
    script: Path | None,
    actor: str | None,
    clock_text: str | None,
    files: Path,
) -> None:
    clock = ManualClock(SystemClock().now())
    app_ = await open_app(settings, clock)
    try:
        interactive = script is None and sys.stdin.isatty()
        cohorts = await _cohorts(app_)
        if not cohorts and interactive and EXAMPLE.is_file():
            answer = await asyncio.to_thread(
                input, t._("The database is empty. Load the example cohort? [Y/n] ")
            )
            if answer.strip().lower() in ("", "s", "si", "sí", "y", "yes"):
                await import_file(app_, EXAMPLE)
                cohorts = await _cohorts(app_)
        home_zone = cohorts[-1].home_zone if cohorts else "America/Bogota"
        out = _plain_writer() if not interactive else _rich_writer()

        async def keep(instant: datetime) -> None:
            async with transaction(app_.sessions) as session:
                await keep_console_clock(session, instant)

        chat = ConsoleChat(
            app_.core,
            clock,
            out,
            home_zone=home_zone,
            ticker=app_.ticker,
            files=files,
            on_clock=keep,
        )
        app_.messengers[Platform.CONSOLE] = chat.messenger
        out(chat.files_notice())
        await _place_clock(app_, chat, cohorts, clock_text)
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


async def _place_clock(
    app_: App, chat: ConsoleChat, cohorts: list[Cohort], clock_text: str | None
) -> None:
    """Where the console clock starts: `--reloj`, else where the last console session
    left it, else before week 1 of a sprint that already took place, else now."""
    if clock_text is not None:  # already checked by _check_clock
        await chat.set_clock(parse_instant(clock_text, chat.home_zone))
        return
    async with app_.sessions() as session:
        left = await console_clock(session)
    if left is not None:
        chat.clock.set(left)
        chat.write(
            t._(
                "The console clock resumes where the last session left it: {when}. "
                "Move it with :reloj.",
                when=t.when(left, chat.home_zone),
            )
        )
    elif cohorts:
        await _start_clock_in_sprint(chat, cohorts[-1])


async def _start_clock_in_sprint(chat: ConsoleChat, cohort: Cohort) -> None:
    """A sprint that already ended is replayed: the clock starts the Friday before week 1."""
    zone = ZoneInfo(cohort.home_zone)
    end = datetime.combine(cohort.start_date + timedelta(weeks=cohort.weeks), time(0), zone)
    if chat.clock.now() < end:
        return
    friday = datetime.combine(cohort.start_date - timedelta(days=3), time(9, 0), zone)
    chat.write(
        t._(
            "“{cohort}” has already ended: the console clock starts on {when}. "
            "Move it with :reloj.",
            cohort=cohort.name,
            when=t.when(friday, cohort.home_zone),
        )
    )
    await chat.set_clock(friday, show=False)  # the line above said when


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
        return list(await list_cohorts(session))
