"""The `cohorte` command line (typer). Help in Spanish, command names in English.

One module per command group: `run` (run, console), `status`, `db`, `cohort`, `deliveries`,
`person` (a person's data), `slack`, `poll`, `attendance` (attendance import), `export`
(export, and the files beside it: dashboard, calendar), `report` (the cohort report as
PDF), `admin` (the bot's administrators); `root` holds the root command and what they
share.
"""

from __future__ import annotations

import os

from cohorte.bot.cli import (
    admin,
    attendance,
    cohort,
    db,
    deliveries,
    export,
    person,
    poll,
    report,
    run,
    slack,
    status,
)
from cohorte.bot.cli.root import app

# In the order `cohorte --help` lists them: the commands, then the groups.
for group in (
    run,
    status,
    deliveries,
    db,
    cohort,
    admin,
    person,
    slack,
    poll,
    attendance,
    export,
    report,
):
    group.register(app)


def main() -> None:
    """The `cohorte` program."""
    # python-telegram-bot 22 warns on every rate-limit answer until this opt-in;
    # our code reads `retry_after` as seconds or as a timedelta alike.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    app()
