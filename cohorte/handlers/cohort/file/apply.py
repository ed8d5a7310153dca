"""Writing a checked cohort file into the database: a new cohort with its teams, chats,
people and accounts, members, calendar, deliverables and materials."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import ensure_checkin_series
from cohorte.handlers.cohort.file.messages import (
    CHAT_TAKEN,
    IDENTITY_CONFLICT,
    INVITE_CODE_TAKEN,
    REGISTRATION_CODE_TAKEN,
    SAME_PERSON,
    CohortFileError,
)
from cohorte.handlers.cohort.file.spec import CohortSpec, MemberSpec, SeriesSpec
from cohorte.handlers.lang.names import name_key
from cohorte.scheduling.recurrence import event_ref, series_dates, series_ref
from cohorte.storage import agenda, cohorts, deliverables
from cohorte.storage.applications import cohort_by_registration_code
from cohorte.storage.deliverables import Deliverable, set_assignment
from cohorte.storage.feedback import FeedbackSettings, settings_json
from cohorte.storage.materials import Material, add_materials
from cohorte.storage.models import ChatLink, Cohort, Event, Identity, Member, Person, Team
from cohorte.storage.people import accounts_with_people, add_accounts, add_people
from cohorte.storage.series import Series, SeriesChange, SeriesKind


async def import_cohort(session: AsyncSession, spec: CohortSpec, now: datetime) -> Cohort:
    """Add the cohort, its teams, people, accounts, members, events, series and chats.

    A person whose account (platform, id) is already known is reused, and
    gets any new accounts the file gives. Cancelled events are cancelled as
    of `now`. A team with a check-in series in the file keeps that one;
    the others get theirs from their slot later (`ensure_checkin_series`).
    Everything is checked before the first write, so a `CohortFileError`
    leaves the session untouched. The caller commits.
    """
    if now.tzinfo is None:
        raise ValueError("import_cohort needs an aware datetime for now")
    await _check_free(session, spec)
    known, existing_accounts = await _known_people(session, spec.members)

    cohort = Cohort(
        name=spec.name,
        home_zone=spec.home_zone,
        locale=spec.locale,
        start_date=spec.start_date,
        weeks=spec.weeks,
        invite_code=spec.invite_code,
        meeting_url=spec.meeting_url,
        session_name=spec.session_name,
        checkin_questions=json.dumps(list(spec.checkin_questions), ensure_ascii=False),
        nudge_after_days=spec.nudge_after_days,
        reminder_leads=json.dumps({kind: list(minutes) for kind, minutes in spec.reminder_leads}),
        feedback_settings=settings_json(
            FeedbackSettings(spec.feedback_kinds, spec.feedback_question)
        ),
        created_at=now,
    )
    if spec.registration is not None:
        cohort.registration_open = spec.registration.open
        cohort.registration_code = spec.registration.code
        cohort.registration_deadline = spec.registration.deadline
        cohort.registration_places = spec.registration.places
        cohort.registration_places_per_team = spec.registration.places_per_team
    cohort_id = await cohorts.add_cohort(session, cohort)

    teams = {
        team.name: Team(
            cohort_id=cohort_id,
            name=team.name,
            city=team.city,
            country_code=team.country,
            zone=team.zone,
            checkin_weekday=team.checkin_weekday,
            checkin_time=team.checkin_time,
        )
        for team in spec.teams
    }
    await cohorts.add_teams(session, list(teams.values()))
    await cohorts.add_chats(
        session,
        [
            ChatLink(
                cohort_id=cohort_id, platform=chat.platform, chat_id=chat.chat_id, title=chat.title
            )
            for chat in spec.chats
        ],
    )
    people = _people(spec, known, now)
    await add_people(session, [person for person in people if person.id is None])

    identities: list[Identity] = []
    members: list[Member] = []
    for member_spec, person in zip(spec.members, people, strict=True):
        person_id = _pk(person.id)
        identities += [
            Identity(person_id=person_id, platform=platform, external_id=external_id)
            for platform, external_id in member_spec.identities()
            if (platform, external_id) not in existing_accounts
        ]
        members.append(
            Member(
                cohort_id=cohort_id,
                person_id=person_id,
                team_id=_pk(teams[member_spec.team].id) if member_spec.team else None,
                role=member_spec.role,
                dm_reminders=member_spec.dm_reminders,
                joined_at=now,
            )
        )
    await add_accounts(session, identities)
    await cohorts.add_members(session, members)

    home = ZoneInfo(spec.home_zone)
    await agenda.add_events(
        session,
        [
            Event(
                cohort_id=cohort_id,
                kind=event.kind,
                title=event.title,
                starts_at=event.start.replace(tzinfo=home).astimezone(UTC),
                duration_minutes=event.duration_minutes,
                meeting_url=event.meeting_url,
                description=event.description,
                cancelled_at=now if event.cancelled else None,
            )
            for event in spec.events
        ],
    )
    await _add_series(session, cohort_id, spec.series, teams, now)
    await _add_deliverables(session, cohort_id, spec, teams, now)
    await _add_materials(session, cohort, spec, teams, now)
    return cohort


async def _add_materials(
    session: AsyncSession,
    cohort: Cohort,
    spec: CohortSpec,
    teams: Mapping[str, Team],
    now: datetime,
) -> None:
    """Each material attached to what the file names (`file.materials` checked it exists);
    a team's check-in series its slot implies is made first when a material needs it."""
    if not spec.materials:
        return
    cohort_id = _pk(cohort.id)
    if any(material.team for material in spec.materials):
        await ensure_checkin_series(session, cohort, now)
    codes = {d.code: _pk(d.id) for d in await deliverables.deliverables_of(session, cohort_id)}
    events = {
        name_key(e.title): _pk(e.id) for e in await agenda.events_of_cohort(session, cohort_id)
    }
    all_series = await agenda.running_series(session, cohort_id)
    rows = []
    for material in spec.materials:
        ref = None
        if material.event is not None:
            ref = event_ref(events[name_key(material.event)])
        elif material.session is not None:
            team_id = _pk(teams[material.team].id) if material.team else None
            ref = _session_ref(all_series, team_id, material.session)
            if ref is None:
                continue  # `read_materials` checked the date: a series has it
        rows.append(
            Material(
                cohort_id=cohort_id,
                ref=ref,
                deliverable_id=codes[material.deliverable] if material.deliverable else None,
                kind=material.kind,
                url=material.url,
                title=material.title,
                added_at=now,
            )
        )
    await add_materials(session, rows)


def _session_ref(all_series: Sequence[Series], team_id: int | None, day: date) -> str | None:
    """The reference of the session a series of the team (None: the weekly session) has on
    `day`."""
    kind = SeriesKind.CHECKIN if team_id is not None else SeriesKind.SESSION
    for series in all_series:
        dates = series_dates(series.first_date, series.last_date, series.interval_weeks)
        if series.team_id == team_id and series.kind == kind and day in set(dates):
            return series_ref(_pk(series.id), day)
    return None


def _people(spec: CohortSpec, known: Mapping[int, Person], now: datetime) -> list[Person]:
    """The person of each member: the one already known by an account, or a new one."""
    people: list[Person] = []
    for number, member_spec in enumerate(spec.members):
        person = known.get(number)
        if person is None:
            person = Person(
                display_name=member_spec.name,
                zone=member_spec.zone,
                locale=member_spec.locale,
                email=member_spec.email,
                created_at=now,
            )
        else:
            # What the person set for themselves wins; the file fills the gaps.
            person.zone = person.zone or member_spec.zone
            person.locale = person.locale or member_spec.locale
            person.email = person.email or member_spec.email
        people.append(person)
    return people


async def _add_series(
    session: AsyncSession,
    cohort_id: int,
    specs: tuple[SeriesSpec, ...],
    teams: Mapping[str, Team],
    now: datetime,
) -> None:
    for series_spec in specs:
        series = Series(
            cohort_id=cohort_id,
            kind=series_spec.kind,
            team_id=_pk(teams[series_spec.team].id) if series_spec.team else None,
            title=series_spec.title,
            weekday=series_spec.weekday,
            local_time=series_spec.local_time,
            zone=series_spec.zone,
            interval_weeks=series_spec.interval_weeks,
            first_date=series_spec.first_date,
            last_date=series_spec.last_date,
            duration_minutes=series_spec.duration_minutes,
            meeting_url=series_spec.meeting_url,
            created_at=now,
        )
        await agenda.add_series(session, [series])
        series_id = _pk(series.id)
        zone = ZoneInfo(series_spec.zone)
        await agenda.add_series_changes(
            session,
            [
                SeriesChange(
                    series_id=series_id,
                    original_date=change.original_date,
                    cancelled=change.cancelled,
                    new_start=None
                    if change.new_start is None
                    else change.new_start.replace(tzinfo=zone).astimezone(UTC),
                )
                for change in series_spec.changes
            ],
        )


async def _add_deliverables(
    session: AsyncSession,
    cohort_id: int,
    spec: CohortSpec,
    teams: Mapping[str, Team],
    now: datetime,
) -> None:
    for position, deliverable_spec in enumerate(spec.deliverables, start=1):
        deliverable = await deliverables.add_deliverable(
            session,
            Deliverable(
                cohort_id=cohort_id,
                code=deliverable_spec.code,
                title=deliverable_spec.title,
                description=deliverable_spec.description,
                template_url=deliverable_spec.template_url,
                rdc7=deliverable_spec.rdc7,
                rdc8=deliverable_spec.rdc8,
                optional=deliverable_spec.optional,
                due_week=deliverable_spec.due_week,
                due_date=deliverable_spec.due_date,
                all_teams=not deliverable_spec.teams,
                position=position,
                created_at=now,
            ),
        )
        if deliverable_spec.teams:
            team_ids = [_pk(teams[name].id) for name in deliverable_spec.teams]
            await set_assignment(session, deliverable, team_ids)


async def _check_free(session: AsyncSession, spec: CohortSpec) -> None:
    """The invite code and the chats must not belong to another cohort yet."""
    taken = await cohorts.cohort_by_invite(session, spec.invite_code)
    if taken is not None:
        raise CohortFileError(
            INVITE_CODE_TAKEN,
            field="cohort.invite_code",
            value=spec.invite_code,
            cohort=taken.name,
        )
    if spec.registration is not None:
        taken = await cohort_by_registration_code(session, spec.registration.code)
        if taken is not None:
            raise CohortFileError(
                REGISTRATION_CODE_TAKEN,
                field="cohort.registration.code",
                value=spec.registration.code,
                cohort=taken.name,
            )
    for number, chat in enumerate(spec.chats, start=1):
        owner = await cohorts.cohort_for_chat(session, chat.platform, chat.chat_id)
        if owner is not None:
            raise CohortFileError(
                CHAT_TAKEN,
                field=f"chats[{number}].chat_id",
                value=chat.chat_id,
                platform=chat.platform.value,
                cohort=owner.name,
            )


async def _known_people(
    session: AsyncSession, members: tuple[MemberSpec, ...]
) -> tuple[dict[int, Person], set[tuple[str, str]]]:
    """People already known by an account in the file, and those known accounts.

    The people are keyed by member position, counting from 0. Raises
    `CohortFileError` when one member's accounts belong to different people,
    or when two members are the same known person.
    """
    external_ids = sorted(
        {external_id for member in members for _, external_id in member.identities()}
    )
    rows = await accounts_with_people(session, external_ids)
    owners = {(identity.platform, identity.external_id): person for identity, person in rows}

    known: dict[int, Person] = {}
    claimed: dict[int, str] = {}
    for number, member in enumerate(members):
        for platform, external_id in member.identities():
            owner = owners.get((platform, external_id))
            if owner is None:
                continue
            field = f"members[{number + 1}].{platform.value}"
            found = known.setdefault(number, owner)
            if found.id != owner.id:
                raise CohortFileError(
                    IDENTITY_CONFLICT,
                    field=field,
                    value=external_id,
                    platform=platform.value,
                    person=owner.display_name,
                )
            other = claimed.setdefault(_pk(owner.id), f"members[{number + 1}]")
            if other != f"members[{number + 1}]":
                raise CohortFileError(
                    SAME_PERSON,
                    field=field,
                    value=external_id,
                    platform=platform.value,
                    person=owner.display_name,
                    other=other,
                )
    return known, set(owners)


def _pk(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value
