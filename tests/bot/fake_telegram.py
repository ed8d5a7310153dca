"""A fake Telegram Bot API on 127.0.0.1, for the real python-telegram-bot client.

It answers the methods the bot uses, records every call with its decoded
parameters (PTB posts form fields whose non-string values are JSON, and
multipart bodies for files), enforces Telegram's rate limits with real 429
answers, and injects failures on demand: 429 with `retry_after`, 5xx, 403,
400, and slow answers that outlast the client's timeout.

The module also builds updates exactly as Telegram sends them (users, chats,
messages with `bot_command` entities, callback queries, `my_chat_member`,
group-to-supergroup migrations).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:TEST-token_for-the-fake-Bot-API"
BOT_ID = 777000111
BOT_USERNAME = "CohorteBot"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Cohorte",
    "username": BOT_USERNAME,
}

# Parameters PTB sends as plain strings; everything else is JSON.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "description",
        "inline_message_id",
    }
)
_PACED_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}
)


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ApiCall:
    """One request the fake received, and how it answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Fault:
    """A failure served to the next matching call(s)."""

    method: str
    status: int | None  # None: only a delay
    description: str = ""
    parameters: dict[str, Any] | None = None
    delay: float = 0.0
    chat_id: int | None = None
    times: int = 1
    after: int = 0  # matching calls let through first


@dataclass(frozen=True)
class Limit:
    """At most `count` messages in any `seconds`-long window (in Telegram seconds)."""

    count: int
    seconds: float


@dataclass(frozen=True)
class FakeLimits:
    """What the fake enforces; `None` switches a limit off."""

    per_chat: Limit | None = Limit(3, 3.0)
    per_group: Limit | None = Limit(20, 60.0)
    overall: Limit | None = Limit(30, 1.0)


class FakeTelegram:
    """The Bot API of one bot, on an ephemeral port of 127.0.0.1.

    `time_scale` shrinks Telegram's clock the same way `SendLimits.time_scale`
    does: with 0.01 a one-minute window lasts 0.6 s, and `retry_after: 1`
    means 10 ms.
    """

    def __init__(
        self,
        token: str = TOKEN,
        *,
        limits: FakeLimits | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self.token = token
        self.limits = limits or FakeLimits()
        self.time_scale = time_scale
        self.calls: list[ApiCall] = []
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.rate_limited = 0  # 429 answers given by the rate limits (not injected)
        self._faults: list[Fault] = []
        self._arrived = asyncio.Event()
        self._next_update_id = 1000
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._file_ids = itertools.count(1)
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self.port = 0
        app = web.Application(client_max_size=20 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._endpoint)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # Files people sent, by file_id: (file_path, bytes); getFile and downloads serve them.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.downloads: list[str] = []
        self._app = app
        self._methods: dict[str, Callable[[dict[str, Any], ApiCall], Any]] = {
            "getMe": lambda _p, _c: BOT_USER,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "setMyCommands": lambda _p, _c: True,
            "deleteMyCommands": lambda _p, _c: True,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": lambda _p, _c: True,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
        }

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            self._arrived.set()
            await self._runner.cleanup()
            self._runner = None

    # -- what tests do ----------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (an `update_id` is given if missing)."""
        if "update_id" not in update:
            update = {"update_id": self.new_update_id(), **update}
        self.updates.append(update)
        self._arrived.set()
        return update

    def add_file(self, file_id: str, data: bytes, file_path: str = "documents/file_0.csv") -> None:
        """A file someone sent, for getFile and its download."""
        self.files[file_id] = (file_path, data)

    def new_update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        parameters: dict[str, Any] | None = None,
        chat_id: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer `times` calls of `method` (to `chat_id`, if given) with an error.

        The first `after` matching calls are answered normally.
        """
        if retry_after is not None:
            parameters = {**(parameters or {}), "retry_after": retry_after}
        self._faults.append(
            Fault(
                method, status, description, parameters, chat_id=chat_id, times=times, after=after
            )
        )

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` only after `seconds` (real seconds)."""
        self._faults.append(Fault(method, None, delay=seconds, times=times))

    def calls_to(
        self, method: str, *, chat_id: int | None = None, ok: bool | None = True
    ) -> list[ApiCall]:
        """Calls of one method (successful ones unless `ok` says otherwise)."""
        return [
            call
            for call in self.calls
            if call.method == method
            and (ok is None or call.ok == ok)
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages delivered (to one chat, if given), in order."""
        return [call.params["text"] for call in self.calls_to("sendMessage", chat_id=chat_id)]

    async def wait_for(
        self, method: str, count: int = 1, *, chat_id: int | None = None, within: float = 5.0
    ) -> list[ApiCall]:
        """Wait until `count` successful calls of `method` arrived."""
        deadline = time.monotonic() + within
        while len(calls := self.calls_to(method, chat_id=chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method}: {len(calls)} calls, expected {count}")
            await asyncio.sleep(0.01)
        return calls

    # -- the HTTP side ------------------------------------------------------------------------

    async def _endpoint(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _decode(request)
        call = ApiCall(method, params, files, at=time.monotonic())
        self.calls.append(call)
        if method not in self._methods:
            call.status = 404
            return _error(404, "Not Found")
        return await self._answer(method, params, call)

    async def _answer(self, method: str, params: dict[str, Any], call: ApiCall) -> web.Response:
        """The answer to a known method: a scripted fault, a 429 of the limits (judged at
        the call's arrival), or the method's result."""
        fault = self._take_fault(method, params.get("chat_id"))
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                call.status = fault.status
                return _error(fault.status, fault.description, fault.parameters)
        if method in _PACED_METHODS and "chat_id" in params:
            wait = self._over_limit(params["chat_id"], call.at)
            if wait > 0:
                self.rate_limited += 1
                call.status = 429
                retry_after = max(1, math.ceil(wait / self.time_scale))
                return _error(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
        try:
            result = self._methods[method](params, call)
            if asyncio.iscoroutine(result):
                result = await result
        except _ApiError as error:
            call.status = error.status
            return _error(error.status, error.description)
        call.result = result
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, chat_id: object) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and (fault.chat_id is None or fault.chat_id == chat_id):
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _over_limit(self, chat_id: int, now: float | None = None) -> float:
        """Seconds (real) until this chat may receive again; records the message if 0.

        `now` is the request's arrival (default: this moment); arrivals may be judged
        out of order, so each is recorded in its place.
        """
        now = time.monotonic() if now is None else now
        checks: list[tuple[str, Limit]] = []
        if self.limits.per_chat is not None:
            checks.append((f"chat:{chat_id}", self.limits.per_chat))
        if self.limits.per_group is not None and int(chat_id) < 0:
            checks.append((f"group:{chat_id}", self.limits.per_group))
        if self.limits.overall is not None:
            checks.append(("all", self.limits.overall))
        wait = 0.0
        for key, limit in checks:
            period = limit.seconds * self.time_scale
            stamps = self._sent[key]
            while stamps and stamps[0] <= now - period:
                stamps.popleft()
            if len(stamps) >= limit.count:
                wait = max(wait, stamps[0] + period - now)
        if wait == 0:
            for key, _ in checks:
                bisect.insort(self._sent[key], now)
        return wait

    # -- the methods --------------------------------------------------------------------------

    async def _get_updates(self, params: dict[str, Any], _call: ApiCall) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        timeout = float(params.get("timeout", 0) or 0)
        # Updates before the offset are confirmed: Telegram forgets them.
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        return [u for u in self.updates if u["update_id"] >= offset][:limit]

    def _set_webhook(self, params: dict[str, Any], _call: ApiCall) -> bool:
        self.webhook = dict(params)
        return True

    def _delete_webhook(self, _params: dict[str, Any], _call: ApiCall) -> bool:
        self.webhook = None
        return True

    def _webhook_info(self, _params: dict[str, Any], _call: ApiCall) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids[chat_id]),
            "date": int(time.time()),
            "chat": chat_for_id(chat_id),
            "from": BOT_USER,
            **content,
        }

    def _send_message(self, params: dict[str, Any], _call: ApiCall) -> dict[str, Any]:
        text = params.get("text", "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096 * 3:  # HTML tags do not count
            raise _ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        if "reply_markup" in params:
            content["reply_markup"] = params["reply_markup"]
        return self._message(params["chat_id"], **content)

    def _edit_message_text(self, params: dict[str, Any], _call: ApiCall) -> dict[str, Any]:
        chat_id, message_id = params["chat_id"], params["message_id"]
        earlier = [
            c
            for c in self.calls
            if c.ok
            and c.result
            and isinstance(c.result, dict)
            and c.result.get("chat", {}).get("id") == chat_id
            and c.result.get("message_id") == message_id
        ]
        if not earlier:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if earlier[-1].result.get("text") == params.get("text") and earlier[-1].result.get(
            "reply_markup"
        ) == params.get("reply_markup"):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        content: dict[str, Any] = {"text": params.get("text", "")}
        if "reply_markup" in params:
            content["reply_markup"] = params["reply_markup"]
        return {**earlier[-1].result, **content, "edit_date": int(time.time())}

    def _get_file(self, params: dict[str, Any], _call: ApiCall) -> dict[str, Any]:
        found = self.files.get(str(params.get("file_id")))
        if found is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, data = found
        return {
            "file_id": params["file_id"],
            "file_unique_id": f"u-{params['file_id']}",
            "file_size": len(data),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data)
        return web.Response(status=404)

    def _send_photo(self, params: dict[str, Any], call: ApiCall) -> dict[str, Any]:
        if "photo" not in call.files:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        photo = {
            "file_id": f"photo-{next(self._file_ids)}",
            "file_unique_id": f"u{len(self.calls)}",
            "width": 800,
            "height": 600,
        }
        return self._message(params["chat_id"], photo=[photo], **_caption(params))

    def _send_document(self, params: dict[str, Any], call: ApiCall) -> dict[str, Any]:
        upload = call.files.get("document")
        if upload is None:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        document = {
            "file_id": f"doc-{next(self._file_ids)}",
            "file_unique_id": f"u{len(self.calls)}",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
        }
        return self._message(params["chat_id"], document=document, **_caption(params))


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    return {"caption": params["caption"]} if params.get("caption") else {}


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _decode(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            elif name in _STRING_PARAMS:
                params[name] = value
            else:
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    params[name] = value
    return params, files


# -- updates as Telegram sends them ---------------------------------------------------------

_message_ids = itertools.count(500)
_callback_ids = itertools.count(4_000_000_000_000_000_001)
_EPOCH = 1_745_330_400  # 2025-04-22 14:00 UTC, the test clock


def user(
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    *,
    username: str | None = None,
    language_code: str | None = "es",
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        data["last_name"] = last_name
    if username:
        data["username"] = username
    if language_code:
        data["language_code"] = language_code
    return data


def private_chat(person: dict[str, Any]) -> dict[str, Any]:
    chat = {"id": person["id"], "type": "private", "first_name": person["first_name"]}
    for key in ("last_name", "username"):
        if key in person:
            chat[key] = person[key]
    return chat


def group_chat(chat_id: int, title: str = "Sprint 2025 — equipos") -> dict[str, Any]:
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": title}


def chat_for_id(chat_id: int) -> dict[str, Any]:
    if int(chat_id) > 0:
        return {"id": int(chat_id), "type": "private", "first_name": "Persona"}
    return group_chat(int(chat_id))


def message(
    chat: dict[str, Any], sender: dict[str, Any], text: str, **extra: Any
) -> dict[str, Any]:
    """A message update; a leading /command gets its `bot_command` entity."""
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": sender,
        "chat": chat,
        "date": _EPOCH,
        **extra,
    }
    if text:
        body["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            body["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return {"message": body}


def document(
    chat: dict[str, Any],
    sender: dict[str, Any],
    file_id: str,
    file_name: str,
    size: int,
    caption: str = "",
    mime_type: str = "text/csv",
) -> dict[str, Any]:
    """A message with a file, as Telegram sends it (the caption is optional)."""
    extra: dict[str, Any] = {
        "document": {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": size,
        }
    }
    if caption:
        extra["caption"] = caption
    return message(chat, sender, "", **extra)


def button_press(sender: dict[str, Any], bot_message: dict[str, Any], data: str) -> dict[str, Any]:
    """A callback query from an inline keyboard of a message the bot sent."""
    return {
        "callback_query": {
            "id": str(next(_callback_ids)),
            "from": sender,
            "message": bot_message,
            "chat_instance": f"-{abs(bot_message['chat']['id'])}77",
            "data": data,
        }
    }


def bot_membership(
    chat: dict[str, Any], by: dict[str, Any], old: str = "left", new: str = "member"
) -> dict[str, Any]:
    """`my_chat_member`: the bot's status in a group changed (added: left -> member)."""

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": BOT_USER, "status": status}
        if status == "kicked":
            data["until_date"] = 0
        if status == "administrator":  # Bot API 9: every right is spelled out
            data.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=False,
                can_restrict_members=False,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
            )
        return data

    return {
        "my_chat_member": {
            "chat": chat,
            "from": by,
            "date": _EPOCH,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


def migration(
    old_chat: dict[str, Any], new_chat_id: int, by: dict[str, Any]
) -> list[dict[str, Any]]:
    """The two service messages of a group that became a supergroup."""
    new_chat = {**group_chat(new_chat_id, old_chat.get("title", "")), "type": "supergroup"}
    return [
        message(old_chat, by, "", migrate_to_chat_id=new_chat_id),
        message(new_chat, by, "", migrate_from_chat_id=old_chat["id"]),
    ]
