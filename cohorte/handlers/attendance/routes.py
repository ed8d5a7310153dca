"""The attendance's buttons, each declared once with its fields.

A session travels as the code people type ('e12', 's3/2025-05-06'), a member
as their row id; the longest payload (`am:2147483647:e:s2147483647/2025-05-06`)
stays well under Telegram's 64 bytes. Prefixes and field orders never change:
buttons already in people's chats must keep working.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute, of_session
from cohorte.locales import N_
from cohorte.storage.attendance import AttendanceStatus


class SessionCode(NamedTuple):
    """A session as a button carries it: its code."""

    code: str


class MarkCode(StrEnum):
    """The three states a coordinator marks, one letter each."""

    PRESENT = "p"
    ABSENT = "a"
    EXCUSED = "e"

    @property
    def status(self) -> AttendanceStatus:
        return {
            MarkCode.PRESENT: AttendanceStatus.PRESENT,
            MarkCode.ABSENT: AttendanceStatus.ABSENT,
            MarkCode.EXCUSED: AttendanceStatus.EXCUSED,
        }[self]


class RosterPage(NamedTuple):
    """One page of a session's roster (pages count from 1)."""

    page: int
    code: str


class PickMember(NamedTuple):
    """A member of a session's roster, to mark or correct."""

    member: int
    code: str


class Mark(NamedTuple):
    """A coordinator's mark: the member, the state, the session."""

    member: int
    mark: MarkCode
    code: str


HERE_BUSY = N_("I could not record your attendance right now. Press the button again in a moment.")

HERE = ButtonRoute("ah", SessionCode, busy=HERE_BUSY, cohort=of_session())  # "✋ Estoy aquí"
ROSTER_PAGE = ButtonRoute("arp", RosterPage, cohort=of_session())  # another page of the roster
PICK = ButtonRoute(
    "apk", PickMember, cohort=of_session()
)  # a person of the roster: asks for the state
MARK = ButtonRoute("am", Mark, cohort=of_session())  # present / absent / excused, by a coordinator
