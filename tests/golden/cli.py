"""The `cohorte` command as an operator types it, run in this process (a new one costs seconds).

The entry point is found by its name in the package metadata, so a refactor that
moves the CLI's module does not touch the golden test. It reads the database
from `COHORTE_DATABASE_URL`, which the caller sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from importlib.metadata import entry_points


def _run(args: tuple[str, ...]) -> str:
    (script,) = entry_points(group="console_scripts", name="cohorte")
    main = script.load()
    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["cohorte", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                main()
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.argv = argv
    text = out.getvalue()
    if code != 0:
        raise AssertionError(f"cohorte {' '.join(args)} exited with {code}:\n{text}")
    return text


async def run_cli(*args: str) -> str:
    """`cohorte ARGS...`'s output; its own event loop runs in a thread of its own."""
    return await asyncio.to_thread(_run, args)
