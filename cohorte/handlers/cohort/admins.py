"""Bot administrators: who may create cohorts from chat (`/nuevacohorte`).

The operator names them in `COHORTE_ADMINS` (platform accounts, a setting), or prints
a one-time code with `cohorte admin invite` that a person sends as `/admin CODIGO`.
Only a hash of each code is stored, with its expiry; a code works once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.preferences import ensure_person
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Reply
from cohorte.locales import N_
from cohorte.storage import admins

# Letters and digits nobody confuses when copying a code by hand (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12
DEFAULT_CODE_LIFETIME = timedelta(hours=48)
MAX_CODE_LIFETIME = timedelta(days=30)


def new_admin_code() -> str:
    """A fresh one-time code, in groups of four: `K7QM-3XRT-9WAB`."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def admin_code_hash(code: str) -> str:
    """The hash a code is stored as; case, spaces and dashes do not count."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(f"cohorte-admin:{normal}".encode()).hexdigest()


async def create_admin_invite(
    session: AsyncSession, now: datetime, lifetime: timedelta = DEFAULT_CODE_LIFETIME
) -> str:
    """A new one-time code, stored as its hash until `now + lifetime`; the caller
    commits and shows the code (it is never shown again)."""
    if not timedelta(0) < lifetime <= MAX_CODE_LIFETIME:
        raise ValueError(f"a code lives between a minute and {MAX_CODE_LIFETIME.days} days")
    code = new_admin_code()
    await admins.add_admin_invite(session, admin_code_hash(code), now, now + lifetime)
    return code


async def become_admin(ctx: Context, args: str) -> list[Reply]:
    """/admin CODIGO: the sender becomes a bot administrator with a one-time code."""
    words = args.split()
    if len(words) != 1:
        raise CohortError(
            N_(
                "Write /admin followed by the code the person who runs the bot gave you, "
                "for example: /admin K7QM-3XRT-9WAB"
            )
        )
    now = ctx.clock.now()
    code_hash = admin_code_hash(words[0])
    if ctx.in_group:
        # Everyone in the group has read it: it must not work for any of them either.
        if await admins.burn_admin_invite(ctx.session, code_hash, now):
            text = N_(
                "Send me that code privately, never in a group. Everyone here has seen it, "
                "so it no longer works: ask for a new one."
            )
        else:
            text = N_("Send me codes privately, never in a group.")
        return [Reply(ctx.t._(text))]
    if await ctx.is_admin():
        return [Reply(ctx.t._("You are already an administrator of the bot."))]
    person = await ensure_person(ctx)
    assert person.id is not None
    if not await admins.claim_admin_invite(ctx.session, code_hash, person.id, now):
        invite = await admins.admin_invite_by_hash(ctx.session, code_hash)
        if invite is not None and invite.used_at is not None:
            raise CohortError(N_("That code was already used: each code works once."))
        if invite is not None:
            raise CohortError(N_("That code has expired. Ask for a new one."))
        raise CohortError(N_("That code is not valid. Check it, or ask for a new one."))
    await admins.grant_admin(ctx.session, person.id, now)
    return [
        Reply(
            ctx.t._(
                "Done: you are now an administrator of the bot. Create a cohort with /nuevacohorte."
            )
        )
    ]
