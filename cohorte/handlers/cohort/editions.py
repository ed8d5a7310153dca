"""New editions of a programme, and programme templates: the database part.

`new_edition` makes a cohort from another cohort (by id) or from a cohort file's spec
on a new start date; the dates come from `edition_plan` (pure), the writing from the
cohort file's `import_cohort` (the feedback settings too: a file carries them), and
this module adds what a file does not carry: the programme's materials (every kind
but recordings, re-keyed to the new sessions and deliverables) and — when the source
has no weekly session —
its last meeting-time poll, left open for the new cohort. `programme_template` writes a
cohort's programme as a cohort file, through the cohort file's own export.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import ensure_checkin_series
from cohorte.handlers.cohort.edition_plan import EditionPlan, Notice, plan_edition, programme_of
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import spec_of
from cohorte.handlers.cohort.file.messages import (
    BAD_INVITE_CODE,
    COHORT_NOT_FOUND,
    INVITE_CODE_TAKEN,
    CohortFileError,
)
from cohorte.handlers.cohort.file.read import INVITE_CODE
from cohorte.handlers.cohort.file.render import render_cohort_file
from cohorte.handlers.cohort.file.spec import CohortSpec
from cohorte.locales import N_
from cohorte.scheduling.recurrence import event_ref, parse_ref, series_ref
from cohorte.storage import agenda, cohorts, polls
from cohorte.storage.deliverables import deliverables_of
from cohorte.storage.materials import Material, MaterialKind, add_materials, materials_of
from cohorte.storage.models import Cohort, Member
from cohorte.storage.series import Series

# Invite codes the bot makes: no 0/O or 1/I, which people mix up when they type them.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_TRIES = 20

POLL_LEFT_OPEN = N_(
    "The programme has no weekly session: the poll “{title}” ({n} times) is open in the "
    "new cohort; people answer it with /votar and a coordinator closes it with "
    "/encuesta cerrar."
)
NO_WEEKLY_SESSION = N_(
    "The programme has no weekly session and no poll to copy: a coordinator opens one "
    "with /encuesta nueva."
)
MATERIALS_LEFT_OUT = N_("Materials left out because their session is not in the new edition: {n}.")


@dataclass(frozen=True)
class Edition:
    """A new edition just made (not committed yet): the cohort, what it got, and the
    notices a person must read (holidays, DST, beyond the end, the weekly session)."""

    cohort: Cohort
    source_name: str
    shift_weeks: int
    events: int
    series: int
    teams: int
    members: int
    deliverables: int
    materials: int
    notices: tuple[Notice, ...]

    @property
    def cohort_id(self) -> int:
        return _pk(self.cohort.id)


async def new_edition(
    session: AsyncSession,
    source: int | CohortSpec,
    start: date,
    now: datetime,
    *,
    name: str | None = None,
    invite_code: str | None = None,
    with_teams: bool = False,
    with_people: bool = False,
) -> Edition:
    """Make a new edition of `source` (a cohort id, or a cohort file's spec) from `start`.

    Without `invite_code` a new random one is chosen; a given one is checked and must be
    free. Teams come only `with_teams`, people (memberships and roles, never their votes,
    reports or attendance) only `with_people`. Raises `EditionError` (not a Monday, people
    without teams) and `CohortFileError` (no such cohort, a bad or taken code). The
    caller commits.
    """
    old: Cohort | None = None
    if isinstance(source, int):
        old = await cohorts.cohort_by_id(session, source)
        if old is None:
            raise CohortFileError(COHORT_NOT_FOUND, cohort_id=source)
        spec = await spec_of(session, old)
    else:
        spec = source
    code = await _invite_code(session, invite_code)
    plan = plan_edition(
        spec, start, code, name=name, with_teams=with_teams, with_people=with_people
    )
    # A cohort's own people are its members' people, accounts or not: their memberships
    # are copied as they are; a file's people are found by their accounts (the import).
    cohort = await import_cohort(
        session, plan.spec if old is None else replace(plan.spec, members=()), now
    )
    notices = list(plan.notices)
    if with_teams:
        await ensure_checkin_series(session, cohort, now)
    materials = 0
    if old is not None:
        if with_people:
            await _copy_memberships(session, old, cohort, now)
        materials, left_out = await _copy_materials(session, old, cohort, plan, with_people)
        if left_out:
            notices.append(Notice(MATERIALS_LEFT_OUT, {"n": left_out}))
    if not plan.has_weekly_session:
        notices.append(await _leave_poll(session, old, cohort, now))
    await session.flush()
    return Edition(
        cohort=cohort,
        source_name=spec.name,
        shift_weeks=plan.shift_weeks,
        events=len(plan.spec.events),
        series=len(await agenda.running_series(session, _pk(cohort.id))),
        teams=len(plan.spec.teams),
        members=len(plan.spec.members),
        deliverables=len(plan.spec.deliverables),
        materials=materials,
        notices=tuple(notices),
    )


async def _copy_memberships(
    session: AsyncSession, old: Cohort, cohort: Cohort, now: datetime
) -> None:
    """The same people in the new cohort, with their roles, preferences and teams (by
    name); nothing of what they did in the old one."""
    teams = {team.name: team.id for team in await cohorts.teams_of(session, _pk(cohort.id))}
    old_teams = {team.id: team.name for team in await cohorts.teams_of(session, _pk(old.id))}
    await cohorts.add_members(
        session,
        [
            Member(
                cohort_id=_pk(cohort.id),
                person_id=member.person_id,
                team_id=teams.get(old_teams.get(member.team_id, "")),
                role=member.role,
                dm_reminders=member.dm_reminders,
                joined_at=now,
            )
            for member, _ in await cohorts.members_as_added(session, _pk(old.id))
        ],
    )


async def programme_template(session: AsyncSession, cohort_id: int) -> str:
    """The cohort's programme as a cohort file, without its people and run data, with a
    fresh invite code (so that the file can be imported as it is). `CohortFileError` if
    there is no such cohort."""
    cohort = await cohorts.cohort_by_id(session, cohort_id)
    if cohort is None:
        raise CohortFileError(COHORT_NOT_FOUND, cohort_id=cohort_id)
    spec = await spec_of(session, cohort)
    return render_cohort_file(programme_of(spec, await _invite_code(session, None)))


async def _invite_code(session: AsyncSession, wanted: str | None) -> str:
    """The code given (checked and free), or a new random one nobody uses."""
    if wanted is not None:
        code = wanted.strip().upper()
        if not INVITE_CODE.fullmatch(code):
            raise CohortFileError(BAD_INVITE_CODE, field="--code", value=wanted)
        taken = await cohorts.cohort_by_invite(session, code)
        if taken is not None:
            raise CohortFileError(INVITE_CODE_TAKEN, value=code, cohort=taken.name)
        return code
    for _ in range(_CODE_TRIES):
        letters = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        code = f"{letters[:4]}-{letters[4:]}"
        if await cohorts.cohort_by_invite(session, code) is None:
            return code
    raise RuntimeError("no free invite code found")


async def _leave_poll(
    session: AsyncSession, old: Cohort | None, cohort: Cohort, now: datetime
) -> Notice:
    """The source's last weekly-session poll, opened again (no deadline) in the new
    cohort; or the notice that a coordinator must open one."""
    last = (
        None
        if old is None
        else await polls.latest_poll_of(session, _pk(old.id), polls.WEEKLY_SESSION)
    )
    slots = [] if last is None else await polls.slots_of(session, _pk(last.id))
    if last is None or not slots:
        return Notice(NO_WEEKLY_SESSION)
    poll_id = await polls.open_new_poll(
        session,
        cohort_id=_pk(cohort.id),
        purpose=polls.WEEKLY_SESSION,
        title=last.title,
        zone=cohort.home_zone,
        duration_minutes=last.duration_minutes,
        deadline=None,
        created_by=None,
        now=now,
    )
    assert poll_id is not None  # a cohort made just now has no open poll
    await polls.add_slots(session, poll_id, [(slot.weekday, slot.local_time) for slot in slots])
    return Notice(POLL_LEFT_OPEN, {"title": last.title, "n": len(slots)})


async def _copy_materials(
    session: AsyncSession, old: Cohort, cohort: Cohort, plan: EditionPlan, with_people: bool
) -> tuple[int, int]:
    """Copy the programme's materials (not recordings); (copied, left out)."""
    events = await _event_ids(session, old, cohort, plan)
    series = await _series_ids(session, old, cohort, plan.shift)
    deliverables = await _deliverable_ids(session, old, cohort)
    copies: list[Material] = []
    left_out = 0
    for material in await materials_of(session, _pk(old.id)):
        if material.kind == MaterialKind.RECORDING:
            continue
        ref, deliverable_id = material.ref, material.deliverable_id
        if deliverable_id is not None:
            deliverable_id = deliverables.get(deliverable_id)
            if deliverable_id is None:
                left_out += 1
                continue
        if ref is not None:
            ref = _new_ref(ref, events, series, plan.shift)
            if ref is None:
                left_out += 1
                continue
        copies.append(
            Material(
                cohort_id=_pk(cohort.id),
                ref=ref,
                deliverable_id=deliverable_id,
                kind=material.kind,
                url=material.url,
                title=material.title,
                added_by=material.added_by if with_people else None,
                added_at=material.added_at,
            )
        )
    await add_materials(session, copies)
    return len(copies), left_out


def _new_ref(
    ref: str, events: Mapping[int, int], series: Mapping[int, int], shift: timedelta
) -> str | None:
    """The new edition's reference for an old occurrence reference, if it has that session."""
    try:
        kind, number, day = parse_ref(ref)
    except ValueError:
        return None
    if kind == "e":
        new_event = events.get(number)
        return None if new_event is None else event_ref(new_event)
    new_series = series.get(number)
    if new_series is None or day is None:
        return None
    return series_ref(new_series, day + shift)


async def _event_ids(
    session: AsyncSession, old: Cohort, cohort: Cohort, plan: EditionPlan
) -> dict[int, int]:
    """Old event id -> new event id, through the order the export and the import keep."""
    old_events = await agenda.events_of_cohort(session, _pk(old.id))
    new_events = await agenda.events_of_cohort(session, _pk(cohort.id))
    return {
        _pk(old_events[source].id): _pk(new.id)
        for source, new in zip(plan.kept_events, new_events, strict=True)
    }


async def _series_ids(
    session: AsyncSession, old: Cohort, cohort: Cohort, shift: timedelta
) -> dict[int, int]:
    """Old running series id -> the new series that has the same sessions, shifted."""
    new_keys: dict[tuple[object, ...], int] = {}
    for series in await agenda.running_series(session, _pk(cohort.id)):
        new_keys[await _series_key(session, series, timedelta())] = _pk(series.id)
    found = {}
    for series in await agenda.running_series(session, _pk(old.id)):
        new_id = new_keys.get(await _series_key(session, series, shift))
        if new_id is not None:
            found[_pk(series.id)] = new_id
    return found


async def _series_key(
    session: AsyncSession, series: Series, shift: timedelta
) -> tuple[object, ...]:
    team = None if series.team_id is None else await cohorts.team_by_id(session, series.team_id)
    when: tuple[int, time, str, int] = (
        series.weekday,
        series.local_time,
        series.zone,
        series.interval_weeks,
    )
    return (series.kind, team.name if team else None, *when, series.first_date + shift)


async def _deliverable_ids(session: AsyncSession, old: Cohort, cohort: Cohort) -> dict[int, int]:
    """Old deliverable id -> the new one with the same code."""
    new = {item.code: _pk(item.id) for item in await deliverables_of(session, _pk(cohort.id))}
    return {
        _pk(item.id): new[item.code]
        for item in await deliverables_of(session, _pk(old.id))
        if item.code in new
    }


def _pk(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id")
    return value
