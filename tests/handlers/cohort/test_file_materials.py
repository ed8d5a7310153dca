"""The cohort file carries materials: attached to a deliverable, an event or a session of a
series (a team's check-in too), and an export imports back to the same thing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.file import messages as cf
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.cohort.file.spec import MaterialSpec
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.recurrence import event_ref, parse_ref
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.materials import Material, MaterialKind
from cohorte.storage.models import Event, Team
from cohorte.storage.series import Series, SeriesKind
from tests.handlers.cohort.test_file import calendar_bytes, example_document, rejection_of

SESSION_MATERIALS = """
[[materials]]
title = "Grabación de la sesión del 6 de mayo"
url = "https://videos.example.org/sesion-6-mayo"
kind = "recording"
session = 2025-05-06          # moved to the 7th: it keeps its date

[[materials]]
title = "Notas del acompañamiento"
url = "https://notas.example.org/santiago"
session = 2025-05-08
team = "santiago de chile"

[[materials]]
title = "Tablero de México"
url = "https://notas.example.org/cdmx"
kind = "slides"
session = 2025-04-23          # its series comes from the team's slot
team = "Ciudad de México"
"""


def materials_bytes() -> bytes:
    return calendar_bytes() + SESSION_MATERIALS.encode()


def test_materials_are_read_with_what_they_belong_to() -> None:
    spec = parse_cohort_file(materials_bytes())

    assert spec.materials == (
        MaterialSpec(
            "Guía del estándar OCDS",
            "https://standard.open-contracting.org/latest/es/",
            MaterialKind.READING,
            event="Datos abiertos de contratación: el estándar OCDS",
        ),
        MaterialSpec(
            "Ejemplo de un mapeo de procesos",
            "https://plantillas.example.org/sprint-2025/ejemplo-mapeo",
            MaterialKind.TEMPLATE,
            deliverable="mapeo",
        ),
        MaterialSpec(
            "Grabación de la sesión del 6 de mayo",
            "https://videos.example.org/sesion-6-mayo",
            MaterialKind.RECORDING,
            session=date(2025, 5, 6),
        ),
        MaterialSpec(
            "Notas del acompañamiento",
            "https://notas.example.org/santiago",
            session=date(2025, 5, 8),
            team="Santiago de Chile",
        ),
        MaterialSpec(
            "Tablero de México",
            "https://notas.example.org/cdmx",
            MaterialKind.SLIDES,
            session=date(2025, 4, 23),
            team="Ciudad de México",
        ),
    )


async def test_materials_round_trip(session: AsyncSession, clock: ManualClock) -> None:
    spec = parse_cohort_file(materials_bytes())
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None

    stored = (await session.exec(select(Material).order_by(col(Material.id)))).all()
    events = (await session.exec(select(Event).order_by(col(Event.id)))).all()
    masterclass = events[0]
    mapeo = (await session.exec(select(Deliverable).where(Deliverable.code == "mapeo"))).one()
    assert stored[0].ref == event_ref(masterclass.id or 0)
    assert (stored[1].ref, stored[1].deliverable_id) == (None, mapeo.id)
    weekly = (await session.exec(select(Series).where(Series.kind == SeriesKind.SESSION))).one()
    assert stored[2].ref == f"s{weekly.id}:2025-05-06"
    teams = {team.name: team for team in (await session.exec(select(Team))).all()}
    santiago, cdmx = teams["Santiago de Chile"], teams["Ciudad de México"]
    for material, team, day in (
        (stored[3], santiago, "2025-05-08"),
        (stored[4], cdmx, "2025-04-23"),
    ):
        assert material.ref is not None
        _, series_id, found_day = parse_ref(material.ref)
        series = await session.get(Series, series_id)
        assert series is not None and series.team_id == team.id
        assert found_day == date.fromisoformat(day)

    text = await export_cohort(session, cohort.id)
    assert parse_cohort_file(text.encode()) == spec
    assert text.count("[[materials]]") == 5
    assert (
        '[[materials]]\ntitle = "Tablero de México"\nurl = "https://notas.example.org/cdmx"\n'
        'kind = "slides"\nsession = 2025-04-23\nteam = "Ciudad de México"\n'
    ) in text
    assert (
        'title = "Notas del acompañamiento"\nurl = "https://notas.example.org/santiago"\nsession'
        in (text)
    )  # a link: the default kind is left out


MATERIAL_ERRORS = [
    ("no owner", {"title": "x", "url": "https://x.org"}, cf.MATERIAL_OWNER, "materials[3]"),
    (
        "two owners",
        {"title": "x", "url": "https://x.org", "deliverable": "mapeo", "session": date(2025, 5, 6)},
        cf.MATERIAL_OWNER,
        "materials[3]",
    ),
    (
        "unknown deliverable",
        {"title": "x", "url": "https://x.org", "deliverable": "nada"},
        cf.UNKNOWN_DELIVERABLE,
        "materials[3].deliverable",
    ),
    (
        "unknown event",
        {"title": "x", "url": "https://x.org", "event": "Otra"},
        cf.UNKNOWN_EVENT,
        "materials[3].event",
    ),
    (
        "no session that day",
        {"title": "x", "url": "https://x.org", "session": date(2025, 5, 7), "team": "Bogotá"},
        cf.NO_SESSION_ON,
        "materials[3].session",
    ),
    (
        "team without session",
        {"title": "x", "url": "https://x.org", "deliverable": "mapeo", "team": "Bogotá"},
        cf.MATERIAL_TEAM,
        "materials[3].team",
    ),
    (
        "bad address",
        {"title": "x", "url": "ftp://x.org", "deliverable": "mapeo"},
        cf.BAD_URL,
        "materials[3].url",
    ),
    (  # the rule of /material: what one refuses, the other does too
        "markup in the address",
        {"title": "x", "url": "https://x.org/<script>", "deliverable": "mapeo"},
        cf.BAD_URL,
        "materials[3].url",
    ),
    (
        "a host without a dot",
        {"title": "x", "url": "https://intranet", "deliverable": "mapeo"},
        cf.BAD_URL,
        "materials[3].url",
    ),
    (
        "unknown kind",
        {"title": "x", "url": "https://x.org", "deliverable": "mapeo", "kind": "video"},
        cf.UNKNOWN_MATERIAL_KIND,
        "materials[3].kind",
    ),
]


@pytest.mark.parametrize(
    ("block", "message", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in MATERIAL_ERRORS],
)
def test_a_wrong_material_is_named(block: dict[str, object], message: str, field: str) -> None:
    document = example_document()
    document["materials"].append(block)

    error = rejection_of(document)

    assert (error.message, error.params["field"]) == (message, field)
