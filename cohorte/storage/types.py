"""Column types shared by the tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC and always read back as an aware UTC datetime.

    SQLite keeps no offset, so values are normalised on the way in and out.
    Naive datetimes are refused: they are always a bug upstream.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected an aware datetime, got {value!r}")
        instant = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return instant.replace(tzinfo=None)
        return instant

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


def enum_type(enum: type[StrEnum], length: int = 16) -> Enum:
    """A StrEnum stored as its value in a VARCHAR and read back as the enum member."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


_ID = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1  # id columns are 32-bit integers


def parse_id(text: str) -> int:
    """A row id written in text from outside (button data, a code people typed):
    ASCII digits within the id columns' range.

    Raises ValueError otherwise: `int()` alone takes "١٢", "1_2" or " 12", and a
    number past the range makes PostgreSQL refuse the whole query.
    """
    if _ID.fullmatch(text) is None or not 0 < int(text) <= MAX_ID:
        raise ValueError(f"not a row id: {text[:20]!r}")
    return int(text)
