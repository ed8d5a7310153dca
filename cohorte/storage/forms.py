"""Guided forms in progress (`FormSession`): one per person and chat. They never commit."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import FormSession, Platform


async def form_session_of(
    session: AsyncSession, platform: Platform, chat_id: str, user_id: str
) -> FormSession | None:
    """The form a person is filling in a chat, if any (expired or not)."""
    statement = select(FormSession).where(
        FormSession.platform == platform,
        FormSession.chat_id == chat_id,
        FormSession.user_id == user_id,
    )
    return (await session.exec(statement)).first()


async def start_form_session(
    session: AsyncSession,
    platform: Platform,
    chat_id: str,
    user_id: str,
    form: str,
    expires_at: datetime,
) -> FormSession:
    """A new form exchange for a person in a chat, replacing the one they had there."""
    existing = await form_session_of(session, platform, chat_id, user_id)
    if existing is not None:
        await session.delete(existing)
        await session.flush()  # the unique (platform, chat, user) is free before the insert
    started = FormSession(
        platform=platform, chat_id=chat_id, user_id=user_id, form=form, expires_at=expires_at
    )
    session.add(started)
    return started


async def end_form_session(session: AsyncSession, form_session: FormSession) -> None:
    """Forget a form exchange (answered, cancelled or expired)."""
    await session.delete(form_session)
