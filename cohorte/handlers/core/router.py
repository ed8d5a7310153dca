"""The command router and the core that answers every incoming message.

Adapters call `Core.handle(incoming)` and render the replies. The core opens
one transaction per message, works out who is talking and in which cohort,
dispatches to the handler, and turns failures into replies in the reader's
language: a `CohortError` becomes its catalog message, anything else is logged
with its traceback and answered with a short apology.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core import ended, forms
from cohorte.handlers.core.buttons import ButtonRoute, split_payload
from cohorte.handlers.core.context import Context, Recent
from cohorte.handlers.core.errors import CohortError, InputTooLongError, StaleButtonError, one_line
from cohorte.handlers.core.messages import ChatEvent, ChatKind, Direct, Here, Incoming, Reply
from cohorte.handlers.core.platforms import Platforms, PlatformTraits, reaches_account_privately
from cohorte.handlers.core.readers import reader_of, with_cohort_name
from cohorte.handlers.lang import zones
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_, Translator
from cohorte.scheduling.clock import Clock
from cohorte.scheduling.metrics import ErrorKind, Metrics
from cohorte.storage.db import (
    DatabaseBusy,
    SessionFactory,
    contended,
    database_unavailable,
    write_turn,
)
from cohorte.storage.models import Platform
from cohorte.storage.people import record_inbound, sender

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4000
# An incoming event waits this long (in the adapter's queue, then for its turn to
# write on SQLite) before the person is told to try again; the platforms expect an
# answer within seconds.
BUSY_WAIT = 4.0
WRITE_ATTEMPTS = 4
BUSY_MESSAGE = N_(
    "We could not handle that right now: the bot is very busy. Please try again in a few seconds."
)

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]
ButtonHandler = Callable[[Context, list[str]], Awaitable[list[Reply]]]
EventHandler = Callable[[Context], Awaitable[list[Reply]]]
F = TypeVar("F", bound=tuple[Any, ...])
RouteHandler = Callable[[Context, F], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A chat command. The first name is the Spanish one users see."""

    names: tuple[str, ...]
    handler: CommandHandler
    summary: str
    coordinator_only: bool = False
    hidden: bool = False
    # Runs with the sender's guided form still open (/cancelar closes it itself); any
    # other command closes it first, saying so.
    keeps_form: bool = False
    # Works before someone in several active cohorts has said which one a private
    # chat is about (/ayuda, /cohortes, /unirme, /zona...): about no one cohort. Such a
    # command checks who may use it itself (`coordinator_only` then only sorts /ayuda).
    any_cohort: bool = False
    # For the bot's administrators (`Context.is_admin`): creating cohorts.
    admin_only: bool = False
    # Answers in a cohort whose sprint has ended: it only reads (`core.ended`).
    after_end: bool = False

    @property
    def name(self) -> str:
        """The command's Spanish name, the one users see."""
        return self.names[0]


class Router:
    """Maps command names, button prefixes and chat events to handlers."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self._by_name: dict[str, Command] = {}
        self._buttons: dict[str, ButtonHandler] = {}
        self._busy: dict[str, str] = {}
        self._events: dict[ChatEvent, EventHandler] = {}
        self._attachments: CommandHandler | None = None
        self._cohort_question: EventHandler | None = None

    def command(
        self,
        names: tuple[str, ...],
        handler: CommandHandler,
        summary: str,
        *,
        coordinator_only: bool = False,
        hidden: bool = False,
        keeps_form: bool = False,
        any_cohort: bool = False,
        admin_only: bool = False,
        after_end: bool = False,
    ) -> None:
        """Answer the command `names` (the first one Spanish, as users see it) with `handler`;
        `after_end`: it only reads, and still answers once the sprint has ended."""
        command = Command(
            names,
            handler,
            summary,
            coordinator_only,
            hidden,
            keeps_form,
            any_cohort,
            admin_only,
            after_end,
        )
        for name in names:
            if fold(name) in self._by_name:
                raise ValueError(f"command {name!r} registered twice")
            self._by_name[fold(name)] = command
        self.commands.append(command)

    def button(
        self, route: ButtonRoute[F], handler: RouteHandler[F], *, after_end: bool = False
    ) -> None:
        """Answer presses of `route`'s buttons with `handler(ctx, fields)`; `after_end`: the
        press still answers once the sprint has ended (it reads, or it is about one's data)."""
        if route.prefix in self._buttons:
            raise ValueError(f"button prefix {route.prefix!r} registered twice")

        async def press(ctx: Context, parts: list[str]) -> list[Reply]:
            fields = route.parse(parts)
            if route.cohort is not None and ctx.cohorts > 1:
                # Someone in several cohorts: the row's cohort, not the one in context.
                cohort_id = await route.cohort(ctx.session, fields)
                if cohort_id is not None:
                    await ctx.enter_cohort(cohort_id)
            # Whether that cohort's sprint is over decides, not the one in context.
            ended.refuse_changes_after_end(ctx, after_end)
            return await handler(ctx, fields)

        self._buttons[route.prefix] = press
        if route.busy is not None:
            self._busy[route.prefix] = route.busy

    def chat_event(self, event: ChatEvent, handler: EventHandler) -> None:
        """Answer `event` (the bot joined a group, ...) with `handler(ctx)`."""
        if event in self._events:
            raise ValueError(f"chat event {event!r} registered twice")
        self._events[event] = handler

    def attachment(self, handler: CommandHandler) -> None:
        """Answer a message that carries a file with `handler(ctx, caption)` (one handler:
        the files people send are participant reports)."""
        if self._attachments is not None:
            raise ValueError("attachment handler registered twice")
        self._attachments = handler

    def cohort_question(self, handler: EventHandler) -> None:
        """Ask with `handler(ctx)` which cohort a private chat is about, when the sender
        has several active cohorts and has not chosen one (one handler)."""
        if self._cohort_question is not None:
            raise ValueError("cohort question registered twice")
        self._cohort_question = handler

    def find_cohort_question(self) -> EventHandler | None:
        """The handler that asks which cohort a private chat is about, if registered."""
        return self._cohort_question

    def find_attachment(self) -> CommandHandler | None:
        """The handler of files sent to the bot, if one is registered."""
        return self._attachments

    def find_chat_event(self, event: ChatEvent) -> EventHandler | None:
        """The handler of a chat event, if one is registered."""
        return self._events.get(event)

    def busy_message(self, payload: str | None) -> str:
        """The catalog message for an event the database could not take in time."""
        prefix, _ = split_payload(payload or "")
        return self._busy.get(prefix, BUSY_MESSAGE)

    def find_command(self, name: str) -> Command | None:
        """The command with this name (accents and case do not matter), if any."""
        return self._by_name.get(fold(name))

    def find_button(self, prefix: str) -> ButtonHandler | None:
        """The handler of a button prefix, if one is registered."""
        return self._buttons.get(prefix)


def split_command(text: str) -> tuple[str, str] | None:
    """'/zona@CohorteBot  Bogotá' -> ('zona', 'Bogotá'); None if not a command."""
    text = text.strip()
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0]
    if not name:
        return None
    return name, rest.strip()


def event_kind(incoming: Incoming) -> str:
    """What an incoming event is, for the metrics: command, message, button, form or
    chat_event."""
    if incoming.chat_event is not None:
        return "chat_event"
    if incoming.form_values is not None:
        return "form"
    if incoming.payload is not None:
        return "button"
    return "command" if incoming.text.lstrip().startswith("/") else "message"


class Core:
    """Answers incoming messages; shared by every adapter."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        router: Router,
        kick: Callable[[], Awaitable[object]] | None = None,
        public_url: str | None = None,
        platforms: Platforms | None = None,
        metrics: Metrics | None = None,
        admins: frozenset[tuple[Platform, str]] = frozenset(),
    ) -> None:
        self.public_url = public_url
        # The bot administrators the operator named (`COHORTE_ADMINS`).
        self.admins = admins
        self.metrics = metrics or Metrics()
        self.sessions = sessions
        self.clock = clock
        self.router = router
        # What each platform can do (declared by the adapters, registered at bootstrap).
        self.platforms = platforms if platforms is not None else Platforms()
        # Called after a handler queued deliveries (announcements), to send them now.
        self.kick = kick
        self.recent = Recent()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one incoming event, in one transaction that also records its id.

        A redelivered event (its id already recorded) is ignored; a crash or a
        busy database leaves it either fully applied and recorded, or neither.
        What a handler defers (`Context.after_commit`) runs after the commit,
        outside the write turn.
        """
        t = Translator()
        started = time.perf_counter()
        kind = event_kind(incoming)
        try:
            async with self.sessions() as session:
                for attempt in range(1, WRITE_ATTEMPTS + 1):
                    try:
                        applied = await self._apply(incoming, session)
                        break
                    except OperationalError as error:
                        # Another process held SQLite's lock past its busy timeout, or
                        # PostgreSQL chose this transaction to break a deadlock: nothing
                        # was applied, so running it again from the start is safe.
                        if not contended(error) or attempt == WRITE_ATTEMPTS:
                            raise
                        logger.info(
                            "database busy, retrying %s",
                            _describe(incoming),
                            extra=_fields(incoming),
                        )
                        await asyncio.sleep(0.05 * attempt)
                if applied is None:
                    logger.info(
                        "ignored redelivered %s event %s",
                        incoming.platform,
                        incoming.event_id,
                        extra=_fields(incoming),
                    )
                    elapsed = time.perf_counter() - started
                    self.metrics.event(incoming.platform.value, "redelivered", elapsed)
                    return []
                ctx, replies = applied
                t = ctx.t
                replies += await self._after_commit(ctx, answered=bool(replies))
                replies = named_cohort(ctx, replies)
            # With the session closed: waking the sender may need the write turn, and a
            # task must never wait for the turn while it holds a pooled connection.
            await self._wake_sender(ctx)
        except CohortError as error:
            replies = self._unless_unasked(incoming, Reply(error.render(t), ephemeral=True))
        except Exception as error:
            if database_unavailable(error):
                self.metrics.error(ErrorKind.DATABASE_BUSY)
                logger.warning(
                    "could not apply %s, the database is busy or away: %s",
                    _describe(incoming),
                    one_line(error),
                    extra=_fields(incoming),
                )
                busy = Reply(t._(self.router.busy_message(incoming.payload)), ephemeral=True)
                replies = self._unless_unasked(incoming, busy)
            else:
                self.metrics.error(ErrorKind.HANDLER)
                logger.exception(
                    "failed to handle %s", _describe(incoming), extra=_fields(incoming)
                )
                sorry = Reply(t._("Sorry, something went wrong on our side. Please try again."))
                replies = self._unless_unasked(incoming, sorry)
        self.metrics.event(incoming.platform.value, kind, time.perf_counter() - started)
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "handled %s -> %d replies",
                _describe(incoming),
                len(replies),
                extra=_fields(incoming),
            )
        return replies

    @staticmethod
    def _unless_unasked(incoming: Incoming, failure: Reply) -> list[Reply]:
        """A failure's answer; none to a chat event (the bot joining a group): nobody
        asked, and there is nothing for the group to try again. The log says it."""
        return [] if incoming.chat_event is not None else [failure]

    async def _apply(
        self, incoming: Incoming, session: AsyncSession
    ) -> tuple[Context, list[Reply]] | None:
        """The event's transaction, in the write turn: its id recorded (None if it was seen
        before), who is writing, the handler's work, committed together. A business
        refusal (`CohortError`) rolls it all back and is answered in the reader's language.

        The turn is taken before the first statement, so that a task never holds a
        pooled connection while it waits for the turn (the turn's holder may need one).
        """
        waited = 0.0 if incoming.received is None else time.monotonic() - incoming.received
        if waited >= BUSY_WAIT:  # queued too long already: better told now than later
            raise DatabaseBusy(f"waited {waited:.1f} s in the adapter's queue")
        async with write_turn(self.sessions, BUSY_WAIT - waited):
            try:
                if incoming.event_id and not await record_inbound(
                    session, incoming.platform, incoming.event_id, self.clock.now()
                ):
                    await session.rollback()
                    return None
                ctx = await self._context(incoming, session)
                try:
                    replies = await self._dispatch(ctx)
                except CohortError as error:
                    # Named before the rollback, which expires the cohort's row: read
                    # afterwards it would need the database again, outside the turn.
                    refusal = named_cohort(ctx, [Reply(error.render(ctx.t), ephemeral=True)])
                    await session.rollback()
                    ctx.deferred.clear()  # for after a commit, and nothing was committed
                    ctx.outbox_dirty = False
                    ctx.cohort = None  # expired; the refusal names it already
                    return ctx, refusal
                try:
                    await session.commit()
                except OperationalError as error:
                    # Not retried: a commit that failed on the way back may have landed.
                    raise DatabaseBusy(f"the commit failed: {one_line(error)}") from error
                return ctx, replies
            except BaseException:
                await session.rollback()
                raise

    async def _after_commit(self, ctx: Context, *, answered: bool) -> list[Reply]:
        """The handler's deferred work. The event is applied by now: whatever fails here
        is logged, never answered with "try again" (a person with no answer yet is told
        that it is recorded)."""
        replies: list[Reply] = []
        try:
            for work in ctx.deferred:
                replies += await work()
        except Exception as error:
            if database_unavailable(error):
                logger.warning(
                    "applied %s, but could not read its answer: %s",
                    _describe(ctx.incoming),
                    one_line(error),
                    extra=_fields(ctx.incoming),
                )
            else:
                logger.exception(
                    "applied %s, but its answer failed",
                    _describe(ctx.incoming),
                    extra=_fields(ctx.incoming),
                )
            replies = [] if answered else [Reply(ctx.t._("Done: it is recorded."), ephemeral=True)]
        return replies

    async def _wake_sender(self, ctx: Context) -> None:
        """Messages due now were queued: the sender goes (it would find them in seconds)."""
        if not ctx.outbox_dirty or self.kick is None:
            return
        try:
            await self.kick()
        except Exception:
            logger.exception(
                "waking the sender after %s failed",
                _describe(ctx.incoming),
                extra=_fields(ctx.incoming),
            )

    async def _context(self, incoming: Incoming, session: AsyncSession) -> Context:
        group = incoming.chat_id if incoming.chat_kind is ChatKind.GROUP else None
        found = await sender(
            session, incoming.platform, incoming.sender_id, group, self.clock.now().date()
        )
        identity, person = found.identity, found.person
        # Facts the unit of work writes back (only when they change: most messages stay
        # read-only).
        if identity is not None and not identity.dm_open and incoming.chat_kind is ChatKind.PRIVATE:
            identity.dm_open = True
        if person is not None and not person.zone and incoming.sender_zone:
            # The platform knows the person's zone (Slack profiles): remember it, so that
            # scheduled messages use it too; /zona still changes it.
            zone = zones.canonical_zone(incoming.sender_zone)
            if zone is not None:
                person.zone = zone
        reader = reader_of(
            person, found.member, found.team, found.cohort, platform_zone=incoming.sender_zone
        )
        return Context(
            incoming=incoming,
            session=session,
            clock=self.clock,
            t=reader.t,
            person=reader.person,
            cohort=reader.cohort,
            member=reader.member,
            team=reader.team,
            public_url=self.public_url,
            recent=self.recent,
            platforms=self.platforms,
            cohorts=found.cohorts,
            active_cohorts=found.active,
            chosen=found.chosen,
            admins=self.admins,
        )

    async def _dispatch(self, ctx: Context) -> list[Reply]:
        replies = await self._route(ctx)
        traits = self.platforms.of(ctx.incoming.platform)
        shown: list[Reply] = []
        for reply in replies:
            if reply.form is not None and reply.form.offer:
                shown += await self._offer(ctx, traits, reply)
            elif reply.form is not None and not traits.modal_forms:
                # Without modals a form becomes a guided exchange, one question at a time.
                shown += await self._guide(ctx, traits, reply)
            else:
                shown.append(reply)
        return shown

    async def _guide(self, ctx: Context, traits: PlatformTraits, reply: Reply) -> list[Reply]:
        assert reply.form is not None
        # In a group the exchange moves to the private chat where the bot can
        # (Telegram bots in privacy mode never see plain text sent to a group).
        private = ctx.in_group and await self._can_write_privately(ctx, traits)
        form_ctx = self._in_private_chat(ctx) if private else ctx
        left = await forms.leave_guided_form(form_ctx)
        question = await forms.start_guided_form(form_ctx, reply.form)
        text = "\n\n".join(p for p in (left, reply.text, question.text) if p)
        if not private:
            return [replace(question, text=text, to=reply.to)]
        to = Direct(ctx.incoming.platform, ctx.incoming.sender_id)
        note = ctx.t._("I wrote to you privately to go on with the form.")
        return [replace(question, text=text, to=to), Reply(note, ephemeral=True)]

    async def _offer(self, ctx: Context, traits: PlatformTraits, reply: Reply) -> list[Reply]:
        """The offer's question joins the reply's text, and the sender's next message in
        their private chat answers it. Where the core does not know that chat (a group;
        a Slack conversation the message did not come from) the offer is dropped."""
        offer = reply.form
        assert offer is not None
        incoming = ctx.incoming
        if isinstance(reply.to, Here) and not ctx.in_group:
            offer_ctx = ctx
        elif (
            reply.to == Direct(incoming.platform, incoming.sender_id)
            and traits.private_chat_is_user
        ):
            offer_ctx = self._in_private_chat(ctx)
        else:
            return [replace(reply, form=None)]
        left = await forms.leave_guided_form(offer_ctx)
        await forms.await_answer(offer_ctx, offer)
        text = "\n".join(p for p in (reply.text, offer.fields[0].label) if p)
        if left is not None:
            text = f"{left}\n\n{text}"
        return [replace(reply, form=None, text=text)]

    @staticmethod
    def _in_private_chat(ctx: Context) -> Context:
        """The context as if the sender had written in their private chat (its id is their
        user id: `PlatformTraits.private_chat_is_user`)."""
        incoming = replace(ctx.incoming, chat_id=ctx.incoming.sender_id, chat_kind=ChatKind.PRIVATE)
        return replace(ctx, incoming=incoming)

    async def _can_write_privately(self, ctx: Context, traits: PlatformTraits) -> bool:
        """Whether the core can go on with the sender in their private chat: its id is
        known (their user id) and the bot may write there."""
        if not traits.private_chat_is_user:
            return False
        incoming = ctx.incoming
        return await reaches_account_privately(
            ctx.session, self.platforms, incoming.platform, incoming.sender_id
        )

    async def _route(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.chat_event is not None:
            handler = self.router.find_chat_event(incoming.chat_event)
            return await handler(ctx) if handler is not None else []
        if incoming.payload is not None:
            if incoming.payload.startswith(f"{forms.CHOICE_PREFIX}:"):
                return await self._answer_form(ctx, incoming.payload.partition(":")[2], True)
            return await self._press(ctx, incoming.payload)
        if len(incoming.text) > MAX_TEXT_LENGTH:
            raise InputTooLongError(length=len(incoming.text), limit=MAX_TEXT_LENGTH)
        if incoming.attachment is not None:
            if ctx.needs_cohort_choice:
                return await self._ask_cohort(ctx)
            return await self._receive_file(ctx)
        parsed = split_command(incoming.text)
        if parsed is None and await forms.has_guided_form(ctx):
            return await self._answer_form(ctx, incoming.text, False)
        if parsed is None:
            if ctx.in_group:
                return []  # group chatter is not for us
            return [Reply(ctx.t._("I did not understand. Type /ayuda to see what I can do."))]
        name, args = parsed
        command = self.router.find_command(name)
        if command is None:
            raise CohortError(
                N_("I don't know the command /{name}. Type /ayuda to see what I can do."),
                name=name[:40],
            )
        if ctx.needs_cohort_choice and not command.any_cohort:
            return await self._ask_cohort(ctx)
        if command.coordinator_only and not command.any_cohort:
            # (A command about no one cohort checks its own: the cohort in context may
            # not be the one it acts on.)
            ctx.require_coordinator()
        if command.admin_only:
            await ctx.require_admin()
        ended.refuse_changes_after_end(ctx, command.after_end)
        # The sender moved on: a form left half-way is closed, and they are told.
        left = None if command.keeps_form else await forms.leave_guided_form(ctx)
        replies = await command.handler(ctx, args)
        # A reading about the cohort says its sprint is over; one about no one cohort
        # (/ayuda, /unirme, /misdatos...) does not.
        reads_the_cohort = command.after_end and not command.any_cohort
        if reads_the_cohort and replies and replies[0].text and ended.has_ended(ctx):
            first = replies[0]
            replies = [
                replace(first, text=f"{ended.ended_note(ctx)}\n\n{first.text}"),
                *replies[1:],
            ]
        return replies if left is None else [Reply(left, ephemeral=True), *replies]

    async def _ask_cohort(self, ctx: Context) -> list[Reply]:
        """Which cohort? (someone in several active ones, in private, who never chose)"""
        ask = self.router.find_cohort_question()
        replies = await ask(ctx) if ask is not None else []
        ctx.cohort = None  # the question is about no one cohort: it is not headed by one
        return replies

    async def _receive_file(self, ctx: Context) -> list[Reply]:
        """A file sent to the bot: its handler, with the caption; a form left half-way is
        closed first, as for a command."""
        handler = self.router.find_attachment()
        if handler is None:
            raise CohortError(N_("I do not read files here."))
        left = await forms.leave_guided_form(ctx)
        replies = await handler(ctx, ctx.incoming.text)
        return replies if left is None else [Reply(left, ephemeral=True), *replies]

    async def _answer_form(self, ctx: Context, answer: str, is_choice: bool) -> list[Reply]:
        submission = await forms.answer_guided_form(ctx, answer, is_choice=is_choice)
        if submission is None:
            return [await forms.next_question(ctx)]
        assert submission.payload is not None
        ctx.incoming = submission
        return await self._press(ctx, submission.payload)

    async def _press(self, ctx: Context, payload: str) -> list[Reply]:
        prefix, parts = split_payload(payload)
        handler = self.router.find_button(prefix)
        if handler is None:
            raise StaleButtonError()
        try:
            return await handler(ctx, parts)
        except (ValueError, IndexError) as error:
            logger.info("rejected button payload %r: %s", payload[:64], error)
            raise StaleButtonError() from error


def named_cohort(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """The replies, each private one headed by the cohort's name when the sender has
    several active cohorts (`readers.with_cohort_name`): nobody has to guess which
    cohort an answer is about."""
    cohort = ctx.cohort
    if not ctx.ambiguous or cohort is None or ctx.person is None:
        return replies
    named: list[Reply] = []
    for reply in replies:
        private = isinstance(reply.to, Direct) or (isinstance(reply.to, Here) and not ctx.in_group)
        if private:
            reply = replace(reply, text=with_cohort_name(ctx.t, cohort, reply.text))
        named.append(reply)
    return named


def _fields(incoming: Incoming) -> dict[str, object]:
    """What a log line about this event carries as fields (the JSON log shows them)."""
    fields: dict[str, object] = {"platform": str(incoming.platform)}
    if incoming.event_id:
        fields["event_id"] = incoming.event_id
    return fields


def _describe(incoming: Incoming) -> str:
    if incoming.chat_event is not None:
        what = f"event {incoming.chat_event}"
    elif incoming.payload is not None:
        what = f"button {incoming.payload[:64]!r}"
    elif incoming.attachment is not None:
        what = f"file ({incoming.attachment.size} bytes)"
    else:
        what = "message"
    return (
        f"{what} from {incoming.platform}:{incoming.sender_id} "
        f"in {incoming.chat_kind}:{incoming.chat_id}"
    )
