"""The Slack adapter: bolt's `AsyncApp` over Socket Mode or the HTTP Events API.

Every listener does the least that Slack waits for — acknowledge, or reject
a modal's answers — and leaves the rest to a task the adapter keeps track of:
ask the core, then render its replies. Slack never waits more than a moment,
and `idle()` lets tests and shutdown wait for the answers in progress.

Where the answer goes:

- a reply for everyone goes to the conversation (`chat.postMessage`, or an
  edit of its keyed message); if the app is not a member there, through the
  interaction's `response_url`;
- an ephemeral reply in a channel is seen by the asker only
  (`response_url` or `chat.postEphemeral`);
- a form opens as a modal (`views.open`) when Slack gave a trigger, else as
  a button that opens it;
- a reply for another person or chat goes through the messenger.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError, SlackRequestError

from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer, read_body
from cohorte.bot.slack.home import SlackHome, slack_reader
from cohorte.bot.slack.inbound import (
    EVENTS_PATH,
    FILES_HOST,
    Directory,
    Origin,
    SigningKey,
    action_origin,
    command_origin,
    download_shared_file,
    event_origin,
    mention_text,
    message_text,
    plain_text,
    replay_key,
    shared_file,
    valid_id,
)
from cohorte.bot.slack.outbound import SlackMessenger, SlackPoster
from cohorte.bot.slack.render import (
    BUTTON_ACTION,
    FORM_CALLBACK,
    OPEN_FORM_ACTION,
    SLASH_COMMAND,
    FormOrigin,
    Renderer,
    SlackMessage,
    form_view,
    mrkdwn_section,
    open_form_button,
    read_submission,
    split_text,
)
from cohorte.bot.slack.web import (
    ChannelPacer,
    SlackOptions,
    outcome_of,
    slack_error_code,
    web_client,
)
from cohorte.handlers.core.messages import (
    Attachment,
    ChatEvent,
    ChatKind,
    Direct,
    Group,
    Incoming,
    Reply,
)
from cohorte.handlers.core.router import Core
from cohorte.locales import Translator
from cohorte.scheduling.outbox import SendOutcome
from cohorte.storage.models import Platform

logger = logging.getLogger(__name__)

# Slack's button values hold up to 2000 characters.
MAX_VALUE_LENGTH = 2000
# Conversations the app cannot post to (it is not a member, or it is someone else's DM).
_NO_ACCESS = frozenset({"not_in_channel", "channel_not_found"})
SHUTDOWN_GRACE = 10.0
# Slack's requests are a few kilobytes; a modal's state stays far below this.
MAX_REQUEST_BYTES = 1024**2
# What bolt may fail with while it reads a signed body that is not a Slack payload.
_UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


class SlackConfigError(ValueError):
    """The Slack settings do not make a working combination."""


class SlackAdapter:
    """Receives Slack events into the core and renders its replies in Slack."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        http: HttpServer | None = None,
        *,
        options: SlackOptions | None = None,
    ) -> None:
        if settings.slack_bot_token is None:
            raise SlackConfigError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.core = core
        self.options = options or SlackOptions()
        if self.options.on_wait is None:
            metrics = core.metrics
            self.options = replace(
                self.options, on_wait=lambda why, seconds: metrics.waited("slack", why, seconds)
            )
        self.socket_mode = settings.slack_app_token is not None
        secret = settings.slack_signing_secret
        if not self.socket_mode and (secret is None or http is None):
            raise SlackConfigError(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        self.client = web_client(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url, self.options
        )
        self.renderer = Renderer(name for c in core.router.commands for name in c.names)
        self.directory = Directory(
            self.client,
            ChannelPacer(
                self.options.tier3_per_minute / 60,
                self.options.tier3_burst,
                monotonic=self.options.monotonic,
                sleep=self.options.sleep,
                on_wait=self.options.on_wait,
            ),
        )
        pacer = ChannelPacer(
            self.options.messages_per_second,
            self.options.burst,
            monotonic=self.options.monotonic,
            sleep=self.options.sleep,
            on_wait=self.options.on_wait,
        )
        self.poster = SlackPoster(
            self.client, self.renderer, pacer, core.sessions, core.clock, self.options
        )
        self.messenger = SlackMessenger(self.poster, self.directory)
        self.home = SlackHome(core, self.renderer)
        self.bolt = AsyncApp(
            # Bolt gives the logger named after the app its own logger's level on every
            # request: named "cohorte", it froze our package logger at that level.
            name="cohorte-slack",
            client=self.client,
            signing_secret=secret.get_secret_value() if secret is not None else "",
            # Socket Mode requests come over our own authenticated connection. Over HTTP,
            # `_http_events` checks the signature before bolt parses the body; bolt's own
            # check stays on behind it, so that nothing reaches a listener unsigned.
            request_verification_enabled=not self.socket_mode,
            # Listeners only acknowledge and hand over to tracked tasks (see `_spawn`),
            # so running them before the HTTP response costs nothing and keeps order.
            process_before_response=True,
        )
        self._register(self.bolt)
        self._signing_key: SigningKey | None = None
        if not self.socket_mode:
            assert http is not None and secret is not None
            self._signing_key = SigningKey(secret.get_secret_value())
            http.app.router.add_post(EVENTS_PATH, self._http_events)
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._accepting = True  # False once a stop began: new events are refused
        self.bot_user_id: str | None = None

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Check the bot token; in Socket Mode, connect (waiting a while for the first link)."""
        if self.client.session is None:
            # One pool of connections for every Web API call and response_url answer;
            # without it slack-sdk opens a connection (a TLS handshake) per request.
            # slack-sdk applies the session's own timeout to a session it is given.
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.options.timeout)
            )
        try:
            auth = await self.client.auth_test()
        except BaseException:
            await self.client.session.close()  # nothing else will close it
            self.client.session = None
            raise
        self.bot_user_id = valid_id(auth.get("user_id"))
        logger.info(
            "Slack: bot %s in workspace %s, %s",
            auth.get("user"),
            auth.get("team"),
            "Socket Mode" if self.socket_mode else f"HTTP mode at {EVENTS_PATH}",
        )
        if not self.socket_mode:
            return
        assert self.settings.slack_app_token is not None
        self._socket = AsyncSocketModeHandler(
            self.bolt,
            self.settings.slack_app_token.get_secret_value(),
            web_client=self.client,
            ping_interval=self.options.socket_ping_interval,
        )
        self._connecting = asyncio.ensure_future(self._socket.connect_async())
        done, _ = await asyncio.wait({self._connecting}, timeout=self.options.connect_timeout)
        if done:
            self._connecting.result()
        else:
            # slack-sdk keeps trying (and logging why); other platforms need not wait.
            logger.warning("Slack Socket Mode is still connecting; going on meanwhile")

    async def stop_intake(self) -> None:
        """Take no new events: Socket Mode disconnects, the HTTP route answers 503 (Slack
        retries); answers in progress go on, and messages can still be sent until `stop`."""
        self._accepting = False
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()

    async def stop(self) -> None:
        """Disconnect, then let the answers in progress finish (briefly)."""
        await self.stop_intake()
        try:
            await asyncio.wait_for(self.idle(), SHUTDOWN_GRACE)
        except TimeoutError:
            logger.warning("Slack: %d answers still running at shutdown", len(self._tasks))
            for task in self._tasks:
                task.cancel()
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    async def idle(self) -> None:
        """Wait until every answer in progress has been sent."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.create_task(self._run(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(work: Coroutine[Any, Any, None], what: str) -> None:
        # The one place where an unexpected failure of ours is caught: the core
        # answers its own errors, so this is a rendering or a Slack problem.
        try:
            await work
        except Exception:
            logger.exception("Slack: answering %s failed", what)

    async def _http_events(self, request: web.Request) -> web.Response:
        """`POST /slack/events`: Slack's signed requests, handed to bolt to route.

        Refused before bolt sees them, with one log line and no traceback:
        413 for a body over 1 MiB; 401 without a valid signature made in the
        last five minutes (whatever the body holds); 400 for a signed body
        that is not UTF-8 or not a payload (`payload=` that is no JSON, `[]`).
        """
        if not self._accepting:
            return web.Response(status=503)  # stopping: Slack retries the event later
        raw = await read_body(request, MAX_REQUEST_BYTES, "Slack")
        assert self._signing_key is not None
        problem = self._signing_key.problem(
            raw,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
        )
        if problem is not None:
            logger.warning("Slack request refused: %s", problem)
            return web.Response(status=401)
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        try:
            # Parses the body (bolt's way, so that both read it alike) and builds its context.
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"), query=request.query_string, headers=headers
            )
        except _UNREADABLE as error:
            logger.warning("signed Slack request with an unreadable body refused (%.200r)", error)
            return web.Response(status=400)
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry:
            # A redelivery: its event_id is recorded, so the core ignores it if it was handled.
            logger.info(
                "Slack redelivery #%s (%s)", retry[:4], request.headers.get("X-Slack-Retry-Reason")
            )
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    # -- listeners --------------------------------------------------------------------

    def _register(self, bolt: AsyncApp) -> None:
        bolt.command(SLASH_COMMAND)(self._on_command)
        bolt.action(re.compile(rf"^({re.escape(BUTTON_ACTION)}\.|{OPEN_FORM_ACTION}$)"))(
            self._on_action
        )
        bolt.view_submission(FORM_CALLBACK)(self._on_submission)
        bolt.event("app_mention")(self._on_mention)
        bolt.event("message")(self._on_message)
        bolt.event("app_home_opened")(self._on_home_opened)
        bolt.event("member_joined_channel")(self._on_member_joined)
        bolt.error(self._on_error)

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """`/cohorte zona Bogotá`: acknowledged at once, answered when the core has replied."""
        await ack()
        parsed = command_origin(body)
        if parsed is not None:
            origin, text = parsed
            name = str(body.get("user_name") or "")
            # Slack deduplicates nothing here: a replayed command is answered once.
            event_id = replay_key("cmd", body)
            self._spawn(
                self._converse(origin, text=text, name=name, event_id=event_id), "a slash command"
            )

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A button: its value is the core's payload (or, to open a form, the command again)."""
        await ack()
        parsed = action_origin(body)
        if parsed is None:
            return
        origin, action = parsed
        value = action.get("value")
        if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
            return
        event_id = replay_key("act", body)  # a replayed press counts once
        if action.get("action_id") == OPEN_FORM_ACTION:
            origin.command_text = value
            self._spawn(self._converse(origin, text=value, event_id=event_id), "a form button")
        else:
            self._spawn(self._converse(origin, payload=value, event_id=event_id), "a button")

    async def _on_submission(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """A modal sent: field errors go back into the modal; valid answers go to the core."""
        user = valid_id((body.get("user") or {}).get("id"))
        form = FormOrigin.load(str(view.get("private_metadata") or ""))
        if user is None or form is None:
            await ack()
            return
        values, errors = read_submission(view, Translator(form.language or None))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        origin = Origin(
            user_id=user,
            channel_id=form.channel_id,
            chat_kind=ChatKind.PRIVATE if form.private else ChatKind.GROUP,
        )
        self._spawn(
            self._converse(
                origin,
                payload=form.submit,
                form_values=values,
                event_id=replay_key("view", body),  # a replayed submission counts once
            ),
            "a form submission",
        )

    async def _on_mention(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """`@Cohorte zona Bogotá` in a channel: the same as `/cohorte zona Bogotá`."""
        origin = event_origin(event)
        if origin is not None:
            text = mention_text(str(event.get("text") or ""), context.bot_user_id)
            origin.command_text = text
            event_id = _event_id(body)
            self._spawn(self._converse(origin, text=text, event_id=event_id), "a mention")

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A direct message to the app ('ayuda', '/ayuda', 'zona Bogotá', ...)."""
        subtype = event.get("subtype")
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return  # bots (ourselves included): not for us
        file = shared_file(event) if subtype == "file_share" else None
        if subtype and file is None:
            return  # edits, joins: not for us
        origin = event_origin(event)
        if origin is None:
            return
        event_id = _event_id(body)
        if file is not None:  # a file (a participant report), its message as caption
            caption = plain_text(str(event.get("text") or "")).strip()
            self._spawn(self._receive_file(origin, file, caption, event_id), "a shared file")
            return
        text = message_text(str(event.get("text") or ""), self.core.router)
        origin.command_text = text
        self._spawn(self._converse(origin, text=text, event_id=event_id), "a direct message")

    async def _receive_file(
        self, origin: Origin, file: Mapping[str, Any], caption: str, event_id: str | None
    ) -> None:
        """Download a shared file (before the core's transaction), then hand it over."""
        token = self.settings.slack_bot_token
        assert token is not None
        hosts = frozenset(
            host for host in (FILES_HOST, urlsplit(self.settings.slack_api_url).hostname) if host
        )
        attachment = await download_shared_file(file, token.get_secret_value(), hosts)
        await self._converse(origin, text=caption, event_id=event_id, attachment=attachment)

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        """The App Home tab: rebuilt for the reader each time they open it."""
        user, channel = valid_id(event.get("user")), valid_id(event.get("channel"))
        if event.get("tab") == "home" and user is not None:
            self._spawn(self.publish_home(user, channel), "App Home")

    async def _on_member_joined(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The app was added to a channel: the core greets it (others joining: not for us)."""
        user, channel = valid_id(event.get("user")), valid_id(event.get("channel"))
        if user is None or channel is None or user != self.bot_user_id:
            return
        # Whoever invited the app speaks for the event; without an inviter (the app joined
        # by itself), the app does.
        adder = valid_id(event.get("inviter")) or user
        origin = Origin(user_id=adder, channel_id=channel, chat_kind=ChatKind.GROUP)
        self._spawn(
            self._converse(origin, chat_event=ChatEvent.BOT_JOINED, event_id=_event_id(body)),
            "the app joining a channel",
        )

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        logger.error(
            "Slack listener failed on a %s request",
            body.get("type") or body.get("command"),
            exc_info=error,
        )

    # -- answering --------------------------------------------------------------------

    async def _converse(
        self,
        origin: Origin,
        *,
        text: str = "",
        payload: str | None = None,
        form_values: dict[str, str] | None = None,
        event_id: str | None = None,
        name: str = "",
        chat_event: ChatEvent | None = None,
        attachment: Attachment | None = None,
    ) -> None:
        """Hand one interaction to the core and deliver its replies."""
        user = await self.directory.user(origin.user_id, name)
        if origin.channel_id is None:  # the Home tab, or a modal opened there
            origin.channel_id = await self.directory.dm_channel(origin.user_id)
            origin.chat_kind = ChatKind.PRIVATE
        incoming = Incoming(
            platform=Platform.SLACK,
            sender_id=origin.user_id,
            sender_name=user.name,
            chat_id=origin.channel_id,
            chat_kind=origin.chat_kind,
            text=text,
            payload=payload,
            event_id=event_id,
            sender_zone=user.zone,
            form_values=form_values,
            chat_event=chat_event,
            attachment=attachment,
        )
        for reply in await self.core.handle(incoming):
            try:
                await self._deliver(origin, reply)
            except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
                # The others may still get through; the outbox is not involved here.
                logger.warning(
                    "Slack: an answer to %s was lost (%s): %s",
                    origin.user_id,
                    outcome_of(error),
                    slack_error_code(error) if isinstance(error, SlackApiError) else error,
                )
        if origin.from_home:
            await self.publish_home(origin.user_id, origin.channel_id)

    async def _deliver(self, origin: Origin, reply: Reply) -> None:
        if isinstance(reply.to, Direct | Group):
            outcome = await self.messenger.send(reply)
            if outcome is not SendOutcome.SENT:
                logger.warning("Slack: a reply to %s was not delivered (%s)", reply.to, outcome)
            return
        if reply.form is not None:
            if await self._present_form(origin, reply):
                # The reply's text went with the form (its introduction).
                reply = replace(reply, text="", form=None)
                if not (reply.buttons or reply.image or reply.file):
                    return
            else:
                reply = replace(reply, form=None)
        assert origin.channel_id is not None
        if reply.ephemeral and origin.chat_kind is ChatKind.GROUP:
            await self._whisper(origin, reply)
            return
        try:
            await self.poster.to_channel(origin.channel_id, reply, thread_ts=origin.thread_ts)
        except SlackApiError as error:
            if slack_error_code(error) not in _NO_ACCESS:
                raise
            if origin.response_url is not None:
                await self._answer_without_access(origin, reply)
            else:  # e.g. a modal opened from a channel the app is not in
                dm = await self.directory.dm_channel(origin.user_id)
                await self.poster.to_channel(dm, replace(reply, key=None))

    async def _whisper(self, origin: Origin, reply: Reply) -> None:
        """An answer only the asker sees; its files go to their direct messages."""
        assert origin.channel_id is not None
        if not await self.poster.respond(
            origin, replace(reply, image=None, file=None), ephemeral=True
        ):
            await self.poster.ephemeral(
                origin.channel_id, origin.user_id, reply, thread_ts=origin.thread_ts
            )
        if reply.image is not None or reply.file is not None:
            channel = await self.directory.dm_channel(origin.user_id)
            await self.poster.upload(channel, reply)

    async def _answer_without_access(self, origin: Origin, reply: Reply) -> None:
        """The app is not in this conversation: answer through the command's response_url.

        In a channel the answer is for everyone, with a note to the asker that the
        app must be invited to post there on its own; in somebody else's direct
        conversation it is for the asker only.
        """
        private = origin.chat_kind is ChatKind.PRIVATE
        plain_reply = replace(reply, key=None, image=None, file=None)
        if not await self.poster.respond(origin, plain_reply, ephemeral=private):
            logger.warning("Slack: no way to answer %s in %s", origin.user_id, origin.channel_id)
            return
        if not private and not origin.invite_hint_sent:
            origin.invite_hint_sent = True
            t = (
                await slack_reader(self.core.sessions, origin.user_id, self.core.clock.now().date())
            ).t
            note = t._(
                "I am not a member of this channel, so I cannot post reminders here. "
                "Invite me with /invite @Cohorte."
            )
            await self.poster.respond_messages(
                origin, [SlackMessage(note, [mrkdwn_section(note)])], ephemeral=True
            )
        if reply.image is not None or reply.file is not None:
            await self.poster.upload(await self.directory.dm_channel(origin.user_id), reply)

    async def _present_form(self, origin: Origin, reply: Reply) -> bool:
        """The form as a modal, its text on top; without a trigger, a button that opens it.

        False when neither is possible (the reply's text is then posted as usual).
        """
        assert reply.form is not None
        t = (await slack_reader(self.core.sessions, origin.user_id, self.core.clock.now().date())).t
        intro = self.renderer.text(reply.text)
        if origin.trigger_id is not None:
            form_origin = FormOrigin(
                reply.form.submit,
                origin.channel_id,
                origin.chat_kind is ChatKind.PRIVATE,
                t.language,
            )
            view = form_view(reply.form, t, form_origin, intro)
            try:
                await self.client.views_open(trigger_id=origin.trigger_id, view=view)
                origin.trigger_id = None  # a trigger opens one modal
                return True
            except SlackApiError as error:
                # Triggers expire after three seconds; offer the button instead.
                logger.info("views.open failed (%s)", slack_error_code(error))
        if not origin.command_text or len(origin.command_text) > MAX_VALUE_LENGTH:
            return False
        note = t._("Press the button to fill in the form.")
        blocks = [mrkdwn_section(piece) for piece in split_text(intro) if piece.strip()]
        blocks += [mrkdwn_section(note), open_form_button(t, origin.command_text)]
        message = SlackMessage(intro or note, blocks)
        assert origin.channel_id is not None
        if origin.chat_kind is ChatKind.GROUP:
            await self.poster.ephemeral_message(
                origin.channel_id, origin.user_id, message, thread_ts=origin.thread_ts
            )
        else:
            await self.poster.post(origin.channel_id, message, thread_ts=origin.thread_ts)
        return True

    async def publish_home(self, user_id: str, channel_id: str | None = None) -> None:
        """Rebuild and publish a user's App Home tab (features call this when things change)."""
        user = await self.directory.user(user_id)
        channel = channel_id or await self.directory.dm_channel(user_id)
        view = await self.home.view(user_id, user, channel)
        await self.client.views_publish(user_id=user_id, view=view)


def _event_id(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return event_id if isinstance(event_id, str) and event_id else None
