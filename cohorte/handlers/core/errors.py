"""Expected business failures. Each carries a catalog message and its parameters."""

from __future__ import annotations

from cohorte.locales import N_, Translator


class CohortError(Exception):
    """A failure the user can act on; rendered in the reader's language."""

    message = N_("Something went wrong.")

    def __init__(self, message: str | None = None, /, **params: object) -> None:
        self.message = message or self.message
        self.params = params
        super().__init__(self.message)

    def render(self, t: Translator) -> str:
        """The message in the reader's language."""
        return t._(self.message, **self.params)


class NotCoordinatorError(CohortError):
    """A coordinators' command or button used by someone else."""

    message = N_("Only the coordination team can do that.")


class NotAdminError(CohortError):
    """A command for the bot's administrators used by someone else."""

    message = N_(
        "Only the bot's administrators can do that. The person who runs the bot can make you one."
    )


class NotMemberError(CohortError):
    """Someone who has not joined a cohort asked for something that needs one."""

    message = N_("You are not part of a cohort yet. Join with /unirme followed by the invite code.")


class StaleButtonError(CohortError):
    """A button whose payload no longer reaches anything (or never did: forged)."""

    message = N_("That button is no longer valid. Ask again with the command.")


class InputTooLongError(CohortError):
    """A message over the length the core reads."""

    message = N_("Your message is too long ({length} characters). The limit is {limit}.")


def one_line(error: BaseException, detail: str | None = None) -> str:
    """An exception for a log line: its type and message (or `detail`), on one short line."""
    text = " ".join((detail if detail is not None else str(error)).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
