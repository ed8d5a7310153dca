"""What coordinators type to attach a material: `/material CODIGO [tipo] URL "Título"`,
and `/material quitar N`.

The title is read by the one quoted-title reader (`lang.titles`); without quotes, the
words after the address are the title. The kind word is optional (Spanish or
English, accents forgiven); without it the use case infers one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.links import NOT_IN_URLS, is_web_address
from cohorte.handlers.lang.text import fold
from cohorte.handlers.lang.titles import UnclosedQuoteError, split_title
from cohorte.locales import N_
from cohorte.storage.materials import MaterialKind

URL_LIMIT = 500  # the column's
TITLE_LIMIT = 200  # the column's
CODE_SHOWN = 40  # characters of a mistyped code or address repeated in an answer
REMOVE_WORDS = ("quitar", "borrar", "eliminar", "remove", "delete")
EXAMPLE = '/material e12 grabacion https://example.org/grabacion "Grabación de la Masterclass"'

# The kind words people type, folded (no accents, lower case).
KIND_WORDS: dict[str, MaterialKind] = {
    **dict.fromkeys(("grabacion", "video", "recording"), MaterialKind.RECORDING),
    **dict.fromkeys(
        ("presentacion", "diapositivas", "slides", "presentation"), MaterialKind.SLIDES
    ),
    **dict.fromkeys(("lectura", "reading", "documento", "document"), MaterialKind.READING),
    **dict.fromkeys(("plantilla", "guia", "template", "guide"), MaterialKind.TEMPLATE),
    **dict.fromkeys(("enlace", "link", "otro", "other"), MaterialKind.LINK),
}


class MaterialUsageError(CohortError):
    """`/material` typed without what it needs."""

    message = N_(
        "Write the session's (or deliverable's) code, the address and the title in quotes. "
        "Example: {example}"
    )

    def __init__(self) -> None:
        super().__init__(example=EXAMPLE)


@dataclass(frozen=True)
class MaterialLine:
    """What `/material CODIGO [tipo] URL "Título"` said."""

    code: str
    url: str
    title: str
    kind: MaterialKind | None = None  # None: inferred


def read_url(text: str) -> str:
    """A web address as typed, checked by `is_web_address`, at most `URL_LIMIT` characters;
    a clear refusal otherwise (never altered: what is stored is what was typed)."""
    url = text.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]  # <https://…>, as an e-mail would write it
    if len(url) > URL_LIMIT:
        raise CohortError(
            N_("The address is too long ({length} characters); the limit is {limit}."),
            length=len(url),
            limit=URL_LIMIT,
        )
    if not is_web_address(url):
        wrong = next((c for c in url if c in NOT_IN_URLS), None)
        if url.lower().startswith(("http://", "https://")) and wrong is not None:
            raise CohortError(
                N_("A web address cannot contain “{character}”: copy it again from the browser."),
                character=wrong,
            )
        raise CohortError(
            N_("“{url}” is not a web address: it must start with https:// (or http://)."),
            url=url[:CODE_SHOWN],
        )
    return url


def read_title(text: str) -> str:
    """A material's title: whitespace collapsed, 1 to `TITLE_LIMIT` characters."""
    title = " ".join(text.split())
    if not title:
        raise CohortError(N_("The material needs a title, in quotes: {example}"), example=EXAMPLE)
    if len(title) > TITLE_LIMIT:
        raise CohortError(
            N_("The title is too long ({length} characters); the limit is {limit}."),
            length=len(title),
            limit=TITLE_LIMIT,
        )
    return title


def read_kind(word: str) -> MaterialKind | None:
    """'grabación' -> RECORDING; None for a word that names no kind."""
    return KIND_WORDS.get(fold(word))


def read_material_line(text: str) -> MaterialLine:
    """`CODIGO [tipo] URL "Título"` (the quoted title anywhere) -> its parts, checked."""
    try:
        title, rest = split_title(text)
    except UnclosedQuoteError:
        raise CohortError(
            N_("The title's closing quote is missing. Example: {example}"), example=EXAMPLE
        ) from None
    words = rest.split()
    if len(words) < 2:
        raise MaterialUsageError()
    code, others = words[0], words[1:]
    urls = [n for n, word in enumerate(others) if "://" in word or fold(word).startswith("www.")]
    if not urls:
        raise CohortError(
            N_("I am missing the material's address (https://…). Example: {example}"),
            example=EXAMPLE,
        )
    at = urls[0]
    kind = None
    for word in others[:at]:
        kind = read_kind(word)
        if kind is None:
            raise CohortError(
                N_(
                    "“{word}” is not a kind of material. Use grabación, presentación, "
                    "lectura, plantilla or enlace."
                ),
                word=word[:CODE_SHOWN],
            )
    after = others[at + 1 :]
    if title is None:
        title = " ".join(after)  # no quotes: the words after the address
    elif after:
        raise CohortError(
            N_("I do not understand “{words}” after the address. Example: {example}"),
            words=" ".join(after)[:CODE_SHOWN],
            example=EXAMPLE,
        )
    return MaterialLine(code, read_url(others[at]), read_title(title), kind)


def removal_number(text: str) -> int | None:
    """`quitar 12` / `quitar #12` -> 12; None when `text` is no removal; a refusal when
    the number is missing."""
    word, _, rest = text.strip().partition(" ")
    if fold(word) not in REMOVE_WORDS:
        return None
    number = rest.strip().lstrip("#")
    if not number.isascii() or not number.isdigit() or len(number) > 9:
        raise CohortError(
            N_("Write the number /materiales shows next to the material: /material quitar 12")
        )
    return int(number)
