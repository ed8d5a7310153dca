"""Pure helpers for what people type: folding, dates and times, zones."""
