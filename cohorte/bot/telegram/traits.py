"""What Telegram lets the bot do (registered with the core at bootstrap)."""

from cohorte.handlers.core.platforms import PlatformTraits

# A bot cannot write first: only to people who opened a private chat with it. A person's
# private chat has their user id as its id; forms are asked one question at a time.
TELEGRAM_TRAITS = PlatformTraits(
    can_write_first=False, modal_forms=False, private_chat_is_user=True
)
