from __future__ import annotations

import copy
import random
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import tomli_w
from babel.messages.extract import extract_from_file
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.leads import leads_for
from cohorte.handlers.agenda.occurrences import (
    cohort_occurrences,
    ensure_checkin_series,
    set_weekly_session,
)
from cohorte.handlers.cohort.file import messages as cf
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.messages import CohortFileError
from cohorte.handlers.cohort.file.read import MAX_FILE_BYTES, parse_cohort_file
from cohorte.handlers.cohort.file.render import render_cohort_file
from cohorte.handlers.cohort.file.spec import (
    ChatSpec,
    CohortSpec,
    EventSpec,
    MemberSpec,
    SeriesChangeSpec,
    SeriesSpec,
    TeamSpec,
)
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.deliverables import Deliverable, DeliverableTeam
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Event,
    EventKind,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.series import Series, SeriesChange, SeriesKind

EXAMPLE = Path(__file__).parents[3] / "examples" / "sprint-2025.toml"
TABLES = (Cohort, Team, Person, Identity, Member, ChatLink, Event, Series, SeriesChange)
BOGOTA = ZoneInfo("America/Bogota")

Document = dict[str, Any]


def wall(text: str) -> datetime:
    """A wall-clock date-time without a zone, as TOML writes a local date-time."""
    return datetime.fromisoformat(text)


def example_bytes() -> bytes:
    return EXAMPLE.read_bytes()


def example_document() -> Document:
    return tomllib.loads(EXAMPLE.read_text("utf-8"))


def example_spec() -> CohortSpec:
    return parse_cohort_file(example_bytes())


def rejection(data: bytes) -> CohortFileError:
    """The error for a file, checking that its message can be filled in."""
    with pytest.raises(CohortFileError) as caught:
        parse_cohort_file(data)
    error = caught.value
    assert error.message.format(**error.params)
    return error


def rejection_of(document: Document) -> CohortFileError:
    return rejection(tomli_w.dumps(document).encode())


async def row_counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        counts[table.__name__] = (await session.exec(select(func.count()).select_from(table))).one()
    return counts


def minimal_document() -> Document:
    return {
        "cohort": {
            "name": "Piloto",
            "home_zone": "America/Santiago",
            "start_date": date(2025, 3, 31),
            "weeks": 24,
            "invite_code": "piloto-1",
        }
    }


# --- the example -----------------------------------------------------------------------


def test_the_example_describes_the_2025_sprint() -> None:
    spec = example_spec()

    assert spec.name == "Sprint de Contratación Abierta 2025"
    assert (spec.home_zone, spec.locale, spec.invite_code) == ("America/Bogota", "es", "SPRINT25")
    assert spec.start_date == date(2025, 4, 21)
    assert spec.start_date.weekday() == 0
    assert spec.weeks == 12
    assert spec.chats == (ChatSpec(Platform.CONSOLE, "sala", "Sala del sprint"),)
    assert [(team.name, team.zone) for team in spec.teams] == [
        ("Ciudad de México", "America/Mexico_City"),
        ("Bogotá", "America/Bogota"),
        ("Santiago de Chile", "America/Santiago"),
    ]
    assert all(team.checkin_weekday is not None and team.checkin_time for team in spec.teams)
    for team in spec.teams:
        assert [member.team for member in spec.members].count(team.name) == 3
    coordinators = [member for member in spec.members if member.role is Role.COORDINATOR]
    assert coordinators == [
        MemberSpec(
            name="Ana María Castillo",
            role=Role.COORDINATOR,
            zone="America/Bogota",
            console="coordina",
            telegram="4011203344",
            slack="U05AMCASTILLO",
        )
    ]
    consoles = [member.console for member in spec.members]
    assert all(name and name.isascii() and name.islower() for name in consoles)


def test_the_example_calendar_suits_all_three_cities() -> None:
    spec = example_spec()
    masterclasses = [event for event in spec.events if event.kind is EventKind.MASTERCLASS]
    showtimes = [event for event in spec.events if event.kind is EventKind.SHOWTIME]

    assert len(masterclasses) == 4
    assert all(event.duration_minutes == 60 for event in masterclasses)
    assert [event.title for event in showtimes] == ["Resultados y planes de mejora"]
    last_week = spec.start_date + timedelta(weeks=spec.weeks - 1)
    assert last_week <= showtimes[0].start.date() < spec.end_date
    for event in spec.events:
        instant = event.start.replace(tzinfo=BOGOTA)
        for team in spec.teams:
            local = instant.astimezone(ZoneInfo(team.zone))
            assert time(8, 0) <= local.time() <= time(17, 0), (event.title, team.name)
            assert local.weekday() < 5


# --- import and export -----------------------------------------------------------------


async def test_import_writes_the_whole_cohort(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    spec = example_spec()
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()

    async with sessions() as fresh:
        assert await row_counts(fresh) == {
            "Cohort": 1,
            "Team": 3,
            "Person": 10,
            "Identity": 18,
            "Member": 10,
            "ChatLink": 1,
            "Event": 5,
            "Series": 0,
            "SeriesChange": 0,
        }
        stored = await fresh.get(Cohort, cohort.id)
        assert stored is not None
        assert stored.created_at == clock.now()
        santiago = (await fresh.exec(select(Team).where(Team.name == "Santiago de Chile"))).one()
        assert (santiago.country_code, santiago.zone) == ("CL", "America/Santiago")
        assert (santiago.checkin_weekday, santiago.checkin_time) == (3, time(15, 0))
        members = (await fresh.exec(select(Member))).all()
        assert {member.joined_at for member in members} == {clock.now()}
        coordinator = (
            await fresh.exec(
                select(Member)
                .join(Identity, col(Identity.person_id) == col(Member.person_id))
                .where(Identity.external_id == "coordina")
            )
        ).one()
        assert (coordinator.role, coordinator.team_id) == (Role.COORDINATOR, None)
        mariana = (
            await fresh.exec(select(Person).where(Person.display_name == "Mariana Soto Aguilar"))
        ).one()
        # No zone in the file: she follows her team's zone.
        assert mariana.zone is None


async def test_event_times_are_stored_as_utc_instants(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_cohort(session, example_spec(), clock.now())
    await session.commit()

    async with sessions() as fresh:
        events = (await fresh.exec(select(Event).order_by(col(Event.id)))).all()
    first = events[0]
    assert first.title == "Datos abiertos de contratación: el estándar OCDS"
    assert first.starts_at == datetime(2025, 5, 6, 15, 0, tzinfo=UTC)
    assert first.starts_at.utcoffset() == timedelta(0)
    assert events[-1].starts_at == datetime(2025, 7, 9, 15, 0, tzinfo=UTC)


async def test_import_export_round_trip(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    spec = example_spec()
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None

    async with sessions() as fresh:
        text = await export_cohort(fresh, cohort.id)

    assert parse_cohort_file(text.encode()) == spec
    assert "[[teams]]" in text
    assert 'checkin = { weekday = "jueves", time = "10:00" }' in text
    assert "start = 2025-05-06T10:00:00" in text


async def test_export_of_an_unknown_cohort(session: AsyncSession) -> None:
    with pytest.raises(CohortFileError) as caught:
        await export_cohort(session, 4242)
    assert caught.value.message == cf.COHORT_NOT_FOUND
    assert caught.value.params == {"cohort_id": 4242}


async def test_santiago_changes_its_offset_inside_a_cohort(
    session: AsyncSession, clock: ManualClock
) -> None:
    # Chile left summer time on Sunday 2025-04-06 (UTC-3 -> UTC-4).
    document = minimal_document()
    document["events"] = [
        {"kind": "masterclass", "title": "Antes", "start": wall("2025-04-01T10:00")},
        {"kind": "masterclass", "title": "Después", "start": wall("2025-04-08T10:00")},
    ]
    spec = parse_cohort_file(tomli_w.dumps(document).encode())
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()

    events = (await session.exec(select(Event).order_by(col(Event.id)))).all()
    assert [event.starts_at for event in events] == [
        datetime(2025, 4, 1, 13, 0, tzinfo=UTC),
        datetime(2025, 4, 8, 14, 0, tzinfo=UTC),
    ]
    assert cohort.id is not None
    assert parse_cohort_file((await export_cohort(session, cohort.id)).encode()) == spec


def test_santiago_check_in_follows_chilean_winter_time() -> None:
    santiago = next(team for team in example_spec().teams if team.zone == "America/Santiago")
    assert santiago.checkin_time is not None
    first_thursday = datetime.combine(
        date(2025, 4, 24), santiago.checkin_time, ZoneInfo(santiago.zone)
    )
    assert first_thursday.astimezone(UTC) == datetime(2025, 4, 24, 19, 0, tzinfo=UTC)
    september = datetime.combine(date(2025, 9, 11), santiago.checkin_time, ZoneInfo(santiago.zone))
    assert september.astimezone(UTC) == datetime(2025, 9, 11, 18, 0, tzinfo=UTC)


def test_an_event_in_the_hour_the_clocks_skip_is_refused() -> None:
    # Chile moved its clocks from 00:00 to 01:00 on Sunday 2025-09-07.
    document = minimal_document()
    document["events"] = [{"kind": "showtime", "title": "Final", "start": wall("2025-09-07T00:30")}]
    error = rejection_of(document)
    assert error.message == cf.NONEXISTENT_TIME
    assert error.params["field"] == "events[1].start"
    assert error.params["value"] == "2025-09-07T00:30:00"


def test_an_event_with_an_offset_is_kept_as_that_instant() -> None:
    document = example_document()
    document["events"][0]["start"] = datetime(2025, 5, 6, 17, 0, tzinfo=UTC)
    spec = rejectionless(document)
    assert spec.events[0].start == wall("2025-05-06T12:00")


def rejectionless(document: Document) -> CohortSpec:
    return parse_cohort_file(tomli_w.dumps(document).encode())


async def test_a_known_account_reuses_its_person(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_cohort(session, example_spec(), clock.now())
    await session.commit()
    laura_id = (
        await session.exec(select(Identity.person_id).where(Identity.external_id == "laura"))
    ).one()

    second = CohortSpec(
        name="Segunda cohorte",
        home_zone="America/Bogota",
        start_date=date(2026, 4, 20),
        invite_code="SPRINT26",
        teams=(TeamSpec("Medellín", "Medellín", "CO", "America/Bogota"),),
        members=(
            MemberSpec(name="Laura G.", team="Medellín", console="laura", telegram="999001"),
            MemberSpec(name="Pablo Ríos", team="Medellín", console="pablo"),
        ),
    )
    clock.advance(timedelta(days=300))
    cohort = await import_cohort(session, second, clock.now())
    await session.commit()

    async with sessions() as fresh:
        counts = await row_counts(fresh)
        assert (counts["Person"], counts["Member"], counts["Identity"]) == (11, 12, 20)
        members = (await fresh.exec(select(Member).where(Member.cohort_id == cohort.id))).all()
        laura = await fresh.get(Person, laura_id)
        assert laura is not None
        assert members[0].person_id == laura_id
        # The person's own name stays; the new account joins the old person.
        assert laura.display_name == "Laura Gómez Restrepo"
        telegram = (
            await fresh.exec(select(Identity).where(Identity.external_id == "999001"))
        ).one()
        assert telegram.person_id == laura_id


# --- rejected imports write nothing ----------------------------------------------------


async def _imported_example(session: AsyncSession, clock: ManualClock) -> dict[str, int]:
    await import_cohort(session, example_spec(), clock.now())
    await session.commit()
    return await row_counts(session)


def _second_cohort(**changes: Any) -> CohortSpec:
    spec = CohortSpec(
        name="Segunda cohorte",
        home_zone="America/Lima",
        start_date=date(2026, 4, 20),
        invite_code="LIMA-26",
        chats=(ChatSpec(Platform.TELEGRAM, "-100200300"),),
        teams=(TeamSpec("Lima", "Lima", "PE", "America/Lima"),),
        members=(MemberSpec(name="Rosa Quispe", team="Lima", console="rosa"),),
        events=(
            EventSpec(EventKind.MASTERCLASS, "OCDS", wall("2026-05-05T10:00")),
            EventSpec(EventKind.MASTERCLASS, "Feriado", wall("2026-05-12T10:00"), cancelled=True),
        ),
        reminder_leads=(("session", (120,)),),
        series=(
            SeriesSpec(
                kind=SeriesKind.CHECKIN,
                weekday=3,
                local_time=time(9, 0),
                zone="America/Lima",
                first_date=date(2026, 4, 23),
                last_date=date(2026, 7, 12),
                team="Lima",
                changes=(SeriesChangeSpec(date(2026, 4, 30), cancelled=True),),
            ),
        ),
    )
    return replace(spec, **changes)


@pytest.mark.parametrize(
    ("changes", "message", "params"),
    [
        pytest.param(
            {"invite_code": "SPRINT25"},
            cf.INVITE_CODE_TAKEN,
            {
                "field": "cohort.invite_code",
                "value": "SPRINT25",
                "cohort": "Sprint de Contratación Abierta 2025",
            },
            id="invite-code-taken",
        ),
        pytest.param(
            {
                "chats": (
                    ChatSpec(Platform.TELEGRAM, "-100200300"),
                    ChatSpec(Platform.CONSOLE, "sala"),
                )
            },
            cf.CHAT_TAKEN,
            {
                "field": "chats[2].chat_id",
                "value": "sala",
                "platform": "console",
                "cohort": "Sprint de Contratación Abierta 2025",
            },
            id="chat-taken",
        ),
        pytest.param(
            {
                "members": (
                    MemberSpec(name="Rosa Quispe", team="Lima", console="rosa"),
                    MemberSpec(name="Laura", team="Lima", console="laura", telegram="5012348871"),
                )
            },
            cf.IDENTITY_CONFLICT,
            {
                "field": "members[2].telegram",
                "value": "5012348871",
                "platform": "telegram",
                "person": "Lucía Hernández Ruiz",
            },
            id="accounts-of-two-people",
        ),
        pytest.param(
            {
                "members": (
                    MemberSpec(name="Laura", team="Lima", console="laura"),
                    MemberSpec(name="L. Gómez", team="Lima", telegram="6023419958"),
                )
            },
            cf.SAME_PERSON,
            {
                "field": "members[2].telegram",
                "value": "6023419958",
                "platform": "telegram",
                "person": "Laura Gómez Restrepo",
                "other": "members[1]",
            },
            id="one-person-twice",
        ),
    ],
)
async def test_a_rejected_import_writes_nothing(
    session: AsyncSession,
    clock: ManualClock,
    changes: dict[str, Any],
    message: str,
    params: dict[str, object],
) -> None:
    before = await _imported_example(session, clock)

    with pytest.raises(CohortFileError) as caught:
        await import_cohort(session, _second_cohort(**changes), clock.now())

    assert caught.value.message == message
    assert caught.value.params == params
    assert message.format(**params)
    assert await row_counts(session) == before


async def test_the_second_cohort_imports_when_nothing_clashes(
    session: AsyncSession, clock: ManualClock
) -> None:
    before = await _imported_example(session, clock)
    await import_cohort(session, _second_cohort(), clock.now())
    after = await row_counts(session)
    assert after["Cohort"] == before["Cohort"] + 1
    assert after["Event"] == before["Event"] + 2
    assert (after["Series"], after["SeriesChange"]) == (1, 1)
    lima = (await session.exec(select(Event).where(Event.title == "OCDS"))).one()
    assert lima.starts_at == datetime(2026, 5, 5, 15, 0, tzinfo=UTC)


# --- files that are not cohort files ---------------------------------------------------


def test_bytes_that_are_not_utf8() -> None:
    data = example_bytes().replace("Bogotá".encode(), "Bogotá".encode("latin-1"), 1)
    line = data.split(b"Bogot\xe1")[0].count(b"\n") + 1
    error = rejection(data)
    assert error.message == cf.NOT_UTF8
    assert error.params["line"] == line


def test_a_megabyte_of_random_bytes() -> None:
    data = random.Random(25).randbytes(1_000_000)
    assert rejection(data).message == cf.NOT_UTF8


def test_a_megabyte_of_text_that_is_not_toml() -> None:
    rng = random.Random(26)
    text = "".join(rng.choice("abc=[]{}\"'#\n ñá,.") for _ in range(1_000_000))
    data = text.encode()[:1_000_000].decode("utf-8", "ignore").encode()
    assert rejection(data).message == cf.INVALID_TOML


def test_a_megabyte_of_comments_then_a_broken_line() -> None:
    data = b"# comentario sin fin\n" * 47_000 + b"[cohort\n"
    assert len(data) < MAX_FILE_BYTES
    error = rejection(data)
    assert error.message == cf.INVALID_TOML
    assert error.params["line"] == 47_001


def test_deeply_nested_brackets() -> None:
    assert rejection(b"a = " + b"[" * 500_000).message == cf.TOO_DEEP


def test_a_file_too_large_to_be_a_cohort_file() -> None:
    data = example_bytes() + b"#" * MAX_FILE_BYTES
    error = rejection(data)
    assert error.message == cf.FILE_TOO_LARGE
    assert error.params == {"size": len(data), "limit": MAX_FILE_BYTES}


def test_invalid_toml_names_the_line() -> None:
    text = example_bytes().decode().replace('city = "Bogotá"', 'city = "Bogotá', 1)
    line = text.split('city = "Bogotá')[0].count("\n") + 1
    error = rejection(text.encode())
    assert error.message == cf.INVALID_TOML
    assert error.params["line"] == line
    assert error.params["detail"]


def test_invalid_toml_at_the_end() -> None:
    error = rejection(b'[cohort]\nname = "x"\nweeks =')
    assert error.message == cf.INVALID_TOML
    assert error.params["line"] == 3


def test_a_byte_order_mark_is_fine() -> None:
    assert parse_cohort_file(b"\xef\xbb\xbf" + example_bytes()) == example_spec()


def test_the_smallest_cohort_file() -> None:
    spec = parse_cohort_file(tomli_w.dumps(minimal_document()).encode())
    assert spec == CohortSpec(
        name="Piloto",
        home_zone="America/Santiago",
        start_date=date(2025, 3, 31),
        invite_code="PILOTO-1",
        weeks=24,
    )
    assert spec.locale == "es"


def test_forgiving_spellings_are_normalised() -> None:
    document = example_document()
    document["cohort"]["home_zone"] = "america/bogota"
    document["cohort"]["locale"] = "es-co"
    document["teams"][0]["country"] = "mx"
    document["teams"][1]["checkin"] = {"weekday": "Thu", "time": time(10, 0)}
    document["members"][0]["team"] = "ciudad de mexico"
    document["members"][0]["telegram"] = 5012348871
    spec = rejectionless(document)
    assert (spec.home_zone, spec.locale) == ("America/Bogota", "es_CO")
    assert spec.teams[0].country == "MX"
    assert (spec.teams[1].checkin_weekday, spec.teams[1].checkin_time) == (3, time(10, 0))
    assert spec.members[0].team == "Ciudad de México"
    assert spec.members[0].telegram == "5012348871"


# --- fields that are wrong -------------------------------------------------------------

Change = Callable[[Document], None]


def _set(path: str, value: object) -> Change:
    """A change that sets one field, e.g. _set("teams.2.zone", "Mars/Base")."""

    def change(document: Document) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part) - 1] if part.isdigit() else node[part]
        node[int(last) - 1 if last.isdigit() else last] = value

    return change


def _delete(path: str) -> Change:
    def change(document: Document) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part) - 1] if part.isdigit() else node[part]
        del node[last]

    return change


def _append(section: str, item: Document) -> Change:
    def change(document: Document) -> None:
        document[section].append(item)

    return change


def _rename(path: str, new_key: str) -> Change:
    def change(document: Document) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part) - 1] if part.isdigit() else node[part]
        node[new_key] = node.pop(last)

    return change


NEW_MEMBER = {"name": "Pedro Páramo", "team": "Bogotá", "console": "pedro"}
NEW_TEAM = {"name": "Lima", "city": "Lima", "country": "PE", "zone": "America/Lima"}

FIELD_ERRORS = [
    # missing
    ("no-cohort", _delete("cohort"), cf.MISSING, "cohort", None),
    ("no-name", _delete("cohort.name"), cf.MISSING, "cohort.name", None),
    ("no-start", _delete("cohort.start_date"), cf.MISSING, "cohort.start_date", None),
    ("no-team-zone", _delete("teams.2.zone"), cf.MISSING, "teams[2].zone", None),
    ("no-event-title", _delete("events.3.title"), cf.MISSING, "events[3].title", None),
    (
        "half-checkin",
        _set("teams.1.checkin", {"weekday": "lunes"}),
        cf.MISSING,
        "teams[1].checkin.time",
        None,
    ),
    ("empty-name", _set("cohort.name", "  "), cf.EMPTY, "cohort.name", None),
    (
        "participant-without-team",
        _delete("members.4.team"),
        cf.TEAM_REQUIRED,
        "members[4].team",
        None,
    ),
    # wrong type
    ("weeks-in-quotes", _set("cohort.weeks", "12"), cf.NOT_INTEGER, "cohort.weeks", '"12"'),
    ("weeks-float", _set("cohort.weeks", 12.5), cf.NOT_INTEGER, "cohort.weeks", "12.5"),
    ("weeks-bool", _set("cohort.weeks", True), cf.NOT_INTEGER, "cohort.weeks", "true"),
    (
        "date-in-quotes",
        _set("cohort.start_date", "2025-04-21"),
        cf.NOT_DATE,
        "cohort.start_date",
        '"2025-04-21"',
    ),
    (
        "date-with-time",
        _set("cohort.start_date", wall("2025-04-21T09:00")),
        cf.NOT_DATE,
        "cohort.start_date",
        "2025-04-21T09:00:00",
    ),
    ("name-number", _set("teams.1.name", 7), cf.NOT_TEXT, "teams[1].name", "7"),
    (
        "dm-reminders-text",
        _set("members.2.dm_reminders", "sí"),
        cf.NOT_BOOLEAN,
        "members[2].dm_reminders",
        '"sí"',
    ),
    (
        "event-start-date-only",
        _set("events.1.start", date(2025, 5, 6)),
        cf.NOT_DATETIME,
        "events[1].start",
        "2025-05-06",
    ),
    ("cohort-array", _set("cohort", [{"name": "x"}]), cf.NOT_TABLE, "cohort", "[…]"),
    (
        "checkin-text",
        _set("teams.1.checkin", "jueves 10:00"),
        cf.NOT_TABLE,
        "teams[1].checkin",
        '"jueves 10:00"',
    ),
    ("teams-table", _set("teams", {"name": "Lima"}), cf.NOT_TABLE_LIST, "teams", "{…}"),
    ("members-text", _set("members", ["Ana"]), cf.NOT_TABLE_LIST, "members", "[…]"),
    # zones, languages, countries
    (
        "zone-typo",
        _set("teams.2.zone", "America/Bogata"),
        cf.UNKNOWN_ZONE,
        "teams[2].zone",
        "America/Bogata",
    ),
    (
        "zone-offset",
        _set("cohort.home_zone", "GMT-5"),
        cf.UNKNOWN_ZONE,
        "cohort.home_zone",
        "GMT-5",
    ),
    (
        "member-zone",
        _set("members.10.zone", "Bogotá"),
        cf.UNKNOWN_ZONE,
        "members[10].zone",
        "Bogotá",
    ),
    ("locale-pt", _set("cohort.locale", "pt"), cf.UNKNOWN_LOCALE, "cohort.locale", "pt"),
    ("locale-es-xx", _set("cohort.locale", "es_XX"), cf.UNKNOWN_LOCALE, "cohort.locale", "es_XX"),
    (
        "locale-spanish",
        _set("members.1.locale", "spanish"),
        cf.UNKNOWN_LOCALE,
        "members[1].locale",
        "spanish",
    ),
    (
        "country-name",
        _set("teams.2.country", "Colombia"),
        cf.UNKNOWN_COUNTRY,
        "teams[2].country",
        "Colombia",
    ),
    ("country-xx", _set("teams.2.country", "XX"), cf.UNKNOWN_COUNTRY, "teams[2].country", "XX"),
    # the sprint's shape
    (
        "start-tuesday",
        _set("cohort.start_date", date(2025, 4, 22)),
        cf.NOT_MONDAY,
        "cohort.start_date",
        "2025-04-22",
    ),
    (
        "start-year-9999",  # its dates would overflow
        _set("cohort.start_date", date(9999, 12, 20)),
        cf.START_OUT_OF_RANGE,
        "cohort.start_date",
        "9999-12-20",
    ),
    ("weeks-zero", _set("cohort.weeks", 0), cf.OUT_OF_RANGE, "cohort.weeks", "0"),
    ("weeks-53", _set("cohort.weeks", 53), cf.OUT_OF_RANGE, "cohort.weeks", "53"),
    (
        "duration-zero",
        _set("events.2.duration_minutes", 0),
        cf.OUT_OF_RANGE,
        "events[2].duration_minutes",
        "0",
    ),
    # teams and members
    (
        "duplicate-team",
        _append("teams", {**NEW_TEAM, "name": "Bogota"}),
        cf.DUPLICATE_TEAM,
        "teams[4].name",
        "Bogota",
    ),
    (
        "unknown-team",
        _set("members.5.team", "Lima"),
        cf.UNKNOWN_TEAM,
        "members[5].team",
        "Lima",
    ),
    (
        "duplicate-console",
        _append("members", {**NEW_MEMBER, "console": "laura"}),
        cf.DUPLICATE_IDENTITY,
        "members[11].console",
        "laura",
    ),
    (
        "duplicate-telegram",
        _append("members", {**NEW_MEMBER, "telegram": "6023419958"}),
        cf.DUPLICATE_IDENTITY,
        "members[11].telegram",
        "6023419958",
    ),
    (
        "telegram-handle",
        _set("members.1.telegram", "@lucia"),
        cf.BAD_TELEGRAM_ID,
        "members[1].telegram",
        "@lucia",
    ),
    ("role", _set("members.1.role", "admin"), cf.UNKNOWN_ROLE, "members[1].role", "admin"),
    (
        "long-name",
        _set("members.1.name", "x" * 121),
        cf.TOO_LONG,
        "members[1].name",
        None,
    ),
    # invite code
    (
        "code-short",
        _set("cohort.invite_code", "abc"),
        cf.BAD_INVITE_CODE,
        "cohort.invite_code",
        "abc",
    ),
    (
        "code-space",
        _set("cohort.invite_code", "SPRINT 25"),
        cf.BAD_INVITE_CODE,
        "cohort.invite_code",
        "SPRINT 25",
    ),
    (
        "code-accent",
        _set("cohort.invite_code", "CONTRATACIÓN"),
        cf.BAD_INVITE_CODE,
        "cohort.invite_code",
        "CONTRATACIÓN",
    ),
    (
        "code-dotless-i",
        _set("cohort.invite_code", "sprınt25"),
        cf.BAD_INVITE_CODE,
        "cohort.invite_code",
        "sprınt25",
    ),
    (
        "code-long",
        _set("cohort.invite_code", "A" * 33),
        cf.BAD_INVITE_CODE,
        "cohort.invite_code",
        "A" * 33,
    ),
    # events
    (
        "event-kind",
        _set("events.1.kind", "webinar"),
        cf.UNKNOWN_EVENT_KIND,
        "events[1].kind",
        "webinar",
    ),
    (
        "event-before",
        _set("events.1.start", wall("2025-04-20T10:00")),
        cf.EVENT_OUTSIDE_SPRINT,
        "events[1].start",
        "2025-04-20T10:00:00",
    ),
    (
        "event-after",
        _set("events.5.start", wall("2025-07-14T10:00")),
        cf.EVENT_OUTSIDE_SPRINT,
        "events[5].start",
        "2025-07-14T10:00:00",
    ),
    (
        "event-url",
        _set("events.5.meeting_url", "meet.example.org/x"),
        cf.BAD_URL,
        "events[5].meeting_url",
        "meet.example.org/x",
    ),
    # check-in
    (
        "checkin-day",
        _set("teams.3.checkin.weekday", "juernes"),
        cf.BAD_WEEKDAY,
        "teams[3].checkin.weekday",
        "juernes",
    ),
    (
        "checkin-hour",
        _set("teams.3.checkin.time", "25:00"),
        cf.BAD_TIME,
        "teams[3].checkin.time",
        "25:00",
    ),
    (
        "checkin-minute",
        _set("teams.3.checkin.time", "10:60"),
        cf.BAD_TIME,
        "teams[3].checkin.time",
        "10:60",
    ),
    (
        "checkin-pm",
        _set("teams.3.checkin.time", "3 pm"),
        cf.BAD_TIME,
        "teams[3].checkin.time",
        "3 pm",
    ),
    # chats
    (
        "chat-platform",
        _set("chats.1.platform", "whatsapp"),
        cf.UNKNOWN_PLATFORM,
        "chats[1].platform",
        "whatsapp",
    ),
    (
        "chat-twice",
        _append("chats", {"platform": "console", "chat_id": "sala"}),
        cf.DUPLICATE_CHAT,
        "chats[2].chat_id",
        "sala",
    ),
    # unknown keys
    ("top-key", _set("team", []), cf.UNKNOWN_KEY_SUGGESTION, "team", None),
    ("unrelated-key", _set("cohort.colour", "red"), cf.UNKNOWN_KEY, "cohort.colour", None),
    ("cohort-key", _rename("cohort.name", "nmae"), cf.UNKNOWN_KEY_SUGGESTION, "cohort.nmae", None),
    (
        "member-key",
        _rename("members.1.telegram", "telgram"),
        cf.UNKNOWN_KEY_SUGGESTION,
        "members[1].telgram",
        None,
    ),
    (
        "checkin-key",
        _rename("teams.2.checkin.time", "hora"),
        cf.UNKNOWN_KEY,
        "teams[2].checkin.hora",
        None,
    ),
    ("event-key", _set("events.4.zone", "America/Lima"), cf.UNKNOWN_KEY, "events[4].zone", None),
]


@pytest.mark.parametrize(
    ("change", "message", "field", "value"),
    [pytest.param(*case[1:], id=case[0]) for case in FIELD_ERRORS],
)
def test_a_wrong_field_is_named(change: Change, message: str, field: str, value: object) -> None:
    document = copy.deepcopy(example_document())
    change(document)

    error = rejection_of(document)

    assert error.message == message
    assert error.params["field"] == field
    if value is not None:
        assert error.params["value"] == value


def test_an_unknown_key_suggests_the_known_one() -> None:
    document = example_document()
    document["members"][0]["telgram"] = document["members"][0].pop("telegram")
    assert rejection_of(document).params["suggestion"] == "telegram"


def test_team_names_in_the_file_follow_the_one_name_rule() -> None:
    """Teams are named the way `lang.names` compares names: case, accents and
    punctuation do not count, and the team keeps the name its block gives it."""
    document = example_document()
    document["members"][4]["team"] = "ciudad-de-mexico"
    document["deliverables"][0]["teams"] = ["BOGOTA", "santiago de chile."]
    spec = rejectionless(document)
    assert spec.members[4].team == "Ciudad de México"
    assert spec.deliverables[0].teams == ("Bogotá", "Santiago de Chile")

    document = example_document()
    document["teams"].append({**NEW_TEAM, "name": "Ciudad-de-Mexico"})
    error = rejection_of(document)
    assert (error.message, error.params["field"]) == (cf.DUPLICATE_TEAM, "teams[4].name")


def test_the_invite_code_is_written_in_upper_case() -> None:
    document = example_document()
    document["cohort"]["invite_code"] = " sprint-25 "
    assert rejectionless(document).invite_code == "SPRINT-25"


def test_every_message_is_extracted_for_the_catalogs() -> None:
    extracted = {message for _, message, _, _ in extract_from_file("python", cf.__file__)}
    messages = {
        value
        for name, value in vars(cf).items()
        if name.isupper() and isinstance(value, str) and value.endswith((".", "?", "}"))
    }
    assert len(messages) == 70
    assert messages | {CohortFileError.message} <= extracted


# --- deliverables, check-in questions, nudges ------------------------------------------


def test_the_example_ships_the_sprint_templates() -> None:
    spec = example_spec()

    assert [
        (d.code, d.title, d.rdc, d.due_week, d.optional, d.teams) for d in spec.deliverables
    ] == [
        ("mapeo", "Mapeo de procesos y sistemas", ["RDC7"], 6, False, ()),
        ("proveedores", "Mapeo de problemas de proveedores", ["RDC8"], 8, False, ()),
        ("plan", "Plan de mejora", ["RDC7", "RDC8"], 11, False, ()),
        ("datos", "Publicación de datos de contratación", ["RDC7"], 12, True, ()),
        ("indicadores", "Indicadores de desempeño", ["RDC7", "RDC8"], 10, True, ()),
        (
            "investigacion",
            "Investigación con proveedores",
            ["RDC8"],
            10,
            True,
            ("Bogotá", "Santiago de Chile"),
        ),
    ]
    assert all(d.description for d in spec.deliverables)
    # Each template is due the week after the Masterclass that practises it.
    masterclass_weeks = {
        event.title: (event.start.date() - spec.start_date).days // 7 + 1 for event in spec.events
    }
    assert masterclass_weeks["Cómo mapear procesos y sistemas"] + 1 == 6
    assert masterclass_weeks["Proveedores: barreras y oportunidades"] + 1 == 8
    assert (spec.checkin_questions, spec.nudge_after_days) == ((), 10)


async def test_import_writes_the_deliverables_and_their_teams(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort = await import_cohort(session, example_spec(), clock.now())
    await session.commit()

    deliverables = (
        await session.exec(
            select(Deliverable)
            .where(Deliverable.cohort_id == cohort.id)
            .order_by(col(Deliverable.position))
        )
    ).all()
    assert [(d.code, d.position, d.all_teams) for d in deliverables] == [
        ("mapeo", 1, True),
        ("proveedores", 2, True),
        ("plan", 3, True),
        ("datos", 4, True),
        ("indicadores", 5, True),
        ("investigacion", 6, False),
    ]
    assigned = (await session.exec(select(DeliverableTeam))).all()
    teams = {team.id: team.name for team in (await session.exec(select(Team))).all()}
    assert sorted(teams[row.team_id] for row in assigned) == ["Bogotá", "Santiago de Chile"]


async def test_deliverables_questions_and_nudges_round_trip(
    session: AsyncSession, clock: ManualClock
) -> None:
    document = minimal_document()
    document["cohort"]["checkin_questions"] = [
        "¿Qué avanzaron?",
        "¿Qué los bloquea?",
        "¿Con quién del equipo coordinador quieren hablar en la sesión de acompañamiento?",
    ]
    document["cohort"]["nudge_after_days"] = 7
    document["teams"] = [
        {"name": "Valparaíso", "city": "Valparaíso", "country": "CL", "zone": "America/Santiago"},
        {"name": "Lima", "city": "Lima", "country": "PE", "zone": "America/Lima"},
    ]
    document["deliverables"] = [
        {"code": "Mapeo-Procesos", "title": "Mapeo", "rdc": ["rdc7"], "due_date": date(2025, 5, 9)},
        {"code": "encuesta", "title": "Encuesta", "teams": ["lima", "VALPARAISO"]},
    ]
    spec = parse_cohort_file(tomli_w.dumps(document).encode())
    assert spec.checkin_questions[0] == "¿Qué avanzaron?"
    assert spec.nudge_after_days == 7
    assert spec.deliverables[0].code == "mapeo-procesos"
    assert spec.deliverables[0].rdc == ["RDC7"]
    assert spec.deliverables[1].teams == ("Valparaíso", "Lima")  # file order, file spelling

    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    text = await export_cohort(session, cohort.id)

    assert parse_cohort_file(text.encode()) == spec
    assert "nudge_after_days = 7" in text
    assert 'rdc = ["RDC7"]' in text
    assert 'teams = ["Valparaíso", "Lima"]' in text
    assert "due_date = 2025-05-09" in text
    assert 'checkin_questions = [\n    "¿Qué avanzaron?",\n' in text


DELIVERABLE_ERRORS: list[tuple[str, dict[str, object], str, str, object]] = [
    ("bad-code", {"code": "mapeo procesos"}, cf.BAD_CODE, "deliverables[1].code", None),
    ("long-code", {"code": "x" * 33}, cf.BAD_CODE, "deliverables[1].code", None),
    ("bad-rdc", {"rdc": ["RDC9"]}, cf.UNKNOWN_RDC, "deliverables[1].rdc", "RDC9"),
    ("rdc-text", {"rdc": "RDC7"}, cf.NOT_TEXT_LIST, "deliverables[1].rdc", '"RDC7"'),
    (
        "due-twice",
        {"due_week": 3, "due_date": date(2025, 5, 9)},
        cf.DUE_TWICE,
        "deliverables[1].due_date",
        None,
    ),
    ("week-13", {"due_week": 13}, cf.OUT_OF_RANGE, "deliverables[1].due_week", "13"),
    (
        "after-sprint",
        {"due_week": ..., "due_date": date(2025, 7, 14)},
        cf.EVENT_OUTSIDE_SPRINT,
        "deliverables[1].due_date",
        "2025-07-14",
    ),
    ("no-team", {"teams": ["Quito"]}, cf.UNKNOWN_TEAM, "deliverables[1].teams", "Quito"),
    ("no-teams", {"teams": []}, cf.EMPTY, "deliverables[1].teams", None),
    ("no-title", {"title": " "}, cf.EMPTY, "deliverables[1].title", None),
    ("bad-url", {"template_url": "plantilla"}, cf.BAD_URL, "deliverables[1].template_url", None),
    ("typo", {"rdcs": ["RDC7"]}, cf.UNKNOWN_KEY_SUGGESTION, "deliverables[1].rdcs", None),
]


@pytest.mark.parametrize(
    ("change", "message", "field", "value"),
    [pytest.param(*case[1:], id=case[0]) for case in DELIVERABLE_ERRORS],
)
def test_a_wrong_deliverable_is_named(
    change: dict[str, object], message: str, field: str, value: object
) -> None:
    document = example_document()
    for key, item in change.items():
        if item is ...:
            del document["deliverables"][0][key]
        else:
            document["deliverables"][0][key] = item

    error = rejection_of(document)

    assert error.message == message
    assert error.params["field"] == field
    if value is not None:
        assert error.params["value"] == value


def test_duplicate_codes_and_odd_cohort_settings_are_refused() -> None:
    document = example_document()
    document["deliverables"][1]["code"] = "MAPEO"
    error = rejection_of(document)
    assert (error.message, error.params["field"]) == (cf.DUPLICATE_CODE, "deliverables[2].code")

    document = example_document()
    document["cohort"]["checkin_questions"] = [f"Pregunta {n}" for n in range(11)]
    error = rejection_of(document)
    assert (error.message, error.params["count"]) == (cf.TOO_MANY, 11)

    document = example_document()
    document["cohort"]["nudge_after_days"] = 0
    assert rejection_of(document).message == cf.OUT_OF_RANGE


# --- the whole calendar: reminder leads, cancelled events, series -----------------------

CALENDAR = """
[[series]]
kind = "session"
weekday = "martes"
time = "16:00"
title = "Sesión semanal"
changes = [
    { date = 2025-05-13, cancelled = true },
    { date = 2025-05-06, start = 2025-05-07T16:00:00 },
]

[[series]]
kind = "checkin"
team = "santiago de chile"
weekday = "jueves"
time = "15:00"
changes = [
    { date = 2025-05-08, start = 2025-05-09T15:00:00 },
    { date = 2025-05-22, cancelled = true },
]

# The same series as Bogotá's slot gives: it says nothing new.
[[series]]
kind = "checkin"
team = "Bogotá"
weekday = "Thursday"
time = "10h"
"""
# The session and Showtime lead times are the defaults, written differently.
CUSTOM_LEADS = (
    "reminder_leads = { session = [60, 1440, 60], showtime = [10080, 1440, 60], "
    "checkin = [2880, 30] }\n"
)


def calendar_bytes() -> bytes:
    """The example with custom reminder leads, a cancelled Masterclass and three series."""
    text = EXAMPLE.read_text("utf-8")
    text = text.replace("weeks = 12\n", "weeks = 12\n" + CUSTOM_LEADS, 1)
    text = text.replace(
        "start = 2025-06-03T10:00:00", "start = 2025-06-03T10:00:00\ncancelled = true"
    )
    return (text + CALENDAR).encode()


def test_the_calendar_is_read_whole() -> None:
    spec = parse_cohort_file(calendar_bytes())

    # Only what differs from the defaults is kept, longest lead first, without repeats.
    assert spec.reminder_leads == (("checkin", (2880, 30)),)
    assert [event.cancelled for event in spec.events] == [False, False, True, False, False]
    session, santiago = spec.series  # Bogotá's is the one its slot makes anyway
    assert session == SeriesSpec(
        kind=SeriesKind.SESSION,
        weekday=1,
        local_time=time(16, 0),
        zone="America/Bogota",
        first_date=date(2025, 4, 22),
        last_date=date(2025, 7, 13),
        title="Sesión semanal",
        meeting_url="https://meet.example.org/sprint-contratacion-abierta",
        changes=(  # by date, whatever the file's order
            SeriesChangeSpec(date(2025, 5, 6), new_start=wall("2025-05-07T16:00")),
            SeriesChangeSpec(date(2025, 5, 13), cancelled=True),
        ),
    )
    assert (santiago.team, santiago.zone) == ("Santiago de Chile", "America/Santiago")
    assert (santiago.interval_weeks, santiago.duration_minutes) == (2, 45)
    assert (santiago.first_date, santiago.last_date) == (date(2025, 4, 24), date(2025, 7, 13))


async def test_the_whole_calendar_round_trips(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    spec = parse_cohort_file(calendar_bytes())
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None

    async with sessions() as fresh:
        stored = await fresh.get(Cohort, cohort.id)
        assert stored is not None
        assert leads_for(stored, "checkin") == [30, 2880]
        assert leads_for(stored, "showtime") == [60, 1440, 10080]
        cancelled = await fresh.exec(select(Event).where(col(Event.cancelled_at).is_not(None)))
        assert [(e.title, e.cancelled_at) for e in cancelled.all()] == [
            ("Proveedores: barreras y oportunidades", clock.now())
        ]
        moved = (
            await fresh.exec(select(SeriesChange).where(col(SeriesChange.new_start).is_not(None)))
        ).all()
        # Wall-clock time in the series' zone, stored as the UTC instant.
        assert sorted(change.new_start for change in moved if change.new_start) == [
            datetime(2025, 5, 7, 21, 0, tzinfo=UTC),  # 16:00 in Bogotá (UTC-5)
            datetime(2025, 5, 9, 19, 0, tzinfo=UTC),  # 15:00 in Santiago (UTC-4)
        ]
        # Bogotá and Ciudad de México get theirs from their slots; Santiago has one.
        assert await ensure_checkin_series(fresh, stored, clock.now()) == 2
        await fresh.commit()
        santiago = (await fresh.exec(select(Team).where(Team.name == "Santiago de Chile"))).one()
        occurrences = await cohort_occurrences(
            fresh,
            stored,
            datetime(2025, 5, 1, tzinfo=UTC),
            datetime(2025, 5, 31, tzinfo=UTC),
            team_id=santiago.id,
            include_cancelled=True,
        )
        checkins = [o for o in occurrences if o.kind == "checkin"]
        assert [(o.original_date, o.starts_at, o.moved, o.cancelled) for o in checkins] == [
            (date(2025, 5, 8), datetime(2025, 5, 9, 19, 0, tzinfo=UTC), True, False),
            (date(2025, 5, 22), datetime(2025, 5, 22, 19, 0, tzinfo=UTC), False, True),
        ]

        text = await export_cohort(fresh, cohort.id)

    # The check-in series the slots made are not written out: the slots say it.
    assert parse_cohort_file(text.encode()) == spec
    assert text.count("[[series]]") == 2
    assert "reminder_leads = { checkin = [2880, 30] }" in text
    assert "cancelled = true\n\n[[events]]" in text
    assert 'kind = "checkin"\nteam = "Santiago de Chile"\nweekday = "jueves"\ntime = "15:00"\n' in (
        text
    )
    assert (
        "changes = [\n"
        "    { date = 2025-05-06, start = 2025-05-07T16:00:00 },\n"
        "    { date = 2025-05-13, cancelled = true },\n"
        "]\n"
    ) in text
    assert "meeting_url" not in text.split("[[series]]", 1)[1].split("[[deliverables]]")[0]


async def test_only_running_series_are_exported(session: AsyncSession, clock: ManualClock) -> None:
    cohort = await import_cohort(session, parse_cohort_file(calendar_bytes()), clock.now())
    assert cohort.id is not None
    # The cohort votes a new weekly slot from week 4: the imported series ends there.
    await set_weekly_session(
        session, cohort, 2, time(9, 0), "America/Bogota", 90, date(2025, 5, 12), clock.now()
    )
    await session.commit()

    exported = parse_cohort_file((await export_cohort(session, cohort.id)).encode())

    sessions_ = [s for s in exported.series if s.kind is SeriesKind.SESSION]
    assert [(s.weekday, s.local_time, s.first_date, s.duration_minutes) for s in sessions_] == [
        (2, time(9, 0), date(2025, 5, 14), 90)
    ]
    assert (await session.exec(select(func.count()).select_from(Series))).one() == 3


async def test_export_leaves_out_what_a_file_cannot_say(
    session: AsyncSession, clock: ManualClock
) -> None:
    spec = parse_cohort_file(calendar_bytes())
    cohort = await import_cohort(session, spec, clock.now())
    assert cohort.id is not None
    weekly = (await session.exec(select(Series).where(Series.kind == SeriesKind.SESSION))).one()
    session.add_all(
        [
            # A change that changes nothing, and one on a day the series does not meet.
            SeriesChange(series_id=weekly.id or 0, original_date=date(2025, 5, 20)),
            SeriesChange(series_id=weekly.id or 0, original_date=date(2025, 5, 21), cancelled=True),
            # A series voted in the sprint's last days: its first day is after the sprint.
            Series(
                cohort_id=cohort.id,
                kind=SeriesKind.SESSION,
                title="",
                weekday=0,
                local_time=time(10, 0),
                zone="America/Bogota",
                first_date=date(2025, 7, 14),
                last_date=date(2025, 7, 13),
                created_at=clock.now(),
            ),
        ]
    )
    await session.commit()

    assert parse_cohort_file((await export_cohort(session, cohort.id)).encode()) == spec


async def test_stored_reminder_leads_export_as_the_bot_reads_them(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort = await import_cohort(session, example_spec(), clock.now())
    assert cohort.id is not None
    # As /recordatorios writes them, plus what `leads_for` ignores.
    cohort.reminder_leads = '{"session": [1440, 60], "checkin": [120, 0, 99999], "x": [5]}'
    session.add(cohort)
    await session.commit()

    text = await export_cohort(session, cohort.id)
    assert "reminder_leads = { checkin = [120] }" in text

    cohort.reminder_leads = "not json"
    await session.commit()
    assert "reminder_leads" not in await export_cohort(session, cohort.id)


def calendar_document() -> Document:
    return tomllib.loads(calendar_bytes().decode())


SERIES_ERRORS = [
    # reminder leads
    (
        "leads-kind",
        _rename("cohort.reminder_leads.session", "sesion"),
        cf.UNKNOWN_KEY_SUGGESTION,
        "cohort.reminder_leads.sesion",
        None,
    ),
    (
        "leads-text",
        _set("cohort.reminder_leads.session", "24h"),
        cf.NOT_INTEGER_LIST,
        "cohort.reminder_leads.session",
        '"24h"',
    ),
    (
        "leads-hours",
        _set("cohort.reminder_leads.session", ["24h", "1h"]),
        cf.NOT_INTEGER_LIST,
        "cohort.reminder_leads.session",
        "[…]",
    ),
    (
        "leads-empty",
        _set("cohort.reminder_leads.checkin", []),
        cf.EMPTY,
        "cohort.reminder_leads.checkin",
        None,
    ),
    (
        "leads-zero",
        _set("cohort.reminder_leads.checkin", [2880, 0]),
        cf.OUT_OF_RANGE,
        "cohort.reminder_leads.checkin[2]",
        "0",
    ),
    (
        "leads-too-early",
        _set("cohort.reminder_leads.showtime", [43201, 1440, 60]),
        cf.OUT_OF_RANGE,
        "cohort.reminder_leads.showtime[1]",
        "43201",
    ),
    (
        "leads-list",
        _set("cohort.reminder_leads", [60]),
        cf.NOT_TABLE,
        "cohort.reminder_leads",
        None,
    ),
    # cancelled events
    (
        "event-cancelled-text",
        _set("events.3.cancelled", "sí"),
        cf.NOT_BOOLEAN,
        "events[3].cancelled",
        '"sí"',
    ),
    # series
    ("series-table", _set("series", {"kind": "session"}), cf.NOT_TABLE_LIST, "series", "{…}"),
    (
        "series-kind",
        _set("series.1.kind", "weekly"),
        cf.UNKNOWN_SERIES_KIND,
        "series[1].kind",
        "weekly",
    ),
    ("series-no-kind", _delete("series.1.kind"), cf.MISSING, "series[1].kind", None),
    ("series-key", _rename("series.1.time", "hora"), cf.UNKNOWN_KEY, "series[1].hora", None),
    ("series-team", _set("series.2.team", "Lima"), cf.UNKNOWN_TEAM, "series[2].team", "Lima"),
    (
        "checkin-without-team",
        _delete("series.2.team"),
        cf.CHECKIN_TEAM_REQUIRED,
        "series[2].team",
        None,
    ),
    ("session-with-team", _set("series.1.team", "Bogotá"), cf.SESSION_TEAM, "series[1].team", None),
    (
        "series-weekday",
        _set("series.1.weekday", "juernes"),
        cf.BAD_WEEKDAY,
        "series[1].weekday",
        "juernes",
    ),
    ("series-time", _set("series.2.time", "3 pm"), cf.BAD_TIME, "series[2].time", "3 pm"),
    ("series-no-time", _delete("series.2.time"), cf.MISSING, "series[2].time", None),
    ("series-zone", _set("series.1.zone", "Bogotá"), cf.UNKNOWN_ZONE, "series[1].zone", "Bogotá"),
    (
        "series-interval",
        _set("series.2.interval_weeks", 0),
        cf.OUT_OF_RANGE,
        "series[2].interval_weeks",
        "0",
    ),
    (
        "series-duration",
        _set("series.1.duration_minutes", 1441),
        cf.OUT_OF_RANGE,
        "series[1].duration_minutes",
        "1441",
    ),
    (
        "series-url",
        _set("series.1.meeting_url", "meet"),
        cf.BAD_URL,
        "series[1].meeting_url",
        "meet",
    ),
    (
        "series-first-weekday",
        _set("series.1.first_date", date(2025, 4, 23)),
        cf.NOT_ON_WEEKDAY,
        "series[1].first_date",
        "2025-04-23",
    ),
    (
        "series-first-before-sprint",
        _set("series.1.first_date", date(2025, 4, 15)),
        cf.EVENT_OUTSIDE_SPRINT,
        "series[1].first_date",
        "2025-04-15",
    ),
    (
        "series-last-after-sprint",
        _set("series.1.last_date", date(2025, 7, 14)),
        cf.EVENT_OUTSIDE_SPRINT,
        "series[1].last_date",
        "2025-07-14",
    ),
    (
        "series-last-before-first",
        _set("series.2.last_date", date(2025, 4, 23)),
        cf.LAST_BEFORE_FIRST,
        "series[2].last_date",
        "2025-04-23",
    ),
    (
        "series-first-date-text",
        _set("series.1.first_date", "2025-04-22"),
        cf.NOT_DATE,
        "series[1].first_date",
        '"2025-04-22"',
    ),
    # changes
    (
        "changes-text",
        _set("series.1.changes", "2025-05-13"),
        cf.NOT_TABLE_LIST,
        "series[1].changes",
        None,
    ),
    (
        "change-key",
        _rename("series.1.changes.1.cancelled", "canceled"),
        cf.UNKNOWN_KEY_SUGGESTION,
        "series[1].changes[1].canceled",
        None,
    ),
    (
        "change-no-date",
        _delete("series.2.changes.2.date"),
        cf.MISSING,
        "series[2].changes[2].date",
        None,
    ),
    (
        "change-not-an-occurrence",
        _set("series.2.changes.2.date", date(2025, 5, 15)),  # a Thursday, but an odd week
        cf.NOT_AN_OCCURRENCE,
        "series[2].changes[2].date",
        "2025-05-15",
    ),
    (
        "change-after-the-series",
        _set("series.1.last_date", date(2025, 5, 10)),
        cf.NOT_AN_OCCURRENCE,
        "series[1].changes[1].date",
        "2025-05-13",
    ),
    (
        "change-twice",
        _set("series.1.changes.2.date", date(2025, 5, 13)),
        cf.DUPLICATE_CHANGE,
        "series[1].changes[2].date",
        "2025-05-13",
    ),
    (
        "change-both",
        _set("series.2.changes.2.start", wall("2025-05-23T15:00")),
        cf.CHANGE_TWICE,
        "series[2].changes[2].start",
        None,
    ),
    (
        "change-nothing",
        _delete("series.2.changes.2.cancelled"),
        cf.CHANGE_EMPTY,
        "series[2].changes[2]",
        None,
    ),
    (
        "change-not-cancelled",
        _set("series.2.changes.2.cancelled", False),
        cf.CHANGE_EMPTY,
        "series[2].changes[2]",
        None,
    ),
    (
        "change-start-date-only",
        _set("series.1.changes.2.start", date(2025, 5, 7)),
        cf.NOT_DATETIME,
        "series[1].changes[2].start",
        "2025-05-07",
    ),
    (
        "change-after-sprint",
        _set("series.1.changes.2.start", wall("2025-07-14T16:00")),
        cf.EVENT_OUTSIDE_SPRINT,
        "series[1].changes[2].start",
        "2025-07-14T16:00:00",
    ),
]


@pytest.mark.parametrize(
    ("change", "message", "field", "value"),
    [pytest.param(*case[1:], id=case[0]) for case in SERIES_ERRORS],
)
def test_a_wrong_calendar_field_is_named(
    change: Change, message: str, field: str, value: object
) -> None:
    document = calendar_document()
    change(document)

    error = rejection_of(document)

    assert error.message == message
    assert error.params["field"] == field
    if value is not None:
        assert error.params["value"] == value


def test_a_session_moved_into_the_hour_the_clocks_skip_is_refused() -> None:
    # Chile moved its clocks from 00:00 to 01:00 on Sunday 2025-09-07.
    document = minimal_document()
    document["series"] = [
        {
            "kind": "session",
            "weekday": "lunes",
            "time": "10:00",
            "changes": [
                {"date": date(2025, 9, 1), "cancelled": True},
                {"date": date(2025, 9, 8), "start": wall("2025-09-07T00:30")},
            ],
        }
    ]
    error = rejection_of(document)
    assert error.message == cf.NONEXISTENT_TIME
    assert error.params == {
        "field": "series[1].changes[2].start",
        "value": "2025-09-07T00:30:00",
        "zone": "America/Santiago",
    }


def test_a_moved_start_with_an_offset_is_kept_as_that_instant() -> None:
    document = calendar_document()
    document["series"][1]["changes"][0]["start"] = datetime(2025, 5, 9, 20, 0, tzinfo=UTC)
    santiago = rejectionless(document).series[1]
    assert santiago.changes[0].new_start == wall("2025-05-09T16:00")


async def test_a_rejected_calendar_import_writes_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    before = await _imported_example(session, clock)
    spec = replace(parse_cohort_file(calendar_bytes()), name="Otra", invite_code="OTRA-25")
    clash = replace(spec, chats=(ChatSpec(Platform.CONSOLE, "sala"),))

    with pytest.raises(CohortFileError) as caught:
        await import_cohort(session, clash, clock.now())

    assert caught.value.message == cf.CHAT_TAKEN
    assert await row_counts(session) == before


async def test_the_session_name_round_trips_and_names_the_weekly_series(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    """`session_name` names the weekly session series: the file's own, and every one set
    later (a confirmed poll, /sesion semanal); a series block without a title takes it."""
    text = (
        calendar_bytes()
        .decode()
        .replace("weeks = 12\n", 'weeks = 12\nsession_name = "Encuentro de los martes"\n', 1)
    )
    text = text.replace('time = "16:00"\ntitle = "Sesión semanal"\n', 'time = "16:00"\n')
    spec = parse_cohort_file(text.encode())
    assert spec.session_name == "Encuentro de los martes"
    assert spec.series[0].title == "Encuentro de los martes"
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    assert cohort.session_name == "Encuentro de los martes"

    exported = await export_cohort(session, cohort.id)
    assert 'session_name = "Encuentro de los martes"' in exported
    assert "title" not in exported.split("[[series]]", 1)[1].split("[[series]]")[0]
    assert parse_cohort_file(exported.encode()) == spec

    series = await set_weekly_session(
        session, cohort, 3, time(9, 30), "America/Bogota", 60, date(2025, 5, 12), clock.now()
    )
    assert series.title == "Encuentro de los martes"
    # Without a name, the series has no title: each reader sees the catalog's.
    unnamed = parse_cohort_file(calendar_bytes())
    assert unnamed.session_name == ""
    assert "session_name" not in render_cohort_file(unnamed)
