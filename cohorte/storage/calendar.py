"""Tables for the calendar capability."""
