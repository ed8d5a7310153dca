"""The one rule of a web address people give (`/material`, the cohort file's links): http
or https, a host with a dot in its name, no white space, and none of the characters that
are never in an address and would be markup or quoting in a message or a calendar."""

from __future__ import annotations

from urllib.parse import urlsplit

# Never in a web address (RFC 3986), and markup or quoting in messages and calendars.
NOT_IN_URLS = frozenset('<>"`\\')


def is_web_address(url: str) -> bool:
    """'https://example.org/x' -> True; 'javascript:…', 'https://exa', '…/<b>' -> False."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and "." in (parts.hostname or "")
        and all(c.isprintable() and not c.isspace() and c not in NOT_IN_URLS for c in url)
    )
