from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort


def cohort(created_at: datetime) -> Cohort:
    return Cohort(
        name="X",
        home_zone="America/Santiago",
        start_date=date(2025, 4, 21),
        invite_code="X1234",
        created_at=created_at,
    )


async def test_instants_come_back_as_aware_utc(sessions: SessionFactory) -> None:
    santiago_summer = timezone(timedelta(hours=-3))
    async with sessions() as session:
        row = cohort(datetime(2025, 4, 5, 21, 30, tzinfo=santiago_summer))
        session.add(row)
        await session.commit()
        row_id = row.id
    async with sessions() as session:
        stored = await session.get(Cohort, row_id)
        assert stored is not None
        assert stored.created_at == datetime(2025, 4, 6, 0, 30, tzinfo=UTC)
        assert stored.created_at.utcoffset() == timedelta(0)


async def test_naive_instants_are_refused(session: AsyncSession) -> None:
    session.add(cohort(datetime(2025, 4, 5, 21, 30)))  # noqa: DTZ001
    with pytest.raises(Exception, match="aware datetime"):
        await session.commit()
