"""The board: every team's current status of every deliverable assigned to it.

Built here, read by the reporters' messages, the nudges, the check-in digest and
the dashboard (`/estado`, `/tablero`, exports, the weekly digest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.status.rules import due_date, is_commitment, local_today, row_id
from cohorte.scheduling.recurrence import sprint_week
from cohorte.storage.cohorts import member_names, teams_of
from cohorte.storage.deliverables import (
    Deliverable,
    assigned_teams,
    deliverables_of,
    is_assigned,
)
from cohorte.storage.models import Cohort, Team
from cohorte.storage.status import Status, StatusUpdate, current_updates, last_team_updates


@dataclass(frozen=True)
class Cell:
    """One team's current status of one deliverable assigned to it."""

    deliverable: Deliverable
    team: Team
    update: StatusUpdate | None
    author: str | None
    due: date | None
    overdue: bool

    @property
    def status(self) -> Status:
        return self.update.status if self.update is not None else Status.NOT_STARTED

    @property
    def updated_at(self) -> datetime | None:
        return self.update.created_at if self.update is not None else None


@dataclass
class Board:
    """Teams × deliverables of one cohort at one moment."""

    cohort: Cohort
    now: datetime
    teams: list[Team]
    deliverables: list[Deliverable]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    last_updates: dict[int, StatusUpdate] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # member id -> display name

    @property
    def today(self) -> date:
        return local_today(self.now, self.cohort.home_zone)

    @property
    def week(self) -> int | None:
        return sprint_week(self.cohort.start_date, self.cohort.weeks, self.today)

    def cell(self, team: Team, deliverable: Deliverable) -> Cell | None:
        return self.cells.get((row_id(team.id), row_id(deliverable.id)))

    def team_cells(self, team: Team) -> list[Cell]:
        found = (self.cell(team, d) for d in self.deliverables)
        return [cell for cell in found if cell is not None]

    def deliverable_cells(self, deliverable: Deliverable) -> list[Cell]:
        found = (self.cell(team, deliverable) for team in self.teams)
        return [cell for cell in found if cell is not None]

    def last_update_of(self, team: Team) -> StatusUpdate | None:
        return self.last_updates.get(row_id(team.id))


async def load_board(
    session: AsyncSession, cohort: Cohort, now: datetime, *, team_id: int | None = None
) -> Board:
    """Current status of every assigned (team, deliverable) pair, overdue ones marked.

    A deliverable is overdue when its due day has passed in the team's own
    zone and it is still open work (see `is_commitment`).
    """
    cohort_id = row_id(cohort.id)
    teams = [
        team for team in await teams_of(session, cohort_id) if team_id is None or team.id == team_id
    ]
    deliverables = list(await deliverables_of(session, cohort_id))
    assignments = await assigned_teams(session, cohort_id)
    updates = await current_updates(session, cohort_id)
    board = Board(
        cohort=cohort,
        now=now,
        teams=teams,
        deliverables=deliverables,
        last_updates=await last_team_updates(session, cohort_id),
        names=await member_names(session, cohort_id),
    )
    for team in teams:
        tid = row_id(team.id)
        today = local_today(now, team.zone)
        for deliverable in deliverables:
            if not is_assigned(deliverable, tid, assignments):
                continue
            update = updates.get((row_id(deliverable.id), tid))
            status = update.status if update is not None else Status.NOT_STARTED
            due = due_date(deliverable, cohort)
            board.cells[(tid, row_id(deliverable.id))] = Cell(
                deliverable=deliverable,
                team=team,
                update=update,
                author=board.names.get(update.member_id) if update and update.member_id else None,
                due=due,
                overdue=due is not None and due < today and is_commitment(deliverable, status),
            )
    return board
