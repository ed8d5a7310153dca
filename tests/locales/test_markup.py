"""The bot's markup and people's words inside it (`cohorte.locales.markup`)."""

from __future__ import annotations

from cohorte.locales import Translator
from cohorte.locales.markup import CLOSE, OPEN, bold, literal, plain, render, reseal


def html_like(text: str) -> str:
    """A renderer that shows which parts are which."""
    return render(
        text,
        markup=lambda words: words.upper(),
        literal=lambda words: f"[{words}]",
        bold=lambda inner: f"<b>{inner}</b>",
    )


def test_people_s_words_are_one_literal_piece_even_inside_the_bots_bold() -> None:
    assert html_like("*hola* " + literal("*Ana*") + " y " + bold("Plan *A*")) == (
        "<b>HOLA</b> [*Ana*] Y <b>[Plan *A*]</b>"
    )
    # A star of the bot's and one of a person's never pair.
    assert html_like("*" + literal("x*") + " y *z*") == "*[x*] Y <b>Z</b>"
    assert html_like(literal("")) == ""  # an empty value is nothing, not bold stars
    assert html_like("**") == "**"


def test_marks_inside_a_value_cannot_open_or_close_anything() -> None:
    forged = f"a{CLOSE}*b*{OPEN}c"
    assert literal(forged) == f"{OPEN}a*b*c{CLOSE}"
    assert html_like(literal(forged)) == "[a*b*c]"
    assert html_like(f"{OPEN}sin cerrar *x*") == "[sin cerrar *x*]"
    assert html_like(f"suelto{CLOSE} *x*") == "SUELTO <b>X</b>"


def test_plain_drops_the_marks_and_keeps_every_star() -> None:
    assert plain("*Hola* " + literal("*Ana*")) == "*Hola* *Ana*"


def test_a_text_cut_inside_a_literal_piece_is_resealed() -> None:
    text = "uno " + literal("dos tres cuatro") + " cinco"
    cut = [text[:8], text[8:]]
    sealed = reseal(cut)
    assert [html_like(piece) for piece in sealed] == ["UNO [dos]", "[ tres cuatro] CINCO"]
    assert "".join(plain(piece) for piece in sealed) == plain(text)


def test_the_translator_marks_what_it_interpolates() -> None:
    t = Translator("es")
    said = t._("Note on {title}", title="*Plan*")
    assert said == f"Nota sobre {OPEN}*Plan*{CLOSE}"
    assert t.ngettext("{n} deliverable:", "{n} deliverables:", 2) == "2 entregables:"
    # Its own formatting (CLDR names, dates) is the bot's: nothing is marked there.
    assert OPEN not in t.zone_label("America/Bogota")
    assert Translator("es", markup=False)._("Note on {title}", title="*Plan*") == (
        "Nota sobre *Plan*"
    )
    assert t.plain._("Note on {title}", title="x") == "Nota sobre x"
