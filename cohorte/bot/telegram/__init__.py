"""Telegram: python-telegram-bot driving the core (long polling or our webhook route).

- `adapter`: the `TelegramAdapter` (handlers, lifecycle, webhook route, where answers go);
- `inbound`: webhook bodies checked, updates read as `Incoming`, one sender's updates in order;
- `messenger`: replies out to the Bot API, keyed edits, failures as send outcomes;
- `limits`: Telegram's rate limits and bounded retries of 429 answers;
- `render`: text as Telegram HTML, splitting, mentions, keyboards, the command menu;
- `traits`: what Telegram lets the bot do, for the core.
"""

from cohorte.bot.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
