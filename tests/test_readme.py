"""Every console example in the README is a transcript that this test replays.

A ```transcript block is what `cohorte console --script` prints on a fresh database
holding the example cohort (`examples/sprint-2025.toml`): its lines after a prompt
(`lucia (privado)> `) are the script, everything else is what the console answered.
A block that starts at a prompt leaves out the console's opening lines. So the README
cannot drift: change the console, and this test shows where the README no longer
holds. `COHORTE_UPDATE_README=1` writes what the console prints now into the README
(read the diff before committing it).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_PROMPT = re.compile(r"^[\w.\-]{1,32} \((?:privado|#[\w.\-]{1,32})\)> ", re.MULTILINE)
runner = CliRunner()


def _blocks() -> list[tuple[str, str]]:
    """(info string, text) of every fenced block in the README."""
    return [(match[1], match[2]) for match in _FENCE.finditer(README.read_text("utf-8"))]


READMES_REPORT = Path(__file__).parent / "handlers/attendance/imports/samples/readme-zoom.csv"
TRANSCRIPTS = [text for info, text in _blocks() if info == "transcript"]


def script_of(transcript: str) -> str:
    """The lines typed in a transcript: what follows each prompt."""
    typed = (_PROMPT.match(line) for line in transcript.splitlines())
    return "".join(match.string[match.end() :] + "\n" for match in typed if match)


def test_the_readme_shows_the_console_in_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 2
    for info, text in _blocks():
        if info != "transcript":  # a console conversation anywhere else would not be replayed
            assert not _PROMPT.search(text), text


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # the console writes cohorte.log and its files here
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "COHORTE_CLOCK"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


@pytest.mark.parametrize("number", range(len(TRANSCRIPTS)))
def test_a_readme_transcript_is_what_the_console_prints(
    number: int, env: dict[str, str], tmp_path: Path
) -> None:
    expected = TRANSCRIPTS[number]
    imported = runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    assert imported.exit_code == 0, imported.output
    script = tmp_path / "guion.txt"
    script.write_text(script_of(expected), encoding="utf-8")
    # The participant report the attendance example sends with `:archivo participantes.csv`.
    shutil.copy(READMES_REPORT, tmp_path / "participantes.csv")

    result = runner.invoke(app, ["console", "--script", str(script)], env=env)

    assert result.exit_code == 0, result.output
    printed = result.output
    if _PROMPT.match(expected):  # the block leaves out the console's opening lines
        start = _PROMPT.search(printed)
        assert start is not None, printed
        printed = printed[start.start() :]
    if os.environ.get("COHORTE_UPDATE_README") and printed != expected:
        text = README.read_text("utf-8")
        README.write_text(
            text.replace(f"```transcript\n{expected}```", f"```transcript\n{printed}```", 1),
            "utf-8",
        )
        return
    assert printed == expected
