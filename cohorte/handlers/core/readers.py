"""Who reads a message, and so in which language and on which clock.

One rule for everything the bot writes: an answer in a chat, a scheduled
message, the Slack App Home tab, a group greeting, a calendar feed. A person
reads in their own language, else their cohort's; on their own clock, else
their team's, else the one their platform reports, else the cohort's home
zone. A group reads in its cohort's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.locales import Translator
from cohorte.storage.cohorts import places_of_member
from cohorte.storage.models import Cohort, Member, Person, Platform, Team
from cohorte.storage.people import sender

DEFAULT_ZONE = "America/Bogota"


def reader_zone(
    person: Person | None,
    team: Team | None,
    cohort: Cohort | None,
    platform_zone: str | None = None,
) -> str:
    """Whose clock a person reads: their own zone, else their team's, else the one
    their platform reports (Slack profiles), else the cohort's home zone."""
    if person is not None and person.zone:
        return person.zone
    if team is not None:
        return team.zone
    if platform_zone:
        return platform_zone
    return cohort.home_zone if cohort is not None else DEFAULT_ZONE


def reader_locale(person: Person | None, cohort: Cohort | None) -> str | None:
    """The language a reader reads: their own, else their cohort's (None: the default)."""
    return (person.locale if person else None) or (cohort.locale if cohort else None)


@dataclass(frozen=True)
class Reader:
    """A reader (a person, or a group when `person` is None) with their language and zone."""

    person: Person | None
    member: Member | None
    team: Team | None
    cohort: Cohort | None
    locale: str | None
    zone: str
    t: Translator


def reader_of(
    person: Person | None = None,
    member: Member | None = None,
    team: Team | None = None,
    cohort: Cohort | None = None,
    *,
    platform_zone: str | None = None,
    translator: Callable[[str | None], Translator] = Translator,
) -> Reader:
    """The reader these rows describe. `translator` lets a batch share its translators."""
    locale = reader_locale(person, cohort)
    zone = reader_zone(person, team, cohort, platform_zone)
    return Reader(person, member, team, cohort, locale, zone, translator(locale))


async def account_reader(
    session: AsyncSession,
    platform: Platform,
    external_id: str,
    today: date,
    platform_zone: str | None = None,
) -> Reader:
    """The reader behind a platform account: the person and the cohort of their private
    chats (`people.sender`; everything None for a stranger)."""
    found = await sender(session, platform, external_id, None, today)
    return reader_of(
        found.person, found.member, found.team, found.cohort, platform_zone=platform_zone
    )


async def member_reader(session: AsyncSession, member: Member) -> Reader:
    """The reader of one membership: its person, cohort and team."""
    person, cohort, team = await places_of_member(session, member)
    return reader_of(person, member, team, cohort)


def with_cohort_name(t: Translator, cohort: Cohort, text: str) -> str:
    """`text` headed by the cohort's name, for a reader who belongs to several active
    cohorts (unless it names the cohort already): answers, reminders and digests."""
    if not text or cohort.name in text:
        return text
    heading = t._("[{cohort}]", cohort=cohort.name)
    return f"{heading}\n{text}"


def shown_name(t: Translator, person: Person, team: str | None) -> str:
    """How a person is named to others: their name, or, for the anonymous stand-in of
    someone forgotten (`Person.forgotten_at`), "someone from the Bogotá team" (`team`: the
    team's name) in the reader's language."""
    if person.forgotten_at is None:
        return person.display_name
    if team:
        return t.plain._("someone from the {team} team", team=team)
    return t.plain._("someone from the cohort")
