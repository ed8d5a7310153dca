"""After a cohort's sprint: what its members may still do. Reading answers (with a note
that the sprint has ended); changes are refused, except to coordinators — and once the
cohort is archived, to everyone. The router applies it to every command and button;
each declares whether it reads (`Router.command(..., after_end=True)`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.locales import N_
from cohorte.storage.cohorts import CohortState, cohort_state


class SprintEndedError(CohortError):
    """A change asked of a cohort whose sprint has ended, by someone who does not
    coordinate it."""

    message = N_(
        "The sprint has ended: nothing can be changed any more. You can still read "
        "/estado, /proximas and /misdatos."
    )


def has_ended(ctx: Context) -> bool:
    """Whether the cohort in context has ended or is archived (`cohort_state`), on the
    date of its home zone."""
    cohort = ctx.cohort
    if cohort is None:
        return False
    today = ctx.clock.now().astimezone(ZoneInfo(cohort.home_zone)).date()
    return cohort_state(cohort, today) in (CohortState.ENDED, CohortState.ARCHIVED)


class ArchivedError(CohortError):
    """A change asked of an archived cohort: it only answers for reading."""

    message = N_("This cohort is archived: it only answers for reading.")


def refuse_changes_after_end(ctx: Context, reads: bool) -> None:
    """Refuse what is not a reading: in an ended cohort to anyone but its coordinators
    (`SprintEndedError`), in an archived one to everyone (`ArchivedError`)."""
    if reads or not has_ended(ctx):
        return
    assert ctx.cohort is not None
    if ctx.cohort.archived_at is not None:
        raise ArchivedError()
    if not ctx.is_coordinator:
        raise SprintEndedError()


def ended_note(ctx: Context) -> str:
    """The line a reading command's answer starts with in an ended cohort."""
    assert ctx.cohort is not None
    if ctx.cohort.archived_at is not None:
        return ctx.t._("The sprint has ended and its cohort is archived: this is for reading.")
    return ctx.t._("The sprint has ended: this is for reading.")
