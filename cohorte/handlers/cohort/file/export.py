"""Exporting a cohort: the database read back into a `CohortSpec`, written as a cohort file.

What the export leaves out is what a file would not say either (see the normal forms in
`spec`): ended series, default lead times, check-in series the teams' slots imply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.leads import DEFAULT_LEADS, leads_for
from cohorte.handlers.cohort.file.messages import COHORT_NOT_FOUND, CohortFileError
from cohorte.handlers.cohort.file.render import render_cohort_file
from cohorte.handlers.cohort.file.spec import (
    ChatSpec,
    CohortSpec,
    DeliverableSpec,
    EventSpec,
    MaterialSpec,
    MemberSpec,
    RegistrationSpec,
    SeriesChangeSpec,
    SeriesSpec,
    TeamSpec,
    custom_leads,
    explicit_series,
)
from cohorte.scheduling.recurrence import parse_ref, series_dates
from cohorte.storage import agenda, cohorts, people
from cohorte.storage.deliverables import assigned_teams, deliverables_of
from cohorte.storage.feedback import feedback_settings
from cohorte.storage.materials import materials_of
from cohorte.storage.models import Cohort, EventKind, Platform, Role, Team
from cohorte.storage.series import SeriesChange, SeriesKind


async def export_cohort(session: AsyncSession, cohort_id: int) -> str:
    """The cohort as cohort-file TOML; `CohortFileError` if there is no such cohort."""
    cohort = await cohorts.cohort_by_id(session, cohort_id)
    if cohort is None:
        raise CohortFileError(COHORT_NOT_FOUND, cohort_id=cohort_id)
    return render_cohort_file(await spec_of(session, cohort))


async def spec_of(session: AsyncSession, cohort: Cohort) -> CohortSpec:
    """Everything a cohort file would say about this cohort."""
    cohort_id = _pk(cohort.id)
    teams = await cohorts.teams_as_added(session, cohort_id)
    team_names = {team.id: team.name for team in teams}
    team_specs = _team_specs(teams)
    home = ZoneInfo(cohort.home_zone)
    return CohortSpec(
        name=cohort.name,
        home_zone=cohort.home_zone,
        start_date=cohort.start_date,
        invite_code=cohort.invite_code,
        locale=cohort.locale,
        weeks=cohort.weeks,
        meeting_url=cohort.meeting_url,
        session_name=cohort.session_name,
        chats=tuple(
            ChatSpec(platform=Platform(chat.platform), chat_id=chat.chat_id, title=chat.title)
            for chat in await cohorts.chats_of(session, cohort_id)
        ),
        teams=team_specs,
        members=await _member_specs(session, cohort_id, team_names),
        events=tuple(
            EventSpec(
                kind=EventKind(event.kind),
                title=event.title,
                start=event.starts_at.astimezone(home).replace(tzinfo=None),
                duration_minutes=event.duration_minutes,
                meeting_url=event.meeting_url,
                description=event.description,
                cancelled=event.cancelled_at is not None,
            )
            for event in await agenda.events_of_cohort(session, cohort_id)
        ),
        deliverables=await _deliverable_specs(session, cohort_id, team_names),
        checkin_questions=_stored_questions(cohort),
        nudge_after_days=cohort.nudge_after_days,
        reminder_leads=_stored_leads(cohort),
        feedback_kinds=feedback_settings(cohort.feedback_settings).kinds,
        feedback_question=feedback_settings(cohort.feedback_settings).question,
        series=explicit_series(
            await _running_series(session, cohort_id, team_names),
            team_specs,
            cohort.start_date,
            cohort.weeks,
            cohort.meeting_url,
        ),
        materials=await _material_specs(session, cohort_id, team_names),
        registration=_registration_spec(cohort),
    )


def _registration_spec(cohort: Cohort) -> RegistrationSpec | None:
    """The cohort's registration settings, if it has a registration code."""
    if cohort.registration_code is None:
        return None
    return RegistrationSpec(
        code=cohort.registration_code,
        open=cohort.registration_open,
        deadline=cohort.registration_deadline,
        places=cohort.registration_places,
        places_per_team=cohort.registration_places_per_team,
    )


async def _material_specs(
    session: AsyncSession, cohort_id: int, team_names: Mapping[int | None, str]
) -> tuple[MaterialSpec, ...]:
    """The materials, each named by what a file calls its owner; a material of a session of
    an ended series (history, like the series) is left out."""
    codes = {_pk(d.id): d.code for d in await deliverables_of(session, cohort_id)}
    events = {_pk(e.id): e.title for e in await agenda.events_of_cohort(session, cohort_id)}
    running = {_pk(s.id): s for s in await agenda.running_series(session, cohort_id)}
    specs = []
    for material in await materials_of(session, cohort_id):
        base = MaterialSpec(title=material.title, url=material.url, kind=material.kind)
        if material.deliverable_id is not None:
            if material.deliverable_id in codes:
                specs.append(replace(base, deliverable=codes[material.deliverable_id]))
            continue
        try:
            kind, number, day = parse_ref(material.ref or "")
        except ValueError:
            continue
        if kind == "e" and number in events:
            specs.append(replace(base, event=events[number]))
        elif kind == "s" and number in running and day is not None:
            team = team_names.get(running[number].team_id)
            specs.append(replace(base, session=day, team=team))
    return tuple(specs)


def _team_specs(teams: Sequence[Team]) -> tuple[TeamSpec, ...]:
    return tuple(
        TeamSpec(
            name=team.name,
            city=team.city,
            country=team.country_code,
            zone=team.zone,
            checkin_weekday=team.checkin_weekday,
            checkin_time=team.checkin_time,
        )
        for team in teams
    )


async def _member_specs(
    session: AsyncSession, cohort_id: int, team_names: Mapping[int | None, str]
) -> tuple[MemberSpec, ...]:
    members = await cohorts.members_as_added(session, cohort_id)
    identities = await people.identities_of_people(
        session, [_pk(person.id) for _, person in members]
    )
    accounts: dict[int, dict[str, str]] = {}
    for identity in identities:
        # A person with two accounts on one platform exports the first one.
        accounts.setdefault(identity.person_id, {}).setdefault(
            identity.platform, identity.external_id
        )
    specs = []
    for member, person in members:
        own = accounts.get(_pk(person.id), {})
        specs.append(
            MemberSpec(
                name=person.display_name,
                team=team_names.get(member.team_id),
                role=Role(member.role),
                zone=person.zone,
                locale=person.locale,
                dm_reminders=member.dm_reminders,
                console=own.get(Platform.CONSOLE),
                telegram=own.get(Platform.TELEGRAM),
                slack=own.get(Platform.SLACK),
                email=person.email,
            )
        )
    return tuple(specs)


async def _deliverable_specs(
    session: AsyncSession, cohort_id: int, team_names: Mapping[int | None, str]
) -> tuple[DeliverableSpec, ...]:
    deliverables = await deliverables_of(session, cohort_id)
    assignments = await assigned_teams(session, cohort_id)
    return tuple(
        DeliverableSpec(
            code=deliverable.code,
            title=deliverable.title,
            description=deliverable.description,
            template_url=deliverable.template_url,
            rdc7=deliverable.rdc7,
            rdc8=deliverable.rdc8,
            optional=deliverable.optional,
            due_week=deliverable.due_week,
            due_date=deliverable.due_date,
            teams=()
            if deliverable.all_teams
            else tuple(
                team_names[team_id]
                for team_id in sorted(assignments.get(_pk(deliverable.id), ()))
                if team_id in team_names
            ),
        )
        for deliverable in deliverables
    )


def _stored_questions(cohort: Cohort) -> tuple[str, ...]:
    """The cohort's own check-in questions; unreadable ones are left out."""
    try:
        stored = json.loads(cohort.checkin_questions or "[]")
    except ValueError:
        stored = []
    return tuple(q for q in stored if isinstance(q, str) and q.strip())


def _stored_leads(cohort: Cohort) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The cohort's own lead times, as `leads_for` reads them."""
    try:
        stored = json.loads(cohort.reminder_leads or "{}")
    except ValueError:
        stored = {}
    if not isinstance(stored, dict):
        return ()
    return custom_leads({kind: leads_for(cohort, kind) for kind in DEFAULT_LEADS if kind in stored})


async def _running_series(
    session: AsyncSession, cohort_id: int, team_names: Mapping[int | None, str]
) -> tuple[SeriesSpec, ...]:
    """The series not ended yet, with their changes; ended series are history and stay out.

    Only what a file can say is kept: a series with no occurrence left and
    changes that change nothing or name no occurrence are dropped.
    """
    rows = await agenda.running_series(session, cohort_id)
    changes: dict[int, list[SeriesChange]] = {}
    for change in await agenda.changes_of_series(session, [_pk(series.id) for series in rows]):
        changes.setdefault(change.series_id, []).append(change)
    found = []
    for series in rows:
        if series.first_date > series.last_date:
            continue
        zone = ZoneInfo(series.zone)
        dates = set(series_dates(series.first_date, series.last_date, series.interval_weeks))
        found.append(
            SeriesSpec(
                kind=SeriesKind(series.kind),
                weekday=series.weekday,
                local_time=series.local_time,
                zone=series.zone,
                first_date=series.first_date,
                last_date=series.last_date,
                team=team_names.get(series.team_id),
                title=series.title,
                interval_weeks=series.interval_weeks,
                duration_minutes=series.duration_minutes,
                meeting_url=series.meeting_url,
                changes=tuple(
                    SeriesChangeSpec(
                        original_date=change.original_date,
                        cancelled=change.cancelled,
                        new_start=None
                        if change.cancelled or change.new_start is None
                        else change.new_start.astimezone(zone).replace(tzinfo=None),
                    )
                    for change in changes.get(_pk(series.id), [])
                    if change.original_date in dates
                    and (change.cancelled or change.new_start is not None)
                ),
            )
        )
    return tuple(found)


def _pk(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id")
    return value
