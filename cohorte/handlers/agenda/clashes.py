"""Sessions at the same moment: the one rule, the calendar it is checked against, its words.

Two sessions clash when their [start, start + duration) intersect: one that
ends at 11:00 and one that starts at 11:00 do not. Every kind counts — the
weekly session, the Masterclasses, the Showtime and the check-ins of any team
(coordinators attend them all) — and cancelled sessions never clash. The poll
flags its slots with it (`poll.render`), confirming a slot checks it
(`poll.closing`), and `/sesion nueva|mover|semanal` ask before creating a
clash (`sessions`).

A weekly series that falls on one-off sessions (a Masterclass, the Showtime)
may skip those weeks: `skippable` tells which of its occurrences would go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import cohort_occurrences
from cohorte.handlers.core.messages import Button, button_rows
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import Occurrence, sprint_end, to_utc
from cohorte.storage.models import Cohort, EventKind

MAX_SHOWN = 4  # clash flags under one poll slot
# One-off sessions a weekly series gives way to.
_ONE_OFF = frozenset(kind.value for kind in EventKind)


class ClashChoice(StrEnum):
    """What a coordinator answers when told of a clash (as its buttons carry it)."""

    KEEP = "k"  # go ahead, clashes and all
    SKIP = "s"  # go ahead, without the weekly sessions that fall on a one-off session
    DROP = "n"  # leave things as they are


@dataclass(frozen=True)
class Clash:
    """A session about to be created (starting at `start`) and one already on the calendar."""

    start: datetime
    other: Occurrence


def overlaps(start: datetime, duration: timedelta, other: Occurrence) -> bool:
    """Whether [start, start + duration) intersects `other`'s time."""
    return start < other.ends_at and other.starts_at < start + duration


def find_clashes(
    candidates: Iterable[tuple[datetime, timedelta]], calendar: Sequence[Occurrence]
) -> list[Clash]:
    """Every (candidate, session on the calendar) pair that overlaps, earliest first."""
    found = [
        Clash(start, other)
        for start, duration in candidates
        for other in calendar
        if not other.cancelled and overlaps(start, duration, other)
    ]
    return sorted(found, key=lambda clash: (clash.start, clash.other.starts_at, clash.other.ref))


def skippable(clashes: Sequence[Clash]) -> list[datetime]:
    """The starts of the weekly occurrences that fall on a Masterclass or the Showtime."""
    return sorted({clash.start for clash in clashes if clash.other.kind in _ONE_OFF})


async def sprint_calendar(
    session: AsyncSession,
    cohort: Cohort,
    *,
    without_weekly: bool = False,
    without: str | None = None,
) -> list[Occurrence]:
    """The cohort's sessions over the whole sprint, every team's check-ins included, that a
    new session could clash with: without the weekly series (`without_weekly`, when a new
    weekly time replaces it) or without the occurrence `without` (the one being moved)."""
    home = cohort.home_zone
    start = to_utc(cohort.start_date, time(0), home)
    end = to_utc(sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=1), time(0), home)
    return [
        occurrence
        for occurrence in await cohort_occurrences(session, cohort, start, end)
        if occurrence.ref != without and not (without_weekly and occurrence.kind == "session")
    ]


# -- in words ---------------------------------------------------------------------------


def _day(t: Translator, instant: datetime, zone: str) -> str:
    return t.date(instant.astimezone(ZoneInfo(zone)).date())


def _what(t: Translator, other: Occurrence, team_names: dict[int, str], day: str) -> str:
    """'la Masterclass “Datos abiertos” del martes, 17 de marzo'."""
    if other.kind == EventKind.MASTERCLASS:
        return t._("the Masterclass “{title}” on {date}", title=other.title, date=day)
    if other.kind == EventKind.SHOWTIME:
        return t._("the Showtime “{title}” on {date}", title=other.title, date=day)
    if other.kind == "checkin":
        team = team_names.get(other.team_id or 0, "?")
        return t._("the {team} team's check-in on {date}", team=team, date=day)
    return t._("the weekly session on {date}", date=day)


def _what_repeated(
    t: Translator, other: Occurrence, team_names: dict[int, str], day: str, times: int
) -> str:
    """'la sesión de acompañamiento del equipo Bogotá (6 veces, desde el jueves, 5 de marzo)'."""
    if other.kind == "checkin":
        return t.ngettext(
            "the {team} team's check-in ({n} time, from {date})",
            "the {team} team's check-in ({n} times, from {date})",
            times,
            team=team_names.get(other.team_id or 0, "?"),
            date=day,
        )
    return t.ngettext(
        "the weekly session ({n} time, from {date})",
        "the weekly session ({n} times, from {date})",
        times,
        date=day,
    )


def clash_phrases(
    t: Translator, clashes: Sequence[Clash], zone: str, team_names: dict[int, str]
) -> list[str]:
    """What each clash is with, one phrase per session or series, by date in `zone`:
    'la Masterclass “Datos abiertos” del martes, 17 de marzo'."""
    groups: dict[str, list[Clash]] = {}
    for clash in clashes:
        other = clash.other
        key = f"s{other.series_id}" if other.series_id is not None else other.ref
        groups.setdefault(key, []).append(clash)
    phrases = []
    for found in groups.values():
        other = found[0].other
        day = _day(t, other.starts_at, zone)
        if len(found) == 1 or other.series_id is None:
            phrases.append(_what(t, other, team_names, day))
        else:
            phrases.append(_what_repeated(t, other, team_names, day, len(found)))
    return phrases


def skipped_days(t: Translator, starts: Iterable[datetime], zone: str) -> str:
    """'martes, 17 de marzo; martes, 14 de abril'."""
    return "; ".join(_day(t, start, zone) for start in sorted(starts))


def local_dates(starts: Iterable[datetime], zone: str) -> list[date]:
    """The local dates of these instants in `zone` (a series' original dates)."""
    return sorted({start.astimezone(ZoneInfo(zone)).date() for start in starts})


def clash_flags(
    t: Translator, clashes: Sequence[Clash], zone: str, team_names: dict[int, str]
) -> list[str]:
    """A poll slot's flags: '⚠️ A la misma hora que la Masterclass “…” del martes, 17 de marzo.'"""
    phrases = clash_phrases(t, clashes, zone, team_names)
    lines = [t._("⚠️ Clashes with {what}.", what=phrase) for phrase in phrases[:MAX_SHOWN]]
    if len(phrases) > MAX_SHOWN:
        more = len(phrases) - MAX_SHOWN
        lines.append(t.ngettext("…and {n} more clash", "…and {n} more clashes", more))
    return lines


def clash_question(
    t: Translator,
    header: str,
    clashes: Sequence[Clash],
    zone: str,
    team_names: dict[int, str],
    question: str,
    *,
    weekly: bool = False,
) -> str:
    """`header`, what each clash is with, for a weekly series the weeks it could skip, and
    `question` (answered with `clash_buttons`)."""
    lines = [header, *(f"• {phrase}" for phrase in clash_phrases(t, clashes, zone, team_names))]
    skip = skippable(clashes) if weekly else []
    if skip:
        lines.append(
            t.ngettext(
                "The weekly session on this day falls on a Masterclass or the Showtime: "
                "{dates}. You can skip it, or move it later with /sesion mover CODE.",
                "The weekly sessions on these days fall on a Masterclass or the Showtime: "
                "{dates}. You can skip them, or move them later with /sesion mover CODE.",
                len(skip),
                dates=skipped_days(t, skip, zone),
            )
        )
    lines.append(question)
    return "\n".join(lines)


def clash_buttons(
    t: Translator,
    payload: Callable[[ClashChoice], str],
    clashes: Sequence[Clash],
    *,
    weekly: bool = False,
    drop: bool = True,
) -> tuple[tuple[Button, ...], ...]:
    """The answers to `clash_question`: skip the weeks on one-off sessions (a weekly
    series that has some), go ahead anyway, or (with `drop`) leave things as they are."""
    skip = len(skippable(clashes)) if weekly else 0
    buttons = []
    if skip:
        label = t.ngettext(
            "✅ Yes, without that session", "✅ Yes, without those {n} sessions", skip
        )
        buttons.append(Button(label, payload(ClashChoice.SKIP)))
    keep = t._("Yes, keeping every session") if skip else t._("Yes, anyway")
    buttons.append(Button(keep, payload(ClashChoice.KEEP)))
    if drop:
        buttons.append(Button(t._("No, leave it"), payload(ClashChoice.DROP)))
    return button_rows(buttons, per_row=1)
