"""How the report writes its numbers: percentages, durations, the teams' colours;
and the one rule that keeps e-mail addresses out of it."""

from __future__ import annotations

import re
from datetime import timedelta

from cohorte.handlers.attendance.matrix import Rate
from cohorte.handlers.core.pictures import OKABE_ITO
from cohorte.locales import Translator

# Lines drawn for the teams, in palette order (black last: it reads as "total").
TEAM_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
    OKABE_ITO["black"],
)
# An e-mail address anywhere in a text (a comment): masked in the report.
_EMAIL_IN_TEXT = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")


def mask_emails(text: str) -> str:
    """'write to ana@x.org' -> 'write to […]': the report carries no e-mail address."""
    return _EMAIL_IN_TEXT.sub("[…]", text)


def percent(part: int, whole: int) -> int | None:
    """Whole percent, rounded as the attendance rate is (`Rate.percent`); None of nothing."""
    return Rate(part, whole).percent


def days_text(t: Translator, span: timedelta) -> str:
    """'3 days', 'less than a day'."""
    days = span.days
    if days < 1:
        return t._("less than a day")
    return t.ngettext("{n} day", "{n} days", days)


def percent_text(rate: Rate) -> str:
    """'67 %', '—' when nothing was counted."""
    return f"{rate.percent} %" if rate.percent is not None else "—"


def count_text(rate: Rate) -> str:
    """'4 / 6' (present / counted), '—' when nothing was counted."""
    return f"{rate.present} / {rate.counted}" if rate.counted else "—"
