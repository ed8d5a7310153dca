from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from cohorte.storage.migrate import alembic_config, current_revision, head_revision


async def test_upgrade_from_empty_reaches_head(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_lanes_are_filled_in_when_upgrading_a_populated_outbox(engine: AsyncEngine) -> None:
    """0002 adds the delivery lane: rows planned before it get theirs from their destination."""

    from sqlalchemy import text

    from cohorte.storage.migrate import upgrade

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0001"))
    try:
        await _populate_0001(engine)
    finally:
        await upgrade(engine)
    async with engine.connect() as connection:
        found = (
            await connection.execute(text("SELECT dedupe_key, lane, state FROM delivery"))
        ).all()
    assert {key: lane for key, lane, _ in found} == {"a": "c3", "b": "p7", "c": "p7"}
    assert {key: state for key, _, state in found}["c"] == "ambiguous"


async def _populate_0001(engine: AsyncEngine) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    now = datetime(2025, 4, 22, 14, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO cohort (id, name, home_zone, locale, start_date, weeks, invite_code,"
                " reminder_leads, checkin_questions, nudge_after_days, created_at) VALUES"
                " (1, 'C', 'America/Bogota', 'es', '2025-04-21', 12, 'X1', '{}', '[]', 10, :now)"
            ),
            {"now": now},
        )
        await connection.execute(
            text("INSERT INTO person (id, display_name, created_at) VALUES (7, 'P', :now)"),
            {"now": now},
        )
        await connection.execute(
            text(
                "INSERT INTO chatlink (id, cohort_id, platform, chat_id)"
                " VALUES (3, 1, 'console', 'sala')"
            )
        )
        for key, link, person, state in (
            ("a", 3, None, "pending"),
            ("b", None, 7, "pending"),
            ("c", None, 7, "claimed"),  # sent while claimed before 0002: maybe on the wire
        ):
            await connection.execute(
                text(
                    "INSERT INTO delivery (dedupe_key, kind, cohort_id, chat_link_id, person_id,"
                    " ref, data, due_at, state, attempts, late, created_at) VALUES (:key,"
                    " 'reminder', 1, :link, :person, 'e1', '{}', :now, :state, 1, false, :now)"
                ),
                {"key": key, "link": link, "person": person, "state": state, "now": now},
            )


async def test_the_console_clock_table_joins_a_populated_database(engine: AsyncEngine) -> None:
    """0003 adds where the console clock was left: the data already there is untouched, and
    a console started after the upgrade finds no clock (it starts as before) and keeps one."""
    from datetime import UTC, datetime

    from sqlalchemy import inspect, text

    from cohorte.storage.console import console_clock, keep_console_clock
    from cohorte.storage.db import session_factory, transaction
    from cohorte.storage.migrate import upgrade

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0001"))
    try:
        await _populate_0001(engine)
        await upgrade(engine, "0002")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "consoleclock" not in tables
    finally:
        await upgrade(engine)
    assert await current_revision(engine) == head_revision()
    async with engine.connect() as connection:
        keys = (await connection.execute(text("SELECT dedupe_key FROM delivery"))).scalars()
        assert sorted(keys) == ["a", "b", "c"]
        assert (await connection.execute(text("SELECT name FROM cohort"))).scalar_one() == "C"
    sessions = session_factory(engine)
    async with sessions() as session:
        assert await console_clock(session) is None
    left = datetime(2025, 5, 6, 15, 0, tzinfo=UTC)
    for instant in (datetime(2025, 4, 18, 14, 0, tzinfo=UTC), left):
        async with transaction(sessions) as session:
            await keep_console_clock(session, instant)
    async with sessions() as session:
        assert await console_clock(session) == left


async def test_announcement_drafts_come_to_a_populated_database(engine: AsyncEngine) -> None:
    """0004 adds the table of announcements waiting for an answer; nothing else changes."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text
    from sqlmodel.ext.asyncio.session import AsyncSession

    from cohorte.storage.agenda import add_announcement_draft, take_announcement_draft
    from cohorte.storage.migrate import upgrade
    from cohorte.storage.models import AnnouncementDraft

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0003"))
    try:
        await _populate_0001(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO member (id, cohort_id, person_id, role, dm_reminders,"
                    " joined_at) VALUES (4, 1, 7, 'coordinator', false, '2025-04-22 14:00:00')"
                )
            )
    finally:
        await upgrade(engine)

    now = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        draft = await add_announcement_draft(
            session,
            AnnouncementDraft(
                cohort_id=1,
                member_id=4,
                text="6/5 09:00 Hola",
                message="Hola",
                due_at=now + timedelta(days=14),
                created_at=now,
            ),
            forget_before=now - timedelta(days=1),
        )
        assert draft.id is not None
        taken = await take_announcement_draft(session, draft.id, 4, now - timedelta(days=1))
        assert taken is not None and taken.due_at == now + timedelta(days=14)
        assert await take_announcement_draft(session, draft.id, 4, now) is None
        await session.commit()
    async with engine.connect() as connection:
        kept = (await connection.execute(text("SELECT count(*) FROM delivery"))).scalar_one()
        members = (await connection.execute(text("SELECT id FROM member"))).scalars().all()
    assert kept == 3 and members == [4]


async def test_cohorts_keep_the_default_session_name_when_upgrading(engine: AsyncEngine) -> None:
    """0005 adds the cohort's session name (empty: the catalog's) and the table of calendar
    changes waiting for a coordinator's confirmation; cohorts already there keep working."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from cohorte.storage.migrate import upgrade

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0004"))
    try:
        await _populate_0001(engine)
    finally:
        await upgrade(engine)
    later = datetime(2025, 4, 22, 15, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        found = (await connection.execute(text("SELECT id, session_name FROM cohort"))).all()
        await connection.execute(
            text(
                "INSERT INTO pendingchange (cohort_id, person_id, action, request, expires_at)"
                " VALUES (1, 7, 'weekly', '{}', :later)"
            ),
            {"later": later},
        )
        pending = (await connection.execute(text("SELECT action FROM pendingchange"))).all()
    assert [tuple(row) for row in found] == [(1, "")]
    assert [tuple(row) for row in pending] == [("weekly",)]


async def test_attendance_comes_to_a_populated_database(engine: AsyncEngine) -> None:
    """0006 adds people's e-mail and the tables of answers and attendance: people, their
    accounts, memberships and queued deliveries are untouched, and a session's answers
    are one per member."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from cohorte.storage.migrate import upgrade

    now = datetime(2025, 4, 22, 14, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0005"))
    try:
        await _populate_0001(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO identity (id, person_id, platform, external_id, dm_open)"
                    " VALUES (2, 7, 'telegram', '555', true)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO member (id, cohort_id, person_id, role, dm_reminders, joined_at)"
                    " VALUES (4, 1, 7, 'participant', true, :now)"
                ),
                {"now": now},
            )
    finally:
        await upgrade(engine)
    async with engine.begin() as connection:
        people = (
            await connection.execute(text("SELECT id, display_name, email FROM person"))
        ).all()
        identities = (await connection.execute(text("SELECT id FROM identity"))).scalars().all()
        members = (await connection.execute(text("SELECT id FROM member"))).scalars().all()
        deliveries = (await connection.execute(text("SELECT count(*) FROM delivery"))).scalar()
        await connection.execute(
            text(
                "INSERT INTO rsvp (cohort_id, ref, member_id, answer, answered_at)"
                " VALUES (1, 'e1', 4, 'yes', :now)"
            ),
            {"now": now},
        )
        await connection.execute(
            text(
                "INSERT INTO attendance (cohort_id, ref, member_id, status, source, minutes,"
                " recorded_at) VALUES (1, 'e1', 4, 'present', 'zoom', 55, :now)"
            ),
            {"now": now},
        )
    assert [tuple(row) for row in people] == [(7, "P", None)]
    assert identities == [2] and members == [4] and deliveries == 3
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO rsvp (cohort_id, ref, member_id, answer, answered_at)"
                    " VALUES (1, 'e1', 4, 'no', :now)"
                ),
                {"now": now},
            )


async def test_imported_reports_come_to_a_populated_database(engine: AsyncEngine) -> None:
    """0007 adds the imported participant reports and their rows: attendance recorded
    before stays, a report is kept once per session and file, and its rows go with it."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from cohorte.storage.migrate import upgrade

    now = datetime(2025, 5, 6, 17, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0006"))
    try:
        await _populate_0001(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO member (id, cohort_id, person_id, role, dm_reminders, joined_at)"
                    " VALUES (4, 1, 7, 'participant', true, :now)"
                ),
                {"now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO attendance (cohort_id, ref, member_id, status, source, minutes,"
                    " recorded_at) VALUES (1, 'e1', 4, 'present', 'self', NULL, :now)"
                ),
                {"now": now},
            )
    finally:
        await upgrade(engine)
    insert = text(
        "INSERT INTO attendanceimport (id, cohort_id, ref, source, sha256, filename,"
        " imported_by, imported_at) VALUES (:id, 1, 'e1', 'zoom', :sha, 'p.csv', 7, :now)"
    )
    async with engine.begin() as connection:
        records = (await connection.execute(text("SELECT source FROM attendance"))).scalars()
        assert list(records) == ["self"]
        await connection.execute(insert, {"id": 1, "sha": "a" * 64, "now": now})
        await connection.execute(
            text(
                "INSERT INTO importrow (import_id, name, email, minutes, outcome, member_id,"
                " candidates) VALUES (1, 'Ana', NULL, 30, 'pending', NULL, '4')"
            )
        )
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert, {"id": 2, "sha": "a" * 64, "now": now})
    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA foreign_keys = ON"))
        await connection.execute(text("DELETE FROM attendanceimport WHERE id = 1"))
        rows = (await connection.execute(text("SELECT count(*) FROM importrow"))).scalar()
    assert rows == 0


async def test_materials_and_feedback_come_to_a_populated_database(engine: AsyncEngine) -> None:
    """0008 adds materials, feedback and the end of a cohort: existing cohorts keep the
    default feedback settings and are neither ended nor archived; one answer per member
    and session, and a member's answers go with the member."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from cohorte.storage.migrate import upgrade

    now = datetime(2025, 5, 6, 17, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0007"))
    try:
        await _populate_0001(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO member (id, cohort_id, person_id, role, dm_reminders, joined_at)"
                    " VALUES (4, 1, 7, 'participant', true, :now)"
                ),
                {"now": now},
            )
    finally:
        await upgrade(engine)
    insert = text(
        "INSERT INTO feedback (cohort_id, ref, member_id, score, comment, highlighted,"
        " answered_at) VALUES (1, 'e1', 4, :score, NULL, false, :now)"
    )
    async with engine.begin() as connection:
        cohort = (
            await connection.execute(
                text("SELECT feedback_settings, ended_at, archived_at FROM cohort")
            )
        ).one()
        assert tuple(cohort) == ("{}", None, None)
        await connection.execute(insert, {"score": 4, "now": now})
        await connection.execute(
            text(
                "INSERT INTO material (cohort_id, ref, kind, url, title, added_by, added_at)"
                " VALUES (1, 'e1', 'recording', 'https://example.org/r', 'Grabación', 7, :now)"
            ),
            {"now": now},
        )
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert, {"score": 2, "now": now})
    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA foreign_keys = ON"))
        await connection.execute(text("DELETE FROM member WHERE id = 4"))
        answers = (await connection.execute(text("SELECT count(*) FROM feedback"))).scalar()
        materials = (await connection.execute(text("SELECT count(*) FROM material"))).scalar()
    assert (answers, materials) == (0, 1)


async def test_the_chosen_cohort_comes_to_a_populated_database(engine: AsyncEngine) -> None:
    """0009 adds the cohort a person chose for their private chats: existing memberships
    keep everything and were never chosen; the sender query reads them right after."""
    from datetime import UTC, date, datetime

    from sqlalchemy import text

    from cohorte.storage.db import session_factory
    from cohorte.storage.migrate import upgrade
    from cohorte.storage.models import Platform
    from cohorte.storage.people import sender

    now = datetime(2025, 4, 22, 14, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0008"))
    try:
        await _populate_0001(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO cohort (id, name, home_zone, locale, start_date, weeks,"
                    " invite_code, reminder_leads, checkin_questions, nudge_after_days,"
                    " created_at, feedback_settings) VALUES (2, 'D', 'America/Lima', 'es',"
                    " '2025-04-14', 12, 'X2', '{}', '[]', 10, :now, '{}')"
                ),
                {"now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO identity (person_id, platform, external_id, dm_open)"
                    " VALUES (7, 'console', 'p', false)"
                )
            )
            for member, cohort in ((4, 1), (5, 2)):
                await connection.execute(
                    text(
                        "INSERT INTO member (id, cohort_id, person_id, role, dm_reminders,"
                        " joined_at) VALUES (:id, :cohort, 7, 'participant', true, :now)"
                    ),
                    {"id": member, "cohort": cohort, "now": now},
                )
    finally:
        await upgrade(engine)
    async with engine.begin() as connection:
        rows = (await connection.execute(text("SELECT id, chosen_at FROM member"))).all()
    assert sorted(tuple(row) for row in rows) == [(4, None), (5, None)]
    async with session_factory(engine)() as session:
        found = await sender(session, Platform.CONSOLE, "p", None, date(2025, 4, 22))
    assert (found.cohorts, found.active, found.chosen) == (2, 2, False)
    assert found.member is not None and found.member.id == 5  # both active: joined last


async def test_registration_comes_to_a_populated_database(engine: AsyncEngine) -> None:
    """0010 adds registration: existing cohorts are closed for applications with no limits;
    one application per person and cohort, registration codes are unique, and a person's
    applications go with the person."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from cohorte.storage.migrate import upgrade

    now = datetime(2025, 5, 6, 17, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0009"))
    try:
        await _populate_0001(engine)
    finally:
        await upgrade(engine)
    insert = text(
        "INSERT INTO application (cohort_id, person_id, city, department, role, challenge,"
        " state, created_at) VALUES (1, 7, 'Lima', 'Compras', 'Analista', 'Datos', 'pending',"
        " :now)"
    )
    async with engine.begin() as connection:
        cohort = (
            await connection.execute(
                text(
                    "SELECT registration_open, registration_code, registration_deadline,"
                    " registration_places, registration_places_per_team FROM cohort"
                )
            )
        ).one()
        assert tuple(cohort) == (False, None, None, None, None)
        await connection.execute(insert, {"now": now})
        await connection.execute(
            text("UPDATE cohort SET registration_open = true, registration_code = 'INS-1'")
        )
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert, {"now": now})
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO cohort (name, home_zone, locale, start_date, weeks,"
                    " invite_code, reminder_leads, checkin_questions, nudge_after_days,"
                    " created_at, feedback_settings, registration_open, registration_code)"
                    " VALUES ('D', 'America/Lima', 'es', '2025-04-21', 12, 'X2', '{}', '[]',"
                    " 10, :now, '{}', true, 'INS-1')"
                ),
                {"now": now},
            )
    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA foreign_keys = ON"))
        await connection.execute(text("DELETE FROM person WHERE id = 7"))
        left = (await connection.execute(text("SELECT count(*) FROM application"))).scalar()
    assert left == 0


async def test_administrators_come_to_a_populated_database(engine: AsyncEngine) -> None:
    """0011 adds the administrators made with a code and the codes' hashes: a person is one
    administrator at most, a hash is one code, and both go with the person."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from cohorte.storage.migrate import upgrade

    now = datetime(2025, 5, 6, 17, 0, tzinfo=UTC).replace(tzinfo=None)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0010"))
    try:
        await _populate_0001(engine)
    finally:
        await upgrade(engine)
    grant = text("INSERT INTO botadmin (person_id, granted_at) VALUES (7, :now)")
    invite = text(
        "INSERT INTO admininvite (code_hash, created_at, expires_at, used_at, used_by)"
        " VALUES ('abc', :now, :now, :now, 7)"
    )
    async with engine.begin() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM botadmin"))).scalar() == 0
        await connection.execute(grant, {"now": now})
        await connection.execute(invite, {"now": now})
    for again in (grant, invite):
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(again, {"now": now})
    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA foreign_keys = ON"))
        await connection.execute(text("DELETE FROM delivery WHERE person_id = 7"))
        await connection.execute(text("DELETE FROM person WHERE id = 7"))
        admins = (await connection.execute(text("SELECT count(*) FROM botadmin"))).scalar()
        used_by = (await connection.execute(text("SELECT used_by FROM admininvite"))).scalar()
    assert (admins, used_by) == (0, None)


async def test_people_are_not_forgotten_when_upgrading(engine: AsyncEngine) -> None:
    """0012 adds the mark of a forgotten person's stand-in: nobody existing carries it,
    and the cohort's rows that hang from them survive the upgrade."""
    from sqlalchemy import text

    from cohorte.storage.migrate import upgrade

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0011"))
    try:
        await _populate_0001(engine)
    finally:
        await upgrade(engine)
    async with engine.begin() as connection:
        people = (await connection.execute(text("SELECT id, forgotten_at FROM person"))).all()
        deliveries = (await connection.execute(text("SELECT count(*) FROM delivery"))).scalar()
    assert [tuple(row) for row in people] == [(7, None)]
    assert deliveries == 3
