"""Cohort definitions as TOML files: read, write into the database, export.

The format is documented, field by field, in `examples/sprint-2025.toml`.
`parse_cohort_file` (`read`) checks everything that can be checked without the
database and returns a `CohortSpec` (`spec`); `import_cohort` (`apply`) adds
what needs the database (invite code, chats and accounts already known);
`export_cohort` (`export`, `render`) writes a cohort back in the same format.

Every rejection is a `CohortFileError` (`messages`) whose params name the place
with a path and, where there is one, the offending value: `field="teams[2].zone"`,
`value="America/Bogata"`. Blocks are counted from 1, as a person reading
the file counts them: `teams[2]` is the second `[[teams]]` block.

The file carries the whole calendar, so that a cohort exported and imported
again is the same cohort: one-off events (cancelled ones included), the
series that are still running (the weekly session, check-ins) with their
moved and cancelled occurrences, and the reminder lead times.
"""
