"""Tables for the status capability."""
