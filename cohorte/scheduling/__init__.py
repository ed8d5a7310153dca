"""Calendar math, the injectable clock and (later) the reminder outbox."""
