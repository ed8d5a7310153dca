"""Importing attendance from a meeting tool's participant report (Zoom, Google Meet).

`report` reads the file (layouts, encodings, limits), `matching` finds the
member each person is, `importing` records attendance and says what it did,
`chat` is the conversation: the file sent in chat, `/importar`, the buttons
that settle what the report left open. The CLI (`cohorte attendance import`)
uses `importing` too.
"""

from __future__ import annotations

from cohorte.handlers.attendance.imports.chat import (
    NOT_OURS,
    PICK,
    SESSION,
    import_command,
    press_not_ours,
    press_pick,
    press_session,
    receive_report,
)
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """Files sent to the bot, `/importar` and the import's buttons."""
    router.attachment(receive_report)
    router.command(
        ("importar", "import"),
        import_command,
        N_("import attendance from a Zoom or Meet participant report (send the CSV)"),
        coordinator_only=True,
    )
    router.button(SESSION, press_session)
    router.button(PICK, press_pick)
    router.button(NOT_OURS, press_not_ours)
