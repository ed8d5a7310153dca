"""The buttons (and form submits) of deliverable status, each declared once.

The payload texts are those of the buttons already sent to chats, so they keep
working: `stl`, `std:<deliverable>`, `sts:<deliverable>:<n|p|b|d>`,
`sta:<draft>:<deliverable>`, `stn:<update>`, `stnf:<update>`, `stf`,
`stc:<check-in>`, `stcf:<check-in>`, `stb:<deliverable>`. A check-in is written
as its reference code (`s3/2025-05-06`, see `recurrence.ref_code`): one field,
no colon.
"""

from __future__ import annotations

from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute, NoFields, of_field, of_row, of_session
from cohorte.handlers.status.rules import StatusCode
from cohorte.scheduling.recurrence import code_ref, ref_code


class OfDeliverable(NamedTuple):
    deliverable: int


class StatusChoice(NamedTuple):
    deliverable: int
    code: StatusCode


class DraftChoice(NamedTuple):
    draft: int
    deliverable: int


class OfCohort(NamedTuple):
    cohort: int


class OfUpdate(NamedTuple):
    update: int


class OfCheckin(NamedTuple):
    code: str  # the check-in's reference code

    @classmethod
    def of(cls, ref: str) -> OfCheckin:
        """The fields naming the check-in occurrence `ref`."""
        return cls(ref_code(ref))

    @property
    def ref(self) -> str:
        """The check-in occurrence's reference."""
        return code_ref(self.code)


# "Report progress" (a nudge) / "Another deliverable": of the cohort it came from, also
# when pressed later by someone who uses another one in private meanwhile.
REPORT = ButtonRoute("stk", OfCohort, cohort=of_field("cohort"))
OLD_REPORT = ButtonRoute("stl", NoFields)  # the same, on messages sent before it named one
PICK_DELIVERABLE = ButtonRoute("std", OfDeliverable, cohort=of_row("deliverable", "deliverable"))
PICK_STATUS = ButtonRoute("sts", StatusChoice, cohort=of_row("deliverable", "deliverable"))
RESOLVE_DRAFT = ButtonRoute("sta", DraftChoice, cohort=of_row("status_draft", "draft"))
ASK_NOTE = ButtonRoute("stn", OfUpdate, cohort=of_row("update", "update"))
SUBMIT_NOTE = ButtonRoute("stnf", OfUpdate, cohort=of_row("update", "update"))  # the note form
SUBMIT_REPORT = ButtonRoute("stf", NoFields)  # the report form
OPEN_CHECKIN = ButtonRoute("stc", OfCheckin, cohort=of_session())
SUBMIT_CHECKIN = ButtonRoute("stcf", OfCheckin, cohort=of_session())  # the check-in form
CONFIRM_DELETE = ButtonRoute("stb", OfDeliverable, cohort=of_row("deliverable", "deliverable"))
