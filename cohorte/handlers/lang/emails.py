"""The one reader of an e-mail address people type (`/perfil correo`, the cohort file) or a
meeting tool reports: trimmed, lower-case, checked loosely (one `@`, a dot in the domain,
no spaces or separators), at most 254 characters."""

from __future__ import annotations

import re

MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s<>\"',;:()\[\]]{1,64}@[^@\s<>\"',;:()\[\]]{1,189}\.[a-z0-9-]{2,63}$")


def email_address(text: str) -> str | None:
    """'  Laura.Gomez@Bogota.gov.co ' -> 'laura.gomez@bogota.gov.co'; None if it is none."""
    address = text.strip().lower()
    if len(address) > MAX_EMAIL or ".." in address or not _EMAIL.match(address):
        return None
    return address
