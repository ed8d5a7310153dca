"""The Telegram adapter: python-telegram-bot in, neutral messages through the core, Bot API out.

Updates arrive by long polling (development) or through our own aiohttp route
`POST /telegram/webhook` (production, when `COHORTE_PUBLIC_URL` is set). Each
one becomes an `Incoming` for `Core.handle` (`inbound`); the replies are
rendered as HTML messages with inline keyboards, photos and documents
(`render`, `messenger`). The `Application` runs with the manual lifecycle so
that it shares the process's one asyncio loop with Slack, the scheduler and
the HTTP server.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import replace

from aiohttp import web
from telegram import (
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Update,
)
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer, read_body
from cohorte.bot.telegram.inbound import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    UPDATE_ARRIVED,
    WEBHOOK_PATH,
    PerSenderUpdateProcessor,
    button_incoming,
    document_attachment,
    joined_incoming,
    message_incoming,
    read_update,
    webhook_secret,
)
from cohorte.bot.telegram.limits import SendLimits, TelegramRateLimiter
from cohorte.bot.telegram.messenger import PartlyDeliveredError, TelegramMessenger
from cohorte.bot.telegram.render import menu, take_toast
from cohorte.handlers.core.messages import ChatKind, Direct, Group, Here, Incoming, Reply
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import literal
from cohorte.scheduling.outbox import SendOutcome
from cohorte.storage.models import Platform
from cohorte.storage.people import identity_by_external_id

logger = logging.getLogger(__name__)


class TelegramAdapter:
    """Telegram for the core: updates in, replies out, one shared asyncio loop."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        http: HttpServer | None = None,
        *,
        limits: SendLimits | None = None,
        poll_timeout: float = 30.0,
        read_timeout: float | None = None,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        token = settings.telegram_bot_token.get_secret_value()
        api = settings.telegram_api_url.rstrip("/")
        self.core = core
        self.poll_timeout = poll_timeout
        self.rate_limiter = TelegramRateLimiter(limits, metrics=core.metrics)
        self.webhook_url = (
            f"{settings.public_url.rstrip('/')}{WEBHOOK_PATH}" if settings.public_url else None
        )
        self._secret = webhook_secret(token)
        self._accepting = True  # False once a stop began: new updates are refused
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api}/bot")  # PTB appends the token
            .base_file_url(f"{api}/file/bot")
            .rate_limiter(self.rate_limiter)
            .concurrent_updates(PerSenderUpdateProcessor())
            .job_queue(None)  # our scheduler keeps its plan in the database
        )
        if read_timeout is not None:
            builder = builder.read_timeout(read_timeout)
        if self.webhook_url is not None:
            builder = builder.updater(None)
        self.application = builder.build()
        self.messenger = TelegramMessenger(self.application.bot, core.sessions, core.clock)
        if self.webhook_url is not None:
            if http is None:
                raise ValueError("webhook mode needs the HTTP server")
            http.app.router.add_post(WEBHOOK_PATH, self.handle_webhook)
        self._register()

    def _register(self) -> None:
        application = self.application
        new = filters.UpdateType.MESSAGE
        application.add_handler(
            MessageHandler(new & filters.StatusUpdate.MIGRATE, self._on_migration)
        )
        talk = filters.TEXT | (filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL)
        application.add_handler(MessageHandler(new & talk, self._on_message))
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(
            ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        application.add_error_handler(self._on_error)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token (getMe), publish the command menu, then poll or set the webhook."""
        application = self.application
        await application.initialize()
        await self.publish_commands()
        await application.start()
        if self.webhook_url is not None:
            await application.bot.set_webhook(
                self.webhook_url, allowed_updates=ALLOWED_UPDATES, secret_token=self._secret
            )
            logger.info("Telegram webhook set to %s", self.webhook_url)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=int(self.poll_timeout), allowed_updates=ALLOWED_UPDATES
            )
            logger.info("Telegram long polling started as @%s", application.bot.username)

    async def stop_intake(self) -> None:
        """Take no new updates: polling ends, the webhook answers 503 (Telegram delivers
        again later, to whichever process serves it), the updates already taken finish.
        Replies and reminders can still be sent until `stop`."""
        self._accepting = False
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()

    async def stop(self) -> None:
        """Stop polling, finish the updates in progress, close the HTTP client.

        The webhook stays registered: other processes may still be serving it.
        """
        await self.stop_intake()
        await self.application.shutdown()

    async def publish_commands(self) -> None:
        """The command menu, in Spanish (default) and English, for private chats and groups."""
        scopes: list[tuple[BotCommandScope, bool]] = [
            (BotCommandScopeAllPrivateChats(), True),
            (BotCommandScopeAllGroupChats(), False),
            (BotCommandScopeAllChatAdministrators(), True),
        ]
        router = self.core.router
        try:
            for scope, coordinators in scopes:
                for language, code in (("es", None), ("en", "en")):
                    commands = menu(router, language, coordinators=coordinators)
                    await self.application.bot.set_my_commands(
                        commands, scope=scope, language_code=code
                    )
        except TelegramError as error:  # the bot works without a menu
            logger.warning("could not publish the Telegram command menu: %s", error)

    # -- webhook --------------------------------------------------------------------------

    # Telegram's updates are a few kilobytes; a body near this size is not one of them.
    max_update_bytes = 1024**2

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """POST /telegram/webhook: one update from Telegram, answered once it is handled.

        What the caller gets; every refusal logs one line, never a traceback:

        - 403 without the right secret token (only Telegram knows it);
        - 503 while the application is not running (Telegram delivers it again);
        - 413 for a body over `max_update_bytes`, refused before it is read whole;
        - 400 for a body that is not an update: not UTF-8, not JSON (or nested
          absurdly deep), not an object, no numeric `update_id`, or a message,
          button press or membership change whose chat, sender, ids or text
          are missing or of the wrong type (Telegram never sends those, so
          nothing is lost by refusing them, and our handlers never see them);
        - 200 otherwise, also for kinds of update the bot does not act on.
        """
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self._secret.encode()):
            logger.warning("Telegram webhook call without the right secret token refused")
            return web.Response(status=403)
        if not (self._accepting and self.application.running):
            return web.Response(status=503)  # Telegram will deliver it again
        raw = await read_body(request, self.max_update_bytes, "Telegram webhook")
        update = read_update(raw, self.application.bot)
        if update is None:
            return web.Response(status=400)
        # Answer only once the update is handled: if this process dies first,
        # Telegram delivers it again (and the inbound dedupe keeps that harmless).
        await self.process(update)
        return web.Response(text="ok")

    async def process(self, update: Update) -> None:
        """Handle one update that just arrived, as the webhook does: through the update
        processor (at most 64 at once), with its arrival time known to the handlers, so
        that one that waited long for a free slot is refused sooner rather than later."""
        token = UPDATE_ARRIVED.set(time.monotonic())
        try:
            application = self.application
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        finally:
            UPDATE_ARRIVED.reset(token)

    # -- updates --------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command or a message: the core's answer appears in the same chat."""
        incoming = message_incoming(update, self.application.bot.username)
        if incoming is None:
            return
        document = update.message.document if update.message is not None else None
        if document is not None:
            if incoming.chat_kind is not ChatKind.PRIVATE:
                return  # files in groups are the group's business
            # Downloaded here, before the core's transaction: no handler waits for it.
            attachment = await document_attachment(self.application.bot, document)
            incoming = replace(incoming, attachment=attachment)
        await self._reply(incoming, await self.core.handle(incoming))

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: the spinner always stops; short private notes show as a toast."""
        query = update.callback_query
        assert query is not None
        toast: str | None = None
        replies: list[Reply] = []
        incoming = button_incoming(update, query)
        try:
            if incoming is not None:
                replies = await self.core.handle(incoming)
                toast, replies = take_toast(incoming, replies)
        finally:
            await self._answer_button(query, toast)
        if incoming is not None:
            await self._reply(incoming, replies)

    async def _answer_button(self, query: CallbackQuery, toast: str | None) -> None:
        try:
            await self.application.bot.answer_callback_query(query.id, text=toast)
        except TelegramError as error:  # e.g. "query is too old" after a long outage
            logger.info("could not answer callback query %s: %s", query.id, error)

    async def _on_membership(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to a group: the core greets it (and asks to link it)."""
        incoming = joined_incoming(update)
        if incoming is not None:
            await self._reply(incoming, await self.core.handle(incoming))

    async def _on_migration(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: nothing is shown; its cohort link follows it."""
        message = update.message
        assert message is not None
        if message.migrate_to_chat_id is not None:
            await self.messenger.follow_migration(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id is not None:
            await self.messenger.follow_migration(message.migrate_from_chat_id, message.chat.id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything that escaped a callback: logged with its traceback."""
        described = f"update {update.update_id}" if isinstance(update, Update) else "Telegram"
        logger.error("%s failed", described, exc_info=context.error)

    # -- replies --------------------------------------------------------------------------

    async def _reply(self, incoming: Incoming, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self._reply_one(incoming, reply)
            except (TelegramError, PartlyDeliveredError) as error:
                logger.warning("reply to %s not delivered: %s", incoming.chat_id, error)

    async def _reply_one(self, incoming: Incoming, reply: Reply) -> None:
        match reply.to:
            case Here():
                pass
            case Direct(platform=Platform.TELEGRAM) | Group(platform=Platform.TELEGRAM):
                outcome = await self.messenger.send(reply)
                if outcome is not SendOutcome.SENT:
                    logger.info("reply to %s: %s", reply.to, outcome)
                return
            case _:
                logger.info("reply for another platform (%s) not sent from Telegram", reply.to)
                return
        chat_id = int(incoming.chat_id)
        if reply.ephemeral and incoming.chat_kind is ChatKind.GROUP:
            # Only the asker should see it: privately if they talk to the bot, else
            # in the group with their name linked so that they notice.
            if await self._dm_open(incoming.sender_id):
                try:
                    await self.messenger.deliver(int(incoming.sender_id), replace(reply, key=None))
                    return
                except Forbidden:
                    await self.messenger.forget_dm(incoming.sender_id)
            reply = replace(
                reply,
                text=f"{literal(incoming.sender_name)}: {reply.text}",
                key=None,
                mentions=(*reply.mentions, incoming.sender_id),
            )
        try:
            await self.messenger.deliver(
                chat_id, reply, names={incoming.sender_id: incoming.sender_name}
            )
        except Forbidden:
            if incoming.chat_kind is ChatKind.PRIVATE:
                await self.messenger.forget_dm(incoming.sender_id)
            raise

    async def _dm_open(self, user_id: str) -> bool:
        """Whether the bot may write to this person privately (the core's rule)."""
        async with self.core.sessions() as session:  # a read: no write turn
            identity = await identity_by_external_id(session, Platform.TELEGRAM, user_id)
        return identity is not None and self.core.platforms.reaches_privately(identity)
