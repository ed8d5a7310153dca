"""What a cohort file can be told: every rejection, as a catalog message.

Each message names the place with `{field}` (a path such as `teams[2].zone`)
and, where there is one, the offending `{value}`.
"""

from __future__ import annotations

from cohorte.handlers.core.errors import CohortError
from cohorte.locales import N_

FILE_TOO_LARGE = N_("The cohort file is too large ({size} bytes); the limit is {limit} bytes.")
NOT_UTF8 = N_(
    "The cohort file is not UTF-8 text (unreadable byte on line {line}). "
    "Save it as UTF-8 and try again."
)
INVALID_TOML = N_("The cohort file is not valid TOML (line {line}, column {column}): {detail}")
TOO_DEEP = N_("The cohort file is nested too deeply to be a cohort file.")
UNKNOWN_KEY = N_("Unknown key {field}.")
UNKNOWN_KEY_SUGGESTION = N_("Unknown key {field}. Did you mean {suggestion}?")
MISSING = N_("{field} is missing.")
TEAM_REQUIRED = N_("{field} is missing: every participant belongs to a team.")
NOT_TEXT = N_("{field} must be text in quotes, not {value}.")
NOT_INTEGER = N_("{field} must be a whole number, not {value}.")
NOT_BOOLEAN = N_("{field} must be true or false, not {value}.")
NOT_DATE = N_("{field} must be a date without quotes, like 2025-04-21, not {value}.")
NOT_DATETIME = N_(
    "{field} must be a date and time without quotes, like 2025-05-06T10:00:00, not {value}."
)
NOT_TABLE = N_("{field} must be a table, not {value}.")
NOT_TABLE_LIST = N_("{field} must be a list of [[{field}]] blocks, not {value}.")
EMPTY = N_("{field} must not be empty.")
TOO_LONG = N_("{field} is too long ({length} characters); the limit is {limit}.")
OUT_OF_RANGE = N_("{field} must be between {minimum} and {maximum}, not {value}.")
UNKNOWN_ZONE = N_("{field}: unknown time zone {value}. Use a name such as America/Bogota.")
UNKNOWN_LOCALE = N_(
    "{field}: unsupported language {value}. Use es or en, optionally with a country, like es_CO."
)
UNKNOWN_COUNTRY = N_("{field}: {value} is not a two-letter country code such as CO or MX.")
NOT_MONDAY = N_("{field} must be a Monday, the first day of sprint week 1; {value} is not.")
START_OUT_OF_RANGE = N_(
    "{field}: {value} is not a sprint's start; choose one from {first} to {last}."
)
BAD_INVITE_CODE = N_(
    "{field}: the invite code {value} must have 4 to 32 letters (A-Z), digits or hyphens."
)
BAD_URL = N_("{field} must be a web address starting with https://, not {value}.")
UNKNOWN_PLATFORM = N_("{field}: unknown platform {value}. Use console, slack or telegram.")
UNKNOWN_ROLE = N_("{field}: unknown role {value}. Use participant or coordinator.")
UNKNOWN_EVENT_KIND = N_("{field}: unknown event kind {value}. Use masterclass or showtime.")
UNKNOWN_FEEDBACK_KIND = N_(
    "{field}: unknown session kind {value}. Use masterclass, showtime or session."
)
BAD_WEEKDAY = N_("{field}: {value} is not a day of the week, such as jueves.")
BAD_TIME = N_("{field}: {value} is not a 24-hour time of day, such as 10:00.")
BAD_TELEGRAM_ID = N_("{field}: {value} is not a Telegram user id (digits only).")
BAD_EMAIL = N_("{field}: {value} is not an e-mail address, such as laura@bogota.gov.co.")
DUPLICATE_EMAIL = N_("{field}: the e-mail address {value} is already used in {other}.")
DUPLICATE_TEAM = N_("{field}: there is already a team called {value}.")
UNKNOWN_TEAM = N_("{field}: there is no team called {value} in the file.")
DUPLICATE_CHAT = N_("{field}: the {platform} chat {value} is already listed in {other}.")
DUPLICATE_IDENTITY = N_("{field}: the {platform} account {value} is already used in {other}.")
EVENT_OUTSIDE_SPRINT = N_(
    "{field}: {value} is outside the sprint, which runs from {first} to {last}."
)
NONEXISTENT_TIME = N_("{field}: {value} does not exist in {zone}: the clocks skip that hour.")
INVITE_CODE_TAKEN = N_("The invite code {value} is already used by the cohort {cohort}.")
REGISTRATION_CODE_TAKEN = N_(
    "{field}: the registration code {value} is already used by the cohort {cohort}."
)
REGISTRATION_CODE_IS_INVITE = N_(
    "{field}: the registration code must differ from the invite code (applying is not joining)."
)
CHAT_TAKEN = N_("{field}: the {platform} chat {value} already belongs to the cohort {cohort}.")
IDENTITY_CONFLICT = N_(
    "{field}: the {platform} account {value} belongs to {person}, "
    "a different person from this member's other accounts."
)
SAME_PERSON = N_(
    "{field}: the {platform} account {value} belongs to {person}, who is already listed in {other}."
)
COHORT_NOT_FOUND = N_("There is no cohort with id {cohort_id}.")
NOT_TEXT_LIST = N_("{field} must be a list of texts in quotes, like {example}, not {value}.")
TOO_MANY = N_("{field} has {count} entries; the limit is {limit}.")
BAD_CODE = N_(
    "{field}: the code {value} must have 1 to 32 letters, digits or hyphens, like mapeo-procesos."
)
DUPLICATE_CODE = N_("{field}: there is already a deliverable with the code {value}.")
UNKNOWN_RDC = N_("{field}: unknown criterion {value}. Use RDC7 or RDC8.")
DUE_TWICE = N_("{field}: give due_week or due_date, not both.")
NOT_INTEGER_LIST = N_("{field} must be a list of whole numbers, like [1440, 60], not {value}.")
UNKNOWN_SERIES_KIND = N_("{field}: unknown series kind {value}. Use session or checkin.")
CHECKIN_TEAM_REQUIRED = N_("{field} is missing: every check-in series belongs to a team.")
SESSION_TEAM = N_("{field}: only check-in series belong to a team, not the weekly session.")
NOT_ON_WEEKDAY = N_("{field}: {value} is not a {weekday}, the day of the series.")
LAST_BEFORE_FIRST = N_("{field}: {value} is before the first date of the series, {first}.")
NOT_AN_OCCURRENCE = N_(
    "{field}: the series has no session on {value}; "
    "it meets every {days} days from {first} to {last}."
)
DUPLICATE_CHANGE = N_("{field}: {value} is already changed in {other}.")
CHANGE_TWICE = N_("{field}: give cancelled = true or a new start, not both.")
CHANGE_EMPTY = N_("{field}: give cancelled = true or a new start.")
UNKNOWN_MATERIAL_KIND = N_(
    "{field}: unknown kind of material {value}. Use recording, slides, reading, template or link."
)
MATERIAL_OWNER = N_(
    "{field}: say what the material belongs to: one of deliverable, event or session."
)
UNKNOWN_DELIVERABLE = N_("{field}: there is no deliverable with the code {value} in the file.")
UNKNOWN_EVENT = N_("{field}: there is no event called {value} in the file.")
SEVERAL_EVENTS = N_("{field}: several events are called {value}; give them different titles.")
NO_SESSION_ON = N_("{field}: no session of the file falls on {value}.")
MATERIAL_TEAM = N_("{field}: team goes with session (a team's check-in), not alone.")


class CohortFileError(CohortError):
    """A cohort file that cannot be used as it is; params say where and why."""

    message = N_("The cohort file cannot be used.")
