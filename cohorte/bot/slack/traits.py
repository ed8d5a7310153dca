"""What Slack lets the bot do (registered with the core at bootstrap; imports no Slack library)."""

from cohorte.handlers.core.platforms import PlatformTraits

# `conversations.open` reaches anyone in the workspace; forms open as modals; a person's
# direct-message conversation has an id of its own (D…), not their user id.
SLACK_TRAITS = PlatformTraits(can_write_first=True, modal_forms=True, private_chat_is_user=False)
