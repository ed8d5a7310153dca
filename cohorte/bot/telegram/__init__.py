"""Telegram: python-telegram-bot driving the core (long polling or our webhook route).

- `adapter`: the `TelegramAdapter` (handlers, lifecycle, webhook route, where answers go);
- `inbound`: webhook bodies checked, updates read as `Incoming`, one sender's updates in order;
- `messenger`: replies out to the Bot API, keyed edits, failures as send outcomes;
- `limits`: Telegram's rate limits and bounded retries of 429 answers;
- `render`: text as Telegram HTML, splitting, mentions, keyboards, the command menu;
- `traits`: what Telegram lets the bot do, for the core.
"""

from cohorte.bot.telegram.adapter import TelegramAdapter
from cohorte.bot.telegram.inbound import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    UPDATE_ARRIVED,
    WEBHOOK_PATH,
    PerSenderUpdateProcessor,
    addressed_elsewhere,
    chat_kind,
    event_id,
    webhook_secret,
)
from cohorte.bot.telegram.limits import (
    SendLimits,
    TelegramRateLimiter,
    Window,
    retry_after_seconds,
)
from cohorte.bot.telegram.messenger import PartlyDeliveredError, TelegramMessenger, outcome_of
from cohorte.bot.telegram.render import (
    keyboard,
    link_mentions,
    mention_link,
    menu,
    plain_text,
    split_text,
    to_html,
    utf16_len,
)
from cohorte.bot.telegram.traits import TELEGRAM_TRAITS
from cohorte.handlers.core.keyed import KeyedLocks

__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "TELEGRAM_TRAITS",
    "UPDATE_ARRIVED",
    "WEBHOOK_PATH",
    "KeyedLocks",
    "PartlyDeliveredError",
    "PerSenderUpdateProcessor",
    "SendLimits",
    "TelegramAdapter",
    "TelegramMessenger",
    "TelegramRateLimiter",
    "Window",
    "addressed_elsewhere",
    "chat_kind",
    "event_id",
    "keyboard",
    "link_mentions",
    "mention_link",
    "menu",
    "outcome_of",
    "plain_text",
    "retry_after_seconds",
    "split_text",
    "to_html",
    "utf16_len",
    "webhook_secret",
]
