"""/metrics and /readyz on the bot's HTTP server, scraped over real HTTP on 127.0.0.1.

The fan-out goes through the real python-telegram-bot client to the fake Bot
API, driven by the real engine; the counters scraped afterwards must agree
with the outbox table.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from typer.testing import CliRunner

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.cli.root import app as cli
from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.bot.observe import Probe, expose, metrics_refusal
from cohorte.bot.telegram import TelegramAdapter
from cohorte.locales import Translator
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory, create_engine, session_factory
from cohorte.storage.migrate import alembic_config, head_revision, upgrade
from cohorte.storage.models import Cohort
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.bot.fake_telegram import FakeTelegram, group_chat, message
from tests.bot.test_telegram import (
    COORDINATOR,
    GROUP_ID,
    LIMITS,
    LUCIA,
    cohort,  # noqa: F401  (fixture)
    fake,  # noqa: F401  (fixture)
    feed,
    link_group,
    settings_for,
)
from tests.conftest import (
    POSTGRES_URL,
    _create_postgres_database,
    _drop_postgres_database,
    _postgres_server_url,
)

TOKEN = "s3cr3t-metrics-token-for-tests"
ES = Translator("es", markup=False)


def settings(**changes: Any) -> Settings:
    return Settings(**({"_env_file": None} | changes))


class Served:
    """The bot's HTTP server with /readyz (and /metrics as the settings say)."""

    def __init__(self, http: HttpServer, own: HttpServer | None, client: aiohttp.ClientSession):
        self.http, self.own, self.client = http, own, client

    def url(self, path: str, own: bool = False) -> str:
        server = self.own if own and self.own is not None else self.http
        return f"http://127.0.0.1:{server.bound_port}{path}"

    async def get(
        self, path: str, *, token: str | None = None, own: bool = False
    ) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with self.client.get(self.url(path, own), headers=headers) as response:
            return response.status, await response.text()


@pytest.fixture
async def serve_with(
    assembly: Assembly, engine: AsyncEngine, sessions: SessionFactory, clock: ManualClock
) -> AsyncIterator[Any]:
    running: list[Served] = []

    async def start(config: Settings, probe: Probe | None = None) -> Served:
        http = HttpServer("127.0.0.1", 0)
        probe = probe or Probe(engine, sessions, clock, assembly.ticker, seconds=3.0)
        own = expose(config, http, assembly.core.metrics, probe)
        await http.start()
        if own is not None:
            await own.start()
        served = Served(http, own, aiohttp.ClientSession())
        running.append(served)
        return served

    yield start
    for served in running:
        await served.client.close()
        if served.own is not None:
            await served.own.stop()
        await served.http.stop()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str):
    return scraped.get((name, frozenset(labels.items())), 0.0)


# -- metrics ----------------------------------------------------------------------------------


async def test_metrics_after_a_real_fan_out_agree_with_the_outbox(
    fake: FakeTelegram,  # noqa: F811
    cohort: Cohort,  # noqa: F811
    assembly: Assembly,
    sessions: SessionFactory,
    clock: ManualClock,
    serve_with: Any,
) -> None:
    adapter = TelegramAdapter(
        settings_for(fake, "https://cohorte.example.org"),
        assembly.core,
        HttpServer("127.0.0.1", 0),
        limits=LIMITS,
        read_timeout=0.3,
    )
    await adapter.start()
    assembly.messengers[adapter.messenger.platform] = adapter.messenger
    try:
        await link_group(sessions, GROUP_ID)
        group = group_chat(GROUP_ID)
        await feed(adapter, message(group, LUCIA, "/unirme PRUEBA25"))
        await feed(adapter, message(group, COORDINATOR, "/sesion semanal mar 10:00"))
        served = await serve_with(settings(metrics=True, metrics_token=TOKEN))

        # The reminders 24 h before: one answer comes too late (ambiguous: it did arrive),
        # one is refused with a 500 (retried later, still owed), the others are sent.
        fake.slow("sendMessage", 0.6)
        fake.fail("sendMessage", 500, "Internal Server Error", after=1)
        clock.set(datetime(2025, 4, 28, 15, 0, tzinfo=UTC))
        await assembly.ticker.tick()
        status, text = await served.get("/metrics", token=TOKEN)
    finally:
        await adapter.stop()

    assert status == 200
    scraped = samples(text)
    async with sessions() as session:
        states = dict(
            (
                await session.exec(
                    select(Delivery.state, func.count()).group_by(col(Delivery.state))
                )
            ).all()
        )
        owed = (
            await session.exec(
                select(func.count()).where(
                    col(Delivery.state).in_(["pending", "claimed", "sending"]),
                    col(Delivery.due_at) <= clock.now(),
                )
            )
        ).one()
    sent = value(scraped, "cohorte_deliveries_total", platform="telegram", outcome="sent")
    ambiguous = value(scraped, "cohorte_deliveries_total", platform="telegram", outcome="ambiguous")
    retried = value(scraped, "cohorte_deliveries_total", platform="telegram", outcome="retried")
    # The weekly session's news to the group, a reminder in private, one with a mention.
    assert sent == states[DeliveryState.SENT] == 3
    # The seeded cohort's console room has no messenger here: its two messages fail.
    failed = value(scraped, "cohorte_deliveries_total", platform="console", outcome="failed")
    assert failed == states[DeliveryState.FAILED] == 2
    assert ambiguous == states[DeliveryState.AMBIGUOUS] == 1
    assert retried == 1 and owed == 1
    assert value(scraped, "cohorte_outbox_backlog") == owed
    assert value(scraped, "cohorte_outbox_scheduled") == states[DeliveryState.PENDING] - owed
    assert value(scraped, "cohorte_delivery_send_seconds_count", platform="telegram") == (
        sent + ambiguous + retried
    )
    assert value(scraped, "cohorte_incoming_events_total", platform="telegram", kind="command") == 2
    assert value(scraped, "cohorte_handler_seconds_count", kind="command") == 2
    assert value(scraped, "cohorte_scheduler_last_tick_timestamp_seconds") == (
        clock.now().timestamp()
    )
    role = assembly.ticker.engine.name
    assert value(scraped, "cohorte_sending_role", process=role) == 1
    assert value(scraped, "cohorte_errors_total", kind="handler") == 0


async def test_metrics_need_the_bearer_token_on_the_bots_server(serve_with: Any) -> None:
    served = await serve_with(settings(metrics=True, metrics_token=TOKEN))

    assert (await served.get("/metrics"))[0] == 401
    assert (await served.get("/metrics", token="not-" + TOKEN))[0] == 401
    status, text = await served.get("/metrics", token=TOKEN)
    assert status == 200 and "# TYPE cohorte_deliveries_total counter" in text
    assert "cohorte_deliveries_total{" not in text  # nothing counted yet


async def test_metrics_are_off_by_default(serve_with: Any) -> None:
    served = await serve_with(settings())

    assert (await served.get("/metrics"))[0] == 404
    assert (await served.get("/metrics", token=TOKEN))[0] == 404
    assert (await served.get("/healthz"))[0] == 200


async def test_metrics_on_their_own_loopback_listener_need_no_token(serve_with: Any) -> None:
    served = await serve_with(settings(metrics=True, metrics_port=0))

    assert (await served.get("/metrics"))[0] == 404  # not on the bot's server
    status, text = await served.get("/metrics", own=True)
    assert status == 200 and "cohorte_outbox_backlog 0.0" in text


def test_metrics_never_start_public_without_protection() -> None:
    assert metrics_refusal(settings()) is None
    assert metrics_refusal(settings(metrics=True, metrics_token=TOKEN)) is None
    assert metrics_refusal(settings(metrics=True, metrics_port=9100)) is None
    public = metrics_refusal(settings(metrics=True))
    assert public is not None and "COHORTE_METRICS_TOKEN" in ES._(public)
    assert "sin protección" in ES._(public)
    exposed = settings(metrics=True, metrics_port=9100, metrics_host="0.0.0.0")
    assert metrics_refusal(exposed) is not None
    assert metrics_refusal(settings(metrics=True, metrics_token="")) is not None
    with pytest.raises(ValueError):
        expose(settings(metrics=True), HttpServer("127.0.0.1", 0), None, None)  # type: ignore[arg-type]


def test_cohorte_run_refuses_public_metrics_in_spanish(tmp_path: Path) -> None:
    env = {
        "COHORTE_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "COHORTE_METRICS": "1",
        "TELEGRAM_BOT_TOKEN": "123:abc",  # refused before anything connects or listens
    }
    result = CliRunner().invoke(cli, ["run"], env=env)

    assert result.exit_code == 1
    assert "quedaría publicado sin protección" in result.output
    assert "Traceback" not in result.output


# -- readiness --------------------------------------------------------------------------------


async def test_ready_with_the_facts_then_not_when_the_scheduler_stalls(
    serve_with: Any, assembly: Assembly, clock: ManualClock
) -> None:
    served = await serve_with(settings())
    status, _ = await served.get("/readyz")
    assert status == 503  # no tick yet

    await assembly.ticker.tick()
    status, text = await served.get("/readyz")
    assert status == 200, text
    facts = json.loads(text)
    assert facts["status"] == "ready" and facts["problems"] == []
    assert facts["database"] == "ok"
    assert facts["migration"] == {"current": head_revision(), "head": head_revision()}
    assert facts["outbox"]["backlog"] == 0
    assert facts["scheduler"]["last_tick"] == clock.now().isoformat()

    clock.advance(timedelta(seconds=90))  # three intervals: still on time
    assert (await served.get("/readyz"))[0] == 200
    clock.advance(timedelta(seconds=1))
    status, text = await served.get("/readyz")
    assert status == 503
    assert "the scheduler last ticked 91 s ago" in text


@pytest.fixture
async def spare_url(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """An empty database of its own (a SQLite file in a folder, or a PostgreSQL database),
    and how to make it go away."""
    if POSTGRES_URL is None:
        folder = tmp_path / "spare"
        folder.mkdir()

        async def remove() -> None:
            shutil.rmtree(folder)

        yield f"sqlite+aiosqlite:///{folder / 'c.db'}", remove
        return
    server = _postgres_server_url(POSTGRES_URL)
    name = f"cohorte_ready_{uuid.uuid4().hex[:8]}"
    url = await _create_postgres_database(server, name)

    async def drop() -> None:
        await _drop_postgres_database(server, name)  # WITH (FORCE): its connections end

    yield url, drop
    await drop()


async def test_not_ready_while_the_database_is_gone(
    spare_url: tuple[str, Any], assembly: Assembly, clock: ManualClock, serve_with: Any
) -> None:
    url, remove = spare_url
    engine = create_engine(url)
    try:
        await upgrade(engine)
        probe = Probe(engine, session_factory(engine), clock, assembly.ticker, seconds=3.0)
        served = await serve_with(settings(metrics=True, metrics_token=TOKEN), probe)
        await assembly.ticker.tick()
        assert (await served.get("/readyz"))[0] == 200

        await remove()
        await engine.dispose()  # the pool's connections go, as they do when a server restarts
        status, text = await served.get("/readyz")
        scraped_status, scraped = await served.get("/metrics", token=TOKEN)
    finally:
        await engine.dispose()

    # The scrape still answers, with the outbox gauges unknown.
    assert scraped_status == 200 and "cohorte_outbox_backlog NaN" in scraped

    assert status == 503
    facts = json.loads(text)
    assert facts["database"] == "unreachable"
    assert facts["problems"][0].startswith("database unreachable: ")
    assert "Traceback" not in text


async def test_not_ready_while_migrations_are_behind(
    spare_url: tuple[str, Any], assembly: Assembly, clock: ManualClock, serve_with: Any
) -> None:
    url, _ = spare_url
    head = head_revision()
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)
    engine = create_engine(url)
    try:
        await upgrade(engine, previous)
        probe = Probe(engine, session_factory(engine), clock, assembly.ticker, seconds=3.0)
        served = await serve_with(settings(), probe)
        await assembly.ticker.tick()
        status, text = await served.get("/readyz")
    finally:
        await engine.dispose()

    assert status == 503
    facts = json.loads(text)
    assert facts["migration"] == {"current": previous, "head": head}
    assert facts["problems"] == [
        f"migrations behind: the database is at {previous}, the code needs {head} "
        "(run `cohorte db upgrade`)"
    ]
