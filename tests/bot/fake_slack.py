"""A fake Slack on 127.0.0.1: the Web API methods Cohorte uses, response URLs, file
uploads and a Socket Mode WebSocket endpoint.

It records every call as received, answers like Slack does (`{"ok": true, ...}`),
and fails on demand: an `ok: false` error, a 429 with `Retry-After`, a 5xx, or
a slow answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
BOT_USER_ID = "UBOT"
TEAM_ID = "T0001"
APP_ID = "A0001"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    token: str | None

    def json(self, name: str) -> Any:
        """A parameter that slack-sdk may send JSON-encoded (blocks, view, files)."""
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value

    @property
    def text(self) -> str:
        """Everything a reader sees: the fallback text and every section's text."""
        parts = [str(self.params.get("text") or "")]
        for block in self.json("blocks") or []:
            if block.get("type") == "section":
                parts.append(block["text"]["text"])
        return "\n".join(parts)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [
            element
            for block in self.json("blocks") or []
            if block.get("type") == "actions"
            for element in block["elements"]
        ]


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[ApiCall] = field(default_factory=list)
    # Answers posted to response URLs: (response id, JSON body).
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    # Files people shared, by id: what `url_private_download` serves (with the bot token).
    shared: dict[str, bytes] = field(default_factory=dict)
    downloads: list[tuple[str, str | None]] = field(default_factory=list)
    # Socket Mode acknowledgements by envelope id.
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Block Kit that real Slack would refuse (answered with `invalid_blocks`).
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self.socket_connections = 0
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{response_id}", self._response)
        app.router.add_get("/link/", self._socket)
        app.router.add_get("/files-pri/{file_id}/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    # -- what tests ask --------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail (or are slow) this way."""
        self._faults[method] += [Fault(status, error, retry_after, delay)] * times

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def posted_text(self) -> str:
        """What people read: posted, ephemeral and updated messages, and response_url answers."""
        methods = ("chat.postMessage", "chat.postEphemeral", "chat.update")
        texts = [call.text for call in self.calls if call.method in methods]
        texts += [_body_text(body) for _, body in self.responses]
        return "\n".join(texts)

    def add_user(self, user_id: str, name: str, tz: str | None = "America/Bogota") -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "is_bot": False,
            "profile": {"display_name": name, "real_name": name},
        }

    async def wait_for(self, predicate: Any, within: float = 5.0) -> None:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    # -- Socket Mode --------------------------------------------------------------------

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0
    ) -> str:
        """Push one envelope to the connected app, like Slack's Socket Mode server."""
        await self.wait_for(lambda: bool(self._sockets))
        envelope_id = f"env-{next(self._counter)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": ""}
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    async def wait_ack(self, envelope_id: str, within: float = 5.0) -> dict[str, Any]:
        await self.wait_for(lambda: envelope_id in self.acks, within)
        return self.acks[envelope_id]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake-slack"},
                "connection_info": {"app_id": APP_ID},
            }
        )
        self.socket_connections += 1
        self._sockets.append(ws)
        await self._notify()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                self.acks[str(data.get("envelope_id"))] = data
                await self._notify()
        self._sockets.remove(ws)
        return ws

    # -- Web API -----------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else params.get("token")
        self.calls.append(ApiCall(method, params, token))
        await self._notify()
        faults = self._faults.get(method)
        if faults:
            fault = faults.pop(0)
            await asyncio.sleep(fault.delay)
            if fault.status == 429:
                headers = {"Retry-After": str(fault.retry_after or 0)}
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers=headers
                )
            if fault.status >= 500:
                return web.Response(status=fault.status, text="upstream trouble")
            if fault.error:
                return web.json_response({"ok": False, "error": fault.error})
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        problems = _check_request(method, ApiCall(method, params, token))
        if problems:
            self.problems += problems
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": problems})
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        data = answer(params) if answer is not None else {}
        return web.json_response({"ok": True, **data})  # helpers may say ok: false

    def _ts(self) -> str:
        return f"1745330400.{next(self._counter):06d}"

    def _auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://equipo.slack.com/",
            "team": "Equipo",
            "user": "cohorte",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "BBOT",
        }

    def _apps_connections_open(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket=fake"}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": params.get("channel"), "ts": self._ts()}

    def _chat_postEphemeral(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._ts()}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": params.get("channel"), "ts": params.get("ts")}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(params.get("users", "")).removeprefix("U")}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"user": user}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._counter)}"}}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._counter)}"}}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._counter)}"
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def share_file(self, file_id: str, name: str, data: bytes) -> dict[str, Any]:
        """A file someone shared: the `files` entry of its message event."""
        self.shared[file_id] = data
        url = f"{self.url}/files-pri/{file_id}/{name}"
        return {
            "id": file_id,
            "name": name,
            "mimetype": "text/csv",
            "filetype": "csv",
            "size": len(data),
            "url_private": url,
            "url_private_download": f"{url}?download=1",
        }

    async def _file(self, request: web.Request) -> web.Response:
        """A shared file's private URL: only with the bot token, as Slack does."""
        auth = request.headers.get("Authorization")
        self.downloads.append((request.match_info["file_id"], auth))
        if auth != f"Bearer {BOT_TOKEN}":
            return web.Response(status=302, headers={"Location": f"{self.url}/login"})
        data = self.shared.get(request.match_info["file_id"])
        return web.Response(status=404) if data is None else web.Response(body=data)

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads)}")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append((request.match_info["response_id"], body))
        await self._notify()
        problems = check_blocks(body.get("blocks") or [], MAX_MESSAGE_BLOCKS)
        if problems:
            self.problems += problems
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")


def _body_text(body: dict[str, Any]) -> str:
    parts = [str(body.get("text") or "")]
    for block in body.get("blocks") or []:
        if block.get("type") == "section":
            parts.append(block["text"]["text"])
    return "\n".join(parts)


# -- Block Kit limits, as Slack enforces them -------------------------------------------------

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def _check_request(method: str, call: ApiCall) -> list[str]:
    if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
        problems = check_blocks(call.json("blocks") or [], MAX_MESSAGE_BLOCKS)
        if not call.params.get("text") and not call.json("blocks"):
            problems.append(f"{method}: no text")
        return problems
    if method in ("views.open", "views.publish"):
        return check_view(call.json("view") or {})
    return []


def _text(obj: Any, limit: int, where: str, kind: str | None = None) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"{where}: missing text object"]
    if kind is not None and obj.get("type") != kind:
        return [f"{where}: text must be {kind}"]
    if not 1 <= len(obj["text"]) <= limit:
        return [f"{where}: text length {len(obj['text'])} not in 1..{limit}"]
    return []


def check_blocks(blocks: list[dict[str, Any]], max_blocks: int) -> list[str]:
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (max {max_blocks})")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"block {i} ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids or len(block_id) > 255:
                problems.append(f"{where}: bad or repeated block_id {block_id!r}")
            block_ids.add(block_id)
        match block.get("type"):
            case "section":
                problems += _text(block.get("text"), 3000, where)
            case "header":
                problems += _text(block.get("text"), 150, where, "plain_text")
            case "divider":
                pass
            case "context":
                elements = block.get("elements") or []
                if not 1 <= len(elements) <= 10:
                    problems.append(f"{where}: {len(elements)} elements")
                for element in elements:
                    problems += _text(element, 3000, where)
            case "actions":
                elements = block.get("elements") or []
                if not 1 <= len(elements) <= 25:
                    problems.append(f"{where}: {len(elements)} elements")
                for element in elements:
                    problems += _text(element.get("text"), 75, where, "plain_text")
                    action_id = element.get("action_id", "")
                    if action_id in action_ids or not 1 <= len(action_id) <= 255:
                        problems.append(f"{where}: bad or repeated action_id {action_id!r}")
                    action_ids.add(action_id)
                    if len(element.get("value", "")) > 2000:
                        problems.append(f"{where}: button value longer than 2000")
            case "input":
                problems += _text(block.get("label"), 2000, where, "plain_text")
                problems += _check_input(block.get("element") or {}, where)
            case other:
                problems.append(f"{where}: unknown block type {other!r}")
    return problems


def _check_input(element: dict[str, Any], where: str) -> list[str]:
    if element.get("type") == "static_select":
        options = element.get("options") or []
        problems = [] if 1 <= len(options) <= 100 else [f"{where}: {len(options)} options"]
        for option in options:
            problems += _text(option.get("text"), 75, where, "plain_text")
            if not 1 <= len(option.get("value", "")) <= 150:
                problems.append(f"{where}: option value length")
        return problems
    if element.get("type") == "plain_text_input":
        limit = element.get("max_length", 3000)
        return [] if 1 <= limit <= 3000 else [f"{where}: max_length {limit}"]
    return [f"{where}: unknown input element {element.get('type')!r}"]


def check_view(view: dict[str, Any]) -> list[str]:
    problems = check_blocks(view.get("blocks") or [], MAX_VIEW_BLOCKS)
    if view.get("type") == "modal":
        problems += _text(view.get("title"), 24, "modal title", "plain_text")
        for name in ("submit", "close"):
            if name in view:
                problems += _text(view[name], 24, f"modal {name}", "plain_text")
        if len(view.get("private_metadata", "")) > 3000:
            problems.append("private_metadata longer than 3000")
    elif view.get("type") != "home":
        problems.append(f"unknown view type {view.get('type')!r}")
    return problems
