"""Tables for the polls capability."""
