"""A programme's next edition: the same sprint weeks, weekdays and local times on new dates,
what needs a human, and what stays behind (people, recordings, the run's changes)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.ics import build_ics
from cohorte.handlers.cohort.edition_plan import (
    BEYOND_END,
    HOLIDAY,
    NONEXISTENT,
    PEOPLE_NEED_TEAMS,
    REPEATED,
    START_NOT_MONDAY,
    EditionError,
    plan_edition,
)
from cohorte.handlers.cohort.editions import (
    NO_WEEKLY_SESSION,
    POLL_LEFT_OPEN,
    new_edition,
    programme_template,
)
from cohorte.handlers.cohort.file import messages as cf
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.messages import CohortFileError
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.cohort.file.spec import (
    ChatSpec,
    CohortSpec,
    DeliverableSpec,
    EventSpec,
    MemberSpec,
    SeriesChangeSpec,
    SeriesSpec,
    TeamSpec,
)
from cohorte.locales import Translator
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.recurrence import event_ref, series_ref
from cohorte.storage import agenda, cohorts, polls
from cohorte.storage.deliverables import deliverables_of
from cohorte.storage.materials import Material, MaterialKind, materials_of
from cohorte.storage.models import Cohort, EventKind, Member, Person, Platform, Role, Team
from cohorte.storage.series import SeriesKind
from tests.conftest import Transcript
from tests.factories import add_member
from tests.handlers.cohort.test_file import EXAMPLE

SANTIAGO = "America/Santiago"
OLD_START = date(2025, 10, 13)  # Chile on summer time all along (Sept -> April)
NEW_START = date(2026, 3, 2)  # Chile's clocks go back on Sunday 5 April 2026
SHIFT = NEW_START - OLD_START  # 20 weeks
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


def programme() -> CohortSpec:
    """The previous edition: Masterclasses before and after the change's date, a weekly
    session, a Santiago team with its check-in slot, people, a chat, run data."""
    return CohortSpec(
        name="Sprint 2025-B",
        home_zone=SANTIAGO,
        start_date=OLD_START,
        invite_code="SPRINT25B",
        session_name="Sesión de trabajo",
        checkin_questions=("¿Qué avanzaron?",),
        nudge_after_days=7,
        reminder_leads=(("masterclass", (2880, 60)),),
        chats=(ChatSpec(Platform.CONSOLE, "sala-2025"),),
        teams=(
            TeamSpec("Santiago", "Santiago de Chile", "CL", SANTIAGO, 3, time(10, 0)),
            TeamSpec("Bogotá", "Bogotá", "CO", "America/Bogota"),
        ),
        members=(
            MemberSpec("Coordinación", role=Role.COORDINATOR, console="coordina"),
            MemberSpec("Sofía", team="Santiago", console="sofia"),
            # Known by no account: a new edition still keeps the same person.
            MemberSpec("Ana", team="Bogotá", email="ana@bogota.gov.co"),
        ),
        events=(
            EventSpec(EventKind.MASTERCLASS, "Datos abiertos", wall("2025-10-21T10:00")),
            EventSpec(EventKind.MASTERCLASS, "Cancelada", wall("2025-10-28T10:00"), cancelled=True),
            # Week 7: 25 Nov 2025 -> 14 Apr 2026, after Chile's change (UTC-3 -> UTC-4).
            EventSpec(EventKind.MASTERCLASS, "Proveedores", wall("2025-11-25T10:00")),
            # Week 9's Friday: 12 Dec 2025 -> 1 May 2026, Labour Day in Chile and Colombia.
            EventSpec(EventKind.MASTERCLASS, "Compras", wall("2025-12-12T10:00")),
            EventSpec(EventKind.SHOWTIME, "Showtime", wall("2025-12-31T17:00"), 90),
        ),
        series=(
            SeriesSpec(
                kind=SeriesKind.SESSION,
                title="Sesión de trabajo",  # the cohort's session_name, as a file gives it
                weekday=2,
                local_time=time(16, 0),
                zone=SANTIAGO,
                first_date=date(2025, 10, 15),
                last_date=date(2026, 1, 4),
                duration_minutes=60,
                changes=(SeriesChangeSpec(date(2025, 10, 22), cancelled=True),),
            ),
        ),
        deliverables=(
            DeliverableSpec("mapeo", "Mapeo", due_week=4, teams=("Santiago",)),
            DeliverableSpec("plan", "Plan", due_date=date(2025, 12, 19)),
        ),
    )


# --- the plan, on paper -------------------------------------------------------------------


def test_a_start_that_is_not_a_monday_is_refused_in_spanish() -> None:
    with pytest.raises(EditionError) as caught:
        plan_edition(programme(), date(2026, 3, 3), "NUEVA-26")
    assert caught.value.message == START_NOT_MONDAY
    assert caught.value.render(Translator("es", markup=False)) == (
        "La nueva fecha de inicio debe ser un lunes, el primer día de la semana 1 del "
        "sprint; 2026-03-03 no lo es."
    )
    with pytest.raises(EditionError) as people:
        plan_edition(programme(), NEW_START, "NUEVA-26", with_people=True)
    assert people.value.message == PEOPLE_NEED_TEAMS


def test_the_plan_keeps_weeks_weekdays_and_local_times_and_drops_the_run() -> None:
    plan = plan_edition(programme(), NEW_START, "NUEVA-26", with_teams=True)
    spec = plan.spec
    assert plan.shift_weeks == 20
    assert [event.title for event in spec.events] == [
        "Datos abiertos",
        "Proveedores",
        "Compras",
        "Showtime",
    ]
    assert spec.events[1].start == wall("2026-04-14T10:00")
    (series,) = spec.series
    assert (series.first_date, series.last_date, series.changes) == (
        date(2026, 3, 4),
        date(2026, 5, 24),
        (),
    )
    assert spec.members == () and spec.chats == ()
    assert spec.deliverables[1].due_date == date(2026, 5, 8)
    assert spec.deliverables[0].teams == ("Santiago",)
    alone = plan_edition(programme(), NEW_START, "NUEVA-26").spec
    assert alone.teams == () and alone.deliverables[0].teams == ()


def test_holidays_of_each_teams_country_are_noticed() -> None:
    plan = plan_edition(programme(), NEW_START, "NUEVA-26", with_teams=True)
    holidays = [notice for notice in plan.notices if notice.message == HOLIDAY]
    t = Translator("es", markup=False)
    texts = [notice.render(t) for notice in holidays]
    assert len(texts) == 2, texts
    assert texts[0].startswith("Compras el viernes, 1 de mayo de 2026 (Semana 9) cae en un")
    assert "Chile" in texts[0] and "Santiago" in texts[0]
    assert "Colombia" in texts[1] and "Bogotá" in texts[1]
    # Without the teams, the programme's teams' countries still say it.
    alone = plan_edition(programme(), NEW_START, "NUEVA-26")
    assert len([n for n in alone.notices if n.message == HOLIDAY]) == 2


def test_times_the_clocks_skip_or_repeat_on_the_new_dates_are_noticed() -> None:
    # Chile: clocks jump from 00:00 to 01:00 on Sunday 6 September 2026, and go back from
    # 24:00 to 23:00 on Saturday 4 April 2026.
    source = replace(
        programme(),
        start_date=date(2025, 8, 25),
        events=(EventSpec(EventKind.MASTERCLASS, "Nocturna", wall("2025-08-31T00:30")),),
        series=(),
        teams=(TeamSpec("Santiago", "Santiago de Chile", "CL", SANTIAGO, 5, time(23, 30)),),
        members=(),
        deliverables=(),
    )
    gap = plan_edition(source, date(2026, 8, 31), "NUEVA-26", with_teams=True)
    t = Translator("es", markup=False)
    (skipped,) = [n.render(t) for n in gap.notices if n.message == NONEXISTENT]
    assert skipped.startswith("Nocturna el domingo, 6 de septiembre de 2026 a las 00:30")
    assert "hora de Santiago" in skipped
    assert "esa hora no existe allí porque los relojes se adelantan una hora" in skipped
    fold = plan_edition(source, date(2026, 3, 30), "NUEVA-26", with_teams=True)
    (repeated,) = [n.render(t) for n in fold.notices if n.message == REPEATED]
    assert repeated.startswith(
        "Sesión de acompañamiento del equipo Santiago el sábado, 4 de abril de 2026 a las 23:30"
    )


def test_sessions_after_the_end_are_noticed() -> None:
    late = replace(
        programme(),
        weeks=2,
        events=(EventSpec(EventKind.SHOWTIME, "Tarde", wall("2025-11-05T10:00")),),
        series=(),
        deliverables=(),
    )
    plan = plan_edition(late, NEW_START, "NUEVA-26")
    assert [n.message for n in plan.notices] == [BEYOND_END]
    assert "después del fin del sprint" in plan.notices[0].render(Translator("es", markup=False))


# --- the new cohort, in the database --------------------------------------------------------


async def _old(session: AsyncSession) -> Cohort:
    old = await import_cohort(session, programme(), NOW)
    old.feedback_settings = '{"kinds": ["masterclass"]}'
    await session.commit()
    return old


async def _team(session: AsyncSession, cohort_id: int, name: str) -> Team:
    (team,) = [team for team in await cohorts.teams_of(session, cohort_id) if team.name == name]
    return team


def _shift_dates(text: str) -> str:
    """The old /proximas text with each date written as the one 20 weeks later."""
    t = Translator("es")
    names = {}
    day = OLD_START - timedelta(days=7)
    while day < OLD_START + timedelta(weeks=14):
        names[t.date(day)] = t.date(day + SHIFT)
        day += timedelta(days=1)
    pattern = re.compile("|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)))
    return pattern.sub(lambda found: names[found.group(0)], text)


def _calendar(data: bytes, shift: timedelta) -> list[tuple[object, ...]]:
    """Each VEVENT as (title, local start + shift, zone, length, rule, last local day)."""
    found = []
    for part in Calendar.from_ical(data).walk("VEVENT"):
        start = part.decoded("dtstart")
        rule = part.get("rrule")
        last = None
        if rule is not None:
            last = rule["UNTIL"][0].astimezone(start.tzinfo).date() + shift
        found.append(
            (
                str(part["summary"]),
                start.replace(tzinfo=None) + shift,
                str(start.tzinfo),
                part.decoded("dtend") - start,
                None if rule is None else (rule["FREQ"], rule.get("INTERVAL")),
                last,
            )
        )
    return sorted(found, key=repr)


async def test_new_edition_is_the_old_programme_shifted_across_a_dst_change(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    old = await _old(session)
    assert old.id is not None
    edition = await new_edition(session, old.id, NEW_START, NOW, with_teams=True)
    await session.commit()
    new = edition.cohort
    assert edition.shift_weeks == 20
    assert new.invite_code != old.invite_code and re.fullmatch(
        r"[A-Z2-9]{4}-[A-Z2-9]{4}", new.invite_code
    )
    assert (new.home_zone, new.session_name, new.nudge_after_days) == (
        SANTIAGO,
        "Sesión de trabajo",
        7,
    )
    assert new.checkin_questions == old.checkin_questions
    assert new.reminder_leads == old.reminder_leads
    assert new.feedback_settings == old.feedback_settings
    assert await cohorts.chats_of(session, edition.cohort_id) == []
    assert await cohorts.members_with_people(session, edition.cohort_id) == []
    holidays = [notice for notice in edition.notices if notice.message == HOLIDAY]
    assert len(holidays) == 2

    # Local time stays, UTC follows the zone: 10:00 was UTC-3, is UTC-4 after 5 April.
    old_events = {e.title: e for e in await agenda.events_of_cohort(session, old.id)}
    new_events = {e.title: e for e in await agenda.events_of_cohort(session, edition.cohort_id)}
    assert "Cancelada" not in new_events
    before, after = old_events["Proveedores"].starts_at, new_events["Proveedores"].starts_at
    assert after - before == SHIFT + timedelta(hours=1)
    assert after.astimezone(ZoneInfo(SANTIAGO)).time() == time(10, 0)
    first = new_events["Datos abiertos"].starts_at - old_events["Datos abiertos"].starts_at
    assert first == SHIFT

    # A participant of each edition, in the same team, reads the same /proximas.
    await add_member(
        session,
        new,
        "Nueva",
        "nueva",
        Role.PARTICIPANT,
        await _team(session, edition.cohort_id, "Santiago"),
        NOW,
    )
    await session.commit()
    moment = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)  # Monday of week 5
    clock.set(moment)
    await transcript.run(":como sofia")
    then = await transcript.run("/proximas 10")
    clock.set(moment + SHIFT)
    await transcript.run(":como nueva")
    now = await transcript.run("/proximas 10")
    assert "Proveedores" in then and "martes, 14 de abril · 10:00" in now
    assert "Sesión de trabajo" in then and "Sesión de acompañamiento" in then
    assert now.replace("nueva", "sofia") == _shift_dates(then)

    # And the same calendar file, in the same zones, 20 weeks later.
    t = Translator("es", markup=False)
    sofia = await _team(session, old.id, "Santiago")
    nueva = await _team(session, edition.cohort_id, "Santiago")
    old_ics = await build_ics(session, old, t, moment, sofia.id)
    new_ics = await build_ics(session, new, t, moment + SHIFT, nueva.id)
    shifted = _calendar(old_ics, SHIFT)
    assert _calendar(new_ics, timedelta()) == [
        row for row in shifted if row[0] != "Masterclass: Cancelada"
    ]
    assert len(shifted) == 7  # 5 events, the weekly session, the team's check-ins
    # The previous run's called-off session (week 2) is its own: the new one has them all.
    assert b"EXDATE" in old_ics and b"EXDATE" not in new_ics

    # The same through a template file: `cohort template`, then `cohort new --from` it.
    template = parse_cohort_file((await programme_template(session, old.id)).encode())
    again = await new_edition(session, template, NEW_START, NOW, with_teams=True)
    team = await _team(session, again.cohort_id, "Santiago")
    await add_member(session, again.cohort, "Otra", "otra", Role.PARTICIPANT, team, NOW)
    await session.commit()
    await transcript.run(":como otra")
    assert (await transcript.run("/proximas 10")).replace("otra", "nueva") == now
    again_ics = await build_ics(session, again.cohort, t, moment + SHIFT, team.id)
    assert _calendar(again_ics, timedelta()) == _calendar(new_ics, timedelta())


async def test_a_files_feedback_settings_come_with_its_new_edition(session: AsyncSession) -> None:
    spec = replace(parse_cohort_file(EXAMPLE.read_bytes()), feedback_kinds=("session",))

    edition = await new_edition(session, spec, NEW_START, NOW)

    assert edition.cohort.feedback_settings == '{"kinds": ["session"]}'


async def test_teams_and_people_come_only_when_asked(session: AsyncSession) -> None:
    old = await _old(session)
    assert old.id is not None
    bare = await new_edition(session, old.id, NEW_START, NOW)
    assert (bare.teams, bare.members) == (0, 0)
    assert await cohorts.teams_of(session, bare.cohort_id) == []
    assert [s.kind for s in await agenda.running_series(session, bare.cohort_id)] == [
        SeriesKind.SESSION
    ]

    full = await new_edition(
        session,
        old.id,
        NEW_START + timedelta(weeks=52),
        NOW,
        name="  Sprint   2027 ",
        with_teams=True,
        with_people=True,
    )
    await session.commit()
    assert full.cohort.name == "Sprint 2027"
    assert (full.teams, full.members) == (2, 3)
    old_people = await cohorts.members_with_people(session, old.id)
    new_people = await cohorts.members_with_people(session, full.cohort_id)
    names = {
        team.id: (team.cohort_id, team.name)
        for cohort_id in (old.id, full.cohort_id)
        for team in await cohorts.teams_of(session, cohort_id)
    }

    def places(rows: list[tuple[Member, Person]]) -> list[tuple[object, ...]]:
        return sorted((p.id, m.role, names.get(m.team_id, (0, None))[1]) for m, p in rows)

    # The same people (none duplicated, also one known by no account), roles and teams.
    assert places(new_people) == places(old_people)
    assert {names[m.team_id][0] for m, _ in new_people if m.team_id} == {full.cohort_id}
    # Memberships only: nothing of the run (calendar tokens, joins) is carried.
    new_members = (
        await session.exec(select(Member).where(Member.cohort_id == full.cohort_id))
    ).all()
    assert all(member.calendar_token is None for member in new_members)
    kinds = sorted(s.kind for s in await agenda.running_series(session, full.cohort_id))
    assert kinds == [SeriesKind.CHECKIN, SeriesKind.SESSION]


async def test_a_code_in_use_is_refused_and_a_free_one_is_taken(session: AsyncSession) -> None:
    old = await _old(session)
    assert old.id is not None
    with pytest.raises(CohortFileError) as taken:
        await new_edition(session, old.id, NEW_START, NOW, invite_code="sprint25b")
    assert taken.value.message == cf.INVITE_CODE_TAKEN
    assert "ya lo usa la cohorte Sprint 2025-B" in taken.value.render(
        Translator("es", markup=False)
    )
    with pytest.raises(CohortFileError) as bad:
        await new_edition(session, old.id, NEW_START, NOW, invite_code="¡no!")
    assert bad.value.message == cf.BAD_INVITE_CODE
    with pytest.raises(CohortFileError) as missing:
        await new_edition(session, 999, NEW_START, NOW)
    assert missing.value.message == cf.COHORT_NOT_FOUND
    edition = await new_edition(session, old.id, NEW_START, NOW, invite_code=" sprint-26 ")
    assert edition.cohort.invite_code == "SPRINT-26"


async def test_materials_follow_their_sessions_and_recordings_stay(session: AsyncSession) -> None:
    old = await _old(session)
    assert old.id is not None
    events = {e.title: e for e in await agenda.events_of_cohort(session, old.id)}
    (weekly,) = await agenda.running_series(session, old.id)
    plan = {d.code: d for d in await deliverables_of(session, old.id)}
    week_3 = date(2025, 10, 29)

    def material(kind: MaterialKind, title: str, **where: object) -> Material:
        return Material(
            cohort_id=old.id or 0,
            kind=kind,
            url="https://ejemplo.org/" + title,
            title=title,
            added_at=NOW,
            **where,  # type: ignore[arg-type]
        )

    session.add_all(
        [
            material(
                MaterialKind.SLIDES, "diapositivas", ref=event_ref(events["Proveedores"].id or 0)
            ),
            material(
                MaterialKind.RECORDING, "grabacion", ref=event_ref(events["Proveedores"].id or 0)
            ),
            material(MaterialKind.READING, "lectura", ref=series_ref(weekly.id or 0, week_3)),
            material(MaterialKind.TEMPLATE, "plantilla", deliverable_id=plan["plan"].id),
            material(MaterialKind.LINK, "cancelada", ref=event_ref(events["Cancelada"].id or 0)),
        ]
    )
    await session.commit()
    edition = await new_edition(session, old.id, NEW_START, NOW)
    await session.commit()
    new_events = {e.title: e for e in await agenda.events_of_cohort(session, edition.cohort_id)}
    (new_weekly,) = await agenda.running_series(session, edition.cohort_id)
    new_plan = {d.code: d for d in await deliverables_of(session, edition.cohort_id)}
    copied = {m.title: m for m in await materials_of(session, edition.cohort_id)}
    assert sorted(copied) == ["diapositivas", "lectura", "plantilla"]
    assert edition.materials == 3
    assert copied["diapositivas"].ref == event_ref(new_events["Proveedores"].id or 0)
    assert copied["lectura"].ref == series_ref(new_weekly.id or 0, week_3 + SHIFT)
    assert copied["plantilla"].deliverable_id == new_plan["plan"].id
    assert any(
        "Materiales que quedaron fuera" in n.render(Translator("es", markup=False))
        for n in edition.notices
    )


async def test_without_a_weekly_session_the_last_poll_is_left_open(session: AsyncSession) -> None:
    old = await import_cohort(session, replace(programme(), series=()), NOW)
    assert old.id is not None
    poll_id = await polls.open_new_poll(
        session,
        cohort_id=old.id,
        purpose=polls.WEEKLY_SESSION,
        title="Sesión semanal 2025",
        zone=SANTIAGO,
        duration_minutes=90,
        deadline=None,
        created_by=None,
        now=NOW,
    )
    assert poll_id is not None
    await polls.add_slots(session, poll_id, [(1, time(10, 0)), (3, time(16, 30))])
    await session.commit()
    edition = await new_edition(session, old.id, NEW_START, NOW)
    await session.commit()
    poll = await polls.open_poll_of(session, edition.cohort_id, polls.WEEKLY_SESSION)
    assert poll is not None and poll.deadline is None and poll.duration_minutes == 90
    slots = await polls.slots_of(session, poll.id or 0)
    assert [(s.weekday, s.local_time) for s in slots] == [(1, time(10, 0)), (3, time(16, 30))]
    assert POLL_LEFT_OPEN in [n.message for n in edition.notices]
    # A file has no poll: a coordinator is told to open one.
    spec = parse_cohort_file((await programme_template(session, old.id)).encode())
    from_file = await new_edition(session, spec, NEW_START, NOW)
    assert NO_WEEKLY_SESSION in [n.message for n in from_file.notices]


async def test_a_template_is_a_cohort_file_without_people_or_run_data(
    session: AsyncSession,
) -> None:
    old = await _old(session)
    assert old.id is not None
    text = await programme_template(session, old.id)
    spec = parse_cohort_file(text.encode())
    assert spec.members == () and spec.chats == ()
    assert spec.invite_code != old.invite_code
    assert [e.title for e in spec.events] == [
        "Datos abiertos",
        "Proveedores",
        "Compras",
        "Showtime",
    ]
    assert [s.changes for s in spec.series] == [()]
    assert [t.name for t in spec.teams] == ["Santiago", "Bogotá"]
    assert "sofia" not in text and "sala-2025" not in text
    # A template and a whole cohort file both make the same new edition.
    from_template = await new_edition(session, spec, NEW_START, NOW, with_teams=True)
    from_cohort = await new_edition(session, old.id, NEW_START, NOW, with_teams=True)
    assert from_template.events == from_cohort.events == 4
    assert from_template.series == from_cohort.series == 2
    assert len(from_template.notices) == len(from_cohort.notices)
