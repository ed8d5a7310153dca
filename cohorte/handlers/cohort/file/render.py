"""Writing a `CohortSpec` as cohort-file TOML, in the documented order and form
(`examples/sprint-2025.toml`), leaving out what says nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import tomli_w

from cohorte.handlers.cohort.file.spec import DEFAULT_NUDGE_AFTER_DAYS, CohortSpec, SeriesSpec
from cohorte.handlers.lang.dates import weekday_name
from cohorte.storage.feedback import DEFAULT_FEEDBACK_KINDS
from cohorte.storage.materials import MaterialKind
from cohorte.storage.series import SeriesKind


def _feedback(spec: CohortSpec) -> dict[str, object] | None:
    """`feedback = { kinds = […], question = "…" }`, only with what differs from the
    defaults (`kinds = []`: no session asks)."""
    value: dict[str, object] = {}
    if spec.feedback_kinds != DEFAULT_FEEDBACK_KINDS:
        value["kinds"] = list(spec.feedback_kinds)
    if spec.feedback_question:
        value["question"] = spec.feedback_question
    return value or None


def _deadline(deadline: datetime | None, home_zone: str) -> date | datetime | None:
    """The deadline as a person writes it: a day (until its end) in the home zone, or
    the local date and time there."""
    if deadline is None:
        return None
    local = deadline.astimezone(ZoneInfo(home_zone)).replace(tzinfo=None)
    if local.time() == time():
        return local.date() - timedelta(days=1)
    return local


def render_cohort_file(spec: CohortSpec) -> str:
    """A `CohortSpec` as cohort-file TOML, one `[[block]]` per chat, team, member, event,
    series, deliverable and material."""
    sections = [
        "# Cohort file for `cohorte cohort import`; "
        "the format is explained in examples/sprint-2025.toml.\n",
        _block(
            "[cohort]",
            {
                "name": spec.name,
                "home_zone": spec.home_zone,
                "locale": spec.locale,
                "start_date": spec.start_date,
                "weeks": spec.weeks,
                "invite_code": spec.invite_code,
                "meeting_url": spec.meeting_url,
                "session_name": spec.session_name or None,
                "checkin_questions": list(spec.checkin_questions) or None,
                "nudge_after_days": None
                if spec.nudge_after_days == DEFAULT_NUDGE_AFTER_DAYS
                else spec.nudge_after_days,
                "reminder_leads": {kind: list(minutes) for kind, minutes in spec.reminder_leads}
                or None,
                "feedback": _feedback(spec),
            },
        ),
    ]
    if spec.registration is not None:
        registration = spec.registration
        sections.append(
            _block(
                "[cohort.registration]",
                {
                    "open": registration.open,
                    "code": registration.code,
                    "deadline": _deadline(registration.deadline, spec.home_zone),
                    "places": registration.places,
                    "places_per_team": registration.places_per_team,
                },
            )
        )
    for chat in spec.chats:
        sections.append(
            _block(
                "[[chats]]",
                {"platform": chat.platform.value, "chat_id": chat.chat_id, "title": chat.title},
            )
        )
    for team in spec.teams:
        checkin = None
        if team.checkin_weekday is not None and team.checkin_time is not None:
            checkin = {
                "weekday": weekday_name(team.checkin_weekday, spec.locale),
                "time": f"{team.checkin_time:%H:%M}",
            }
        sections.append(
            _block(
                "[[teams]]",
                {
                    "name": team.name,
                    "city": team.city,
                    "country": team.country,
                    "zone": team.zone,
                    "checkin": checkin,
                },
            )
        )
    for member in spec.members:
        sections.append(
            _block(
                "[[members]]",
                {
                    "name": member.name,
                    "team": member.team,
                    "role": member.role.value,
                    "zone": member.zone,
                    "locale": member.locale,
                    "dm_reminders": None if member.dm_reminders else False,
                    "email": member.email,
                    "console": member.console,
                    "telegram": member.telegram,
                    "slack": member.slack,
                },
            )
        )
    for event in spec.events:
        sections.append(
            _block(
                "[[events]]",
                {
                    "kind": event.kind.value,
                    "title": event.title,
                    "start": event.start,
                    "duration_minutes": event.duration_minutes,
                    "meeting_url": event.meeting_url,
                    "description": event.description,
                    "cancelled": event.cancelled or None,
                },
            )
        )
    for series in spec.series:
        sections.append(_series_block(series, spec))
    for deliverable in spec.deliverables:
        sections.append(
            _block(
                "[[deliverables]]",
                {
                    "code": deliverable.code,
                    "title": deliverable.title,
                    "description": deliverable.description,
                    "template_url": deliverable.template_url,
                    "rdc": deliverable.rdc or None,
                    "due_week": deliverable.due_week,
                    "due_date": deliverable.due_date,
                    "optional": deliverable.optional or None,
                    "teams": list(deliverable.teams) or None,
                },
            )
        )
    for material in spec.materials:
        sections.append(
            _block(
                "[[materials]]",
                {
                    "title": material.title,
                    "url": material.url,
                    "kind": None if material.kind is MaterialKind.LINK else material.kind.value,
                    "deliverable": material.deliverable,
                    "event": material.event,
                    "session": material.session,
                    "team": material.team,
                },
            )
        )
    return "\n".join(sections)


def _series_block(series: SeriesSpec, spec: CohortSpec) -> str:
    changes = [
        {"date": change.original_date, "cancelled": True}
        if change.cancelled
        else {"date": change.original_date, "start": change.new_start}
        for change in series.changes
    ]
    return _block(
        "[[series]]",
        {
            "kind": series.kind.value,
            "team": series.team,
            # Left out, a weekly session is named by the cohort's `session_name`.
            "title": None if series.title == _default_title(series, spec) else series.title or None,
            "weekday": weekday_name(series.weekday, spec.locale),
            "time": f"{series.local_time:%H:%M}",
            "zone": series.zone,
            "interval_weeks": series.interval_weeks,
            "first_date": series.first_date,
            "last_date": series.last_date,
            "duration_minutes": series.duration_minutes,
            # Left out, the link is the cohort's (see `read_series`).
            "meeting_url": None if series.meeting_url == spec.meeting_url else series.meeting_url,
            "changes": changes or None,
        },
    )


def _default_title(series: SeriesSpec, spec: CohortSpec) -> str:
    """The title `read_series` gives a series whose block has none."""
    return spec.session_name if series.kind is SeriesKind.SESSION else ""


def _block(header: str, fields: Mapping[str, object]) -> str:
    """A TOML table with its fields in the given order; None fields are left out."""
    lines = [header]
    lines += [f"{key} = {_literal(value)}" for key, value in fields.items() if value is not None]
    return "\n".join(lines) + "\n"


def _literal(value: object) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(f"{key} = {_literal(item)}" for key, item in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        items = [_literal(item) for item in value]
        inline = "[" + ", ".join(items) + "]"
        if len(inline) <= 80:
            return inline
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    if isinstance(value, datetime):
        # tomli_w writes "2025-05-06 10:00:00"; the documented form has the T.
        return value.replace(tzinfo=None).isoformat()
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")
