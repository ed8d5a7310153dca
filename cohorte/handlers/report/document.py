"""What a report is made of, as plain data: headings, paragraphs, tables, charts, quotes.

`content` fills a `ReportDocument` in the cohort's language from the database;
`charts` draws its charts and `pdf` lays it out. Every text here is plain (no chat
markup): the layout escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section, 2: a part of one


@dataclass(frozen=True)
class Text:
    text: str
    note: bool = False  # a remark in smaller grey type (what a figure counts, what is missing)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # fractions of the text width, one per column
    numeric: frozenset[int] = frozenset()  # columns aligned right
    total: bool = False  # the last row sums up the others (set in bold)
    compact: bool = False  # many narrow columns: smaller type


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, one per label; `values` in [0, `maximum`], None for "no data"."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    value_labels: tuple[str, ...]
    maximum: float
    colour: str
    axis_label: str


@dataclass(frozen=True)
class StackedBars:
    """Horizontal bars split into segments: (legend, colour, value per label)."""

    title: str
    labels: tuple[str, ...]
    segments: tuple[tuple[str, str, tuple[int, ...]], ...]
    axis_label: str


@dataclass(frozen=True)
class Lines:
    """One line per series over the x labels: (name, colour, values)."""

    title: str
    x_labels: tuple[str, ...]
    series: tuple[tuple[str, str, tuple[int, ...]], ...]
    axis_label: str


Chart = Bars | StackedBars | Lines


@dataclass(frozen=True)
class Quote:
    text: str
    source: str  # the session it is about and its score


Block = Heading | Text | Table | Chart | Quote


@dataclass
class ReportDocument:
    """A whole report: its cover lines, then its blocks in order."""

    title: str
    subtitle: str
    generated: str  # 'Generated on …', in the reader's zone
    header: str  # the running header of every page
    page_label: str  # 'Page {page} of {pages}'
    language: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        """Append blocks, in order."""
        self.blocks.extend(blocks)
