"""What the bot counts for Prometheus: every series defined once, in a registry of its own.

The engine, the scheduler, the core (`Core.handle`) and the adapters' rate
limiters count into one `Metrics` per process (built at bootstrap and handed to
each part; a part built alone gets a fresh one). It lives here, in
`scheduling`, so that every layer that counts can reach it without breaking the
import layers; `cohorte.bot.http` serves it at `/metrics`, off by default.

Each `Metrics` has its own `CollectorRegistry`, never prometheus-client's
global one: two bots in one test process never share a counter. The outbox
gauges are not counted as things happen: `/metrics` reads them from the
database at scrape time (`storage.outbox.backlog`) and sets them with
`observe_backlog` just before rendering.

Counting is a dictionary look-up and an addition under a lock (about a
microsecond): nothing here touches the database or the network.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from cohorte.storage.outbox import Backlog

CONTENT_TYPE = CONTENT_TYPE_LATEST

# The platform label of a delivery decided before any platform was chosen (nobody to
# reach, nothing to say any more, or a row found interrupted after a restart).
NO_PLATFORM = "none"


class DeliveryOutcome(StrEnum):
    """The `outcome` label of `cohorte_deliveries_total`: the fields of a `DrainReport`."""

    SENT = "sent"
    RETRIED = "retried"
    AMBIGUOUS = "ambiguous"
    FAILED = "failed"
    DROPPED = "dropped"


class ErrorKind(StrEnum):
    """The `kind` label of `cohorte_errors_total`."""

    # An incoming event hit a bug (logged with its traceback, answered with an apology).
    HANDLER = "handler"
    # An incoming event could not get the database (answered "try again").
    DATABASE_BUSY = "database_busy"
    # A planner failed during a tick.
    PLANNER = "planner"
    # A send or a batch's rendering raised unexpectedly.
    SEND = "send"
    # The engine found the database unreachable (counted once per outage).
    DATABASE_AWAY = "database_away"


# Seconds: a Bot API or Web API call usually takes 50-500 ms; a retry-after can be a minute.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_HANDLER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The process's series (see the module docstring); `render()` is the scrape's text."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry(auto_describe=True)
        self.deliveries = Counter(
            "cohorte_deliveries",
            "Scheduled messages by platform and outcome (sent, retried, ambiguous, failed, "
            "dropped).",
            ["platform", "outcome"],
            registry=registry,
        )
        self.send_seconds = Histogram(
            "cohorte_delivery_send_seconds",
            "Time from a message's gate opening (its request leaving) to its outcome.",
            ["platform"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.rate_limit_waits = Histogram(
            "cohorte_rate_limit_wait_seconds",
            "Waits of the messengers' rate limiters: pace (a chat's or the account's window) "
            "or retry_after (a 429 answer).",
            ["platform", "reason"],
            buckets=_WAIT_BUCKETS,
            registry=registry,
        )
        self.events = Counter(
            "cohorte_incoming_events",
            "Incoming events handled by platform and kind (command, message, button, form, "
            "chat_event, redelivered).",
            ["platform", "kind"],
            registry=registry,
        )
        self.handler_seconds = Histogram(
            "cohorte_handler_seconds",
            "Time to answer one incoming event (transaction, handler and deferred work).",
            ["kind"],
            buckets=_HANDLER_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "cohorte_errors", "Errors by kind (see the README).", ["kind"], registry=registry
        )
        self.last_tick = Gauge(
            "cohorte_scheduler_last_tick_timestamp_seconds",
            "When the scheduler last ticked (Unix time of the bot's clock).",
            registry=registry,
        )
        self.sending_role = Gauge(
            "cohorte_sending_role",
            "1 while this process holds the sending role (the one that plans and sends).",
            ["process"],
            registry=registry,
        )
        self.backlog = Gauge(
            "cohorte_outbox_backlog",
            "Outbox rows due and not finished (pending, claimed or being sent), at scrape time.",
            registry=registry,
        )
        self.oldest_due_age = Gauge(
            "cohorte_outbox_oldest_due_age_seconds",
            "How long the oldest due row of the backlog has been due (0 with no backlog).",
            registry=registry,
        )
        self.scheduled = Gauge(
            "cohorte_outbox_scheduled",
            "Outbox rows pending for later (not due yet), at scrape time.",
            registry=registry,
        )
        # Children for the hot paths, built once (a `labels()` call checks the labels and
        # takes a lock: several times the cost of the count itself).
        self._event_children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._delivery_children: dict[tuple[str | None, DeliveryOutcome], Counter] = {}
        self._send_children: dict[str | None, Histogram] = {}

    def delivery(self, platform: str | None, outcome: DeliveryOutcome) -> None:
        """One scheduled message ended as `outcome`."""
        child = self._delivery_children.get((platform, outcome))
        if child is None:
            child = self._delivery_children[(platform, outcome)] = self.deliveries.labels(
                platform or NO_PLATFORM, outcome.value
            )
        child.inc()

    def sent_in(self, platform: str | None, seconds: float) -> None:
        """A message's requests took `seconds` after its gate opened."""
        child = self._send_children.get(platform)
        if child is None:
            child = self._send_children[platform] = self.send_seconds.labels(
                platform or NO_PLATFORM
            )
        child.observe(seconds)

    def waited(self, platform: str, reason: str, seconds: float) -> None:
        """A rate limiter made a request wait `seconds` (`pace` or `retry_after`)."""
        self.rate_limit_waits.labels(platform, reason).observe(seconds)

    def event(self, platform: str, kind: str, seconds: float) -> None:
        """An incoming event of `kind` was answered in `seconds`."""
        children = self._event_children.get((platform, kind))
        if children is None:
            children = self._event_children[(platform, kind)] = (
                self.events.labels(platform, kind),
                self.handler_seconds.labels(kind),
            )
        children[0].inc()
        children[1].observe(seconds)

    def error(self, kind: ErrorKind) -> None:
        self.errors.labels(kind.value).inc()

    def ticked(self, now: datetime) -> None:
        self.last_tick.set(now.timestamp())

    def role(self, process: str, held: bool) -> None:
        self.sending_role.labels(process).set(1 if held else 0)

    def observe_backlog(self, backlog: Backlog, now: datetime) -> None:
        """The outbox gauges, from the database's answer at scrape time."""
        self.backlog.set(backlog.waiting)
        self.scheduled.set(backlog.scheduled)
        age = backlog.oldest_age(now)
        self.oldest_due_age.set(age.total_seconds() if age is not None else 0.0)

    def backlog_unknown(self) -> None:
        """The database did not answer the scrape: the outbox gauges are unknown (NaN)."""
        for gauge in (self.backlog, self.scheduled, self.oldest_due_age):
            gauge.set(float("nan"))

    def render(self) -> bytes:
        """Every series in the Prometheus text format."""
        return generate_latest(self.registry)
