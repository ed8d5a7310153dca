"""A new edition of a programme, planned on paper: a cohort's `CohortSpec` moved to a new
start date, and what a person must look at in it. Pure: no database, no clock.

Every session keeps its sprint week, weekday and local wall-clock time in its own zone
(the home zone for the Masterclasses, the Showtime and the weekly session, the team's
for a check-in): dates move by whole weeks and the UTC instant follows from the local
time and the zone, so a DST change between the two editions changes UTC, never the
time people read. What belonged to the previous run stays behind: people (unless
asked), group chats, cancelled events and the moved or cancelled single sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.public_holidays import holiday_name
from cohorte.handlers.cohort.file.read import check_start
from cohorte.handlers.cohort.file.spec import CohortSpec, MaterialSpec, SeriesSpec, slot_series
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.names import name_key
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import (
    series_dates,
    sprint_end,
    sprint_week,
    to_utc,
    wall_clock_problem,
)
from cohorte.storage.materials import MaterialKind
from cohorte.storage.series import SeriesKind

NAME_CHARS = 200  # the column limit of a cohort's name

START_NOT_MONDAY = N_(
    "The new start date must be a Monday, the first day of sprint week 1; {date} is not."
)
PEOPLE_NEED_TEAMS = N_(
    "To copy the people, copy the teams too (--with-teams): every participant belongs to a team."
)
MATERIALS_LEFT_OUT = N_("Materials left out because their session is not in the new edition: {n}.")
HOLIDAY = N_(
    "{what} on {date} (Week {week}) falls on a public holiday in {country} "
    "for the {team} team: {holiday}."
)
NONEXISTENT = N_(
    "{what} on {date} at {time} ({zone}): that time does not exist there, the clocks skip "
    "that hour; it is set one hour later. Choose another time."
)
REPEATED = N_(
    "{what} on {date} at {time} ({zone}): that time happens twice there, the clocks go "
    "back; the first one is used. Check it."
)
BEYOND_END = N_("{what} on {date} is after the end of the sprint ({end}).")
DUE_BEYOND_END = N_("The deliverable {code} is due after the end of the sprint ({end}).")


class EditionError(CohortError):
    """A new edition that cannot be made as asked."""

    message = N_("The new edition cannot be made.")


@dataclass(frozen=True)
class Label:
    """What a session is called in a notice: its title, else its kind's name."""

    kind: str
    title: str = ""
    team: str | None = None

    def render(self, t: Translator) -> str:
        if self.title:
            return self.title
        if self.kind == SeriesKind.CHECKIN:
            return t._("Check-in with the {team} team", team=self.team or "")
        if self.kind == SeriesKind.SESSION:
            return t._("Weekly session")
        return self.kind


@dataclass(frozen=True)
class Notice:
    """Something in the new edition a person should look at, rendered in their language.

    `params` holds plain values: dates, times and zones are formatted by `render`.
    """

    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, t: Translator) -> str:
        shown: dict[str, object] = {}
        for key, value in self.params.items():
            if isinstance(value, Label):
                shown[key] = value.render(t)
            elif isinstance(value, date):
                shown[key] = t.date(value, year=True)
            elif isinstance(value, time):
                shown[key] = value.strftime("%H:%M")
            elif key == "zone" and isinstance(value, str):
                shown[key] = t.zone_label(value)
            elif key == "country" and isinstance(value, str):
                shown[key] = t.country(value)
            else:
                shown[key] = value
        return t._(self.message, **shown)


@dataclass(frozen=True)
class Sitting:
    """One session of a planned edition, as wall-clock time in its zone."""

    label: Label
    day: date
    at: time
    zone: str
    team: str | None = None  # a check-in's team; None: every team


@dataclass(frozen=True)
class EditionPlan:
    """The new edition's spec and what needs a human."""

    spec: CohortSpec
    shift: timedelta
    notices: tuple[Notice, ...]

    @property
    def shift_weeks(self) -> int:
        return self.shift.days // 7

    @property
    def has_weekly_session(self) -> bool:
        return any(series.kind is SeriesKind.SESSION for series in self.spec.series)


def programme_of(spec: CohortSpec, invite_code: str) -> CohortSpec:
    """The programme alone: no people, no group chats, no cancelled events, no single
    sessions moved or called off; `invite_code` stands in for the cohort's own."""
    events = tuple(event for event in spec.events if not event.cancelled)
    titles = {name_key(event.title) for event in events}
    return replace(
        spec,
        invite_code=invite_code,
        chats=(),
        members=(),
        events=events,
        series=tuple(replace(series, changes=()) for series in spec.series),
        # The programme's materials: templates, slides, readings, links — not the run's
        # recordings, nor what was attached to a session called off.
        materials=tuple(
            material
            for material in spec.materials
            if material.kind is not MaterialKind.RECORDING
            and (material.event is None or name_key(material.event) in titles)
        ),
    )


def plan_edition(
    source: CohortSpec,
    start: date,
    invite_code: str,
    *,
    name: str | None = None,
    with_teams: bool = False,
    with_people: bool = False,
) -> EditionPlan:
    """The programme of `source` from `start` (a Monday), and what needs a human.

    Teams (with their check-in slots and series) come only `with_teams`, members only
    `with_people` (which needs the teams). Raises `EditionError`, and `CohortFileError`
    for a start out of the range a cohort file accepts.
    """
    if start.weekday() != 0:
        raise EditionError(START_NOT_MONDAY, date=start.isoformat())
    check_start(start, "--start")
    if with_people and not with_teams:
        raise EditionError(PEOPLE_NEED_TEAMS)
    # Whole weeks from the Monday of the source's first week: weekdays stay.
    source_monday = source.start_date - timedelta(days=source.start_date.weekday())
    shift = start - source_monday
    programme = programme_of(source, invite_code)
    spec = replace(
        programme,
        name=(" ".join((name or "").split()) or f"{source.name} — {start.isoformat()}")[
            :NAME_CHARS
        ],
        start_date=start,
        teams=programme.teams if with_teams else (),
        members=source.members if with_people else (),
        events=tuple(replace(event, start=event.start + shift) for event in programme.events),
        series=tuple(
            _shifted(series, shift)
            for series in programme.series
            if with_teams or series.team is None
        ),
        deliverables=tuple(
            replace(
                deliverable,
                due_date=None if deliverable.due_date is None else deliverable.due_date + shift,
                teams=deliverable.teams if with_teams else (),
            )
            for deliverable in programme.deliverables
        ),
        materials=tuple(
            _shifted_material(material, shift)
            for material in programme.materials
            if with_teams or material.team is None
        ),
    )
    found = notices(spec, source)
    left_out = sum(m.kind is not MaterialKind.RECORDING for m in source.materials) - len(
        spec.materials
    )
    if left_out:
        found = (*found, Notice(MATERIALS_LEFT_OUT, {"n": left_out}))
    return EditionPlan(spec, shift, found)


def _shifted_material(material: MaterialSpec, shift: timedelta) -> MaterialSpec:
    """A material of a series' session follows that session to its new date."""
    if material.session is None:
        return material
    return replace(material, session=material.session + shift)


def _shifted(series: SeriesSpec, shift: timedelta) -> SeriesSpec:
    return replace(series, first_date=series.first_date + shift, last_date=series.last_date + shift)


def sittings(spec: CohortSpec) -> list[Sitting]:
    """Every session the spec plans, earliest first: events, series, and the check-ins
    the teams' slots imply."""
    found = [
        Sitting(
            Label(event.kind, event.title), event.start.date(), event.start.time(), spec.home_zone
        )
        for event in spec.events
        if not event.cancelled
    ]
    explicit = {series.team for series in spec.series if series.kind is SeriesKind.CHECKIN}
    implied = [
        series
        for team in spec.teams
        if team.name not in explicit
        and (series := slot_series(team, spec.start_date, spec.weeks, spec.meeting_url))
    ]
    for series in (*spec.series, *implied):
        cancelled = {change.original_date for change in series.changes if change.cancelled}
        label = Label(series.kind, series.title or "", series.team)
        found += [
            Sitting(label, day, series.local_time, series.zone, series.team)
            for day in series_dates(series.first_date, series.last_date, series.interval_weeks)
            if day not in cancelled
        ]
    return sorted(found, key=lambda item: to_utc(item.day, item.at, item.zone))


def notices(spec: CohortSpec, source: CohortSpec) -> tuple[Notice, ...]:
    """What needs a human in a planned edition: sessions on a public holiday of a team's
    country (the source's teams when the new edition has none yet), wall-clock times that
    do not exist or happen twice in their zone, anything after the sprint's end."""
    teams = spec.teams or source.teams
    end = sprint_end(spec.start_date, spec.weeks)
    found: list[Notice] = []
    for item in sittings(spec):
        problem = wall_clock_problem(item.day, item.at, item.zone)
        if problem is not None:
            found.append(
                Notice(
                    NONEXISTENT if problem == "gap" else REPEATED,
                    {"what": item.label, "date": item.day, "time": item.at, "zone": item.zone},
                )
            )
        if item.day > end:
            found.append(Notice(BEYOND_END, {"what": item.label, "date": item.day, "end": end}))
            continue
        instant = to_utc(item.day, item.at, item.zone)
        for team in teams:
            if item.team is not None and item.team != team.name:
                continue
            day = instant.astimezone(ZoneInfo(team.zone)).date()
            holiday = holiday_name(team.country, day)
            if holiday is not None:
                found.append(
                    Notice(
                        HOLIDAY,
                        {
                            "what": item.label,
                            "date": day,
                            "week": sprint_week(spec.start_date, spec.weeks, day) or "—",
                            "country": team.country,
                            "team": team.name,
                            "holiday": holiday,
                        },
                    )
                )
    for deliverable in spec.deliverables:
        late = (deliverable.due_week is not None and deliverable.due_week > spec.weeks) or (
            deliverable.due_date is not None and deliverable.due_date > end
        )
        if late:
            found.append(Notice(DUE_BEYOND_END, {"code": deliverable.code, "end": end}))
    return tuple(found)
