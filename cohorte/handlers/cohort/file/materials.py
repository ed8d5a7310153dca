"""Reading the `[[materials]]` blocks of a cohort file.

```toml
[[materials]]
title = "Plantilla del mapeo"
url = "https://example.org/plantilla-mapeo"
kind = "template"              # recording, slides, reading, template or link (default)
deliverable = "mapeo"          # or: event = "Datos abiertos" (an event's title),
                               # or: session = 2025-05-06 (a weekly session's date),
                               #     with team = "Bogotá" for that team's check-in
```

A session is named by the date it was planned on (a moved one keeps it), which must be
a date of a series of the file (a team's check-ins: its series, or its slot's).
"""

from __future__ import annotations

from datetime import date

from cohorte.handlers.cohort.file.messages import (
    MATERIAL_OWNER,
    MATERIAL_TEAM,
    MISSING,
    NO_SESSION_ON,
    SEVERAL_EVENTS,
    UNKNOWN_DELIVERABLE,
    UNKNOWN_EVENT,
    UNKNOWN_MATERIAL_KIND,
    UNKNOWN_TEAM,
    CohortFileError,
)
from cohorte.handlers.cohort.file.spec import (
    TITLE_CHARS,
    DeliverableSpec,
    EventSpec,
    MaterialSpec,
    SeriesSpec,
    TeamSpec,
    slot_series,
)
from cohorte.handlers.cohort.file.toml_table import Table, shown
from cohorte.handlers.lang.names import name_key
from cohorte.handlers.lang.text import fold
from cohorte.scheduling.recurrence import series_dates
from cohorte.storage.materials import MaterialKind
from cohorte.storage.series import SeriesKind

MATERIAL_KEYS = ("title", "url", "kind", "deliverable", "event", "session", "team")
_OWNERS = ("deliverable", "event", "session")


def read_materials(
    blocks: list[Table],
    *,
    deliverables: tuple[DeliverableSpec, ...],
    events: tuple[EventSpec, ...],
    series: tuple[SeriesSpec, ...],
    teams: tuple[TeamSpec, ...],
    start_date: date,
    weeks: int,
    meeting_url: str | None,
) -> tuple[MaterialSpec, ...]:
    """The materials, each attached to a deliverable, an event or a session of the file
    (`series`: every series of the file, those the slots imply included)."""
    codes = {deliverable.code for deliverable in deliverables}
    team_by_key = {name_key(team.name): team for team in teams}
    found = []
    for block in blocks:
        title = block.text("title", limit=TITLE_CHARS)
        url = block.url("url")
        if url is None:
            raise CohortFileError(MISSING, field=block.path_of("url"))
        kind = block.choice("kind", MaterialKind, UNKNOWN_MATERIAL_KIND, default=MaterialKind.LINK)
        owners = [key for key in _OWNERS if key in block.data]
        if len(owners) != 1:
            raise CohortFileError(MATERIAL_OWNER, field=block.path)
        if "team" in block.data and owners != ["session"]:
            raise CohortFileError(MATERIAL_TEAM, field=block.path_of("team"))
        material = MaterialSpec(title=title, url=url, kind=kind)
        if owners == ["deliverable"]:
            code = fold(block.text("deliverable", limit=None))
            if code not in codes:
                raise CohortFileError(
                    UNKNOWN_DELIVERABLE, field=block.path_of("deliverable"), value=shown(code)
                )
            material = MaterialSpec(title=title, url=url, kind=kind, deliverable=code)
        elif owners == ["event"]:
            wanted = block.text("event", limit=TITLE_CHARS)
            same = [event for event in events if name_key(event.title) == name_key(wanted)]
            if not same:
                raise CohortFileError(UNKNOWN_EVENT, field=block.path_of("event"), value=wanted)
            if len(same) > 1:
                raise CohortFileError(SEVERAL_EVENTS, field=block.path_of("event"), value=wanted)
            material = MaterialSpec(title=title, url=url, kind=kind, event=same[0].title)
        else:
            day = block.date_value("session")
            team = None
            if "team" in block.data:
                written = block.text("team", limit=None)
                found_team = team_by_key.get(name_key(written))
                if found_team is None:
                    raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("team"), value=written)
                team = found_team
            candidates = [
                item
                for item in series
                if item.team == (team.name if team else None)
                and item.kind is (SeriesKind.CHECKIN if team else SeriesKind.SESSION)
            ]
            if team is not None and not candidates:
                implied = slot_series(team, start_date, weeks, meeting_url)
                candidates = [implied] if implied is not None else []
            if not any(
                day in set(series_dates(item.first_date, item.last_date, item.interval_weeks))
                for item in candidates
            ):
                raise CohortFileError(
                    NO_SESSION_ON, field=block.path_of("session"), value=day.isoformat()
                )
            material = MaterialSpec(
                title=title, url=url, kind=kind, session=day, team=team.name if team else None
            )
        found.append(material)
    return tuple(found)
