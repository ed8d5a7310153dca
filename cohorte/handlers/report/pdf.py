"""The report laid out as a PDF with reportlab's platypus: A4, a running header, "Page N of
M" in the footer, tables, and the charts as print-resolution pictures.

Text is real text in an embedded TrueType font, DejaVu Sans (it ships with
matplotlib, the charts use it too): Spanish accents and "ñ" are searchable and
copyable, and a character the font lacks (an emoji in a name) is left out rather than
drawn as a box. Everything is escaped before it reaches a paragraph: people's words
never become reportlab markup. Rendering is synchronous and CPU-bound: callers run
it in a thread (`build_report`).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from cohorte.handlers.core.pictures import OKABE_ITO
from cohorte.handlers.report.charts import chart_size, render_chart
from cohorte.handlers.report.document import (
    Bars,
    Block,
    Heading,
    Lines,
    Quote,
    ReportDocument,
    StackedBars,
    Table,
    Text,
)

FONT, BOLD, ITALIC = "CohorteSans", "CohorteSans-Bold", "CohorteSans-Oblique"
ACCENT = OKABE_ITO["blue"]
INK, GREY, RULE, STRIPE = "#222222", "#666666", "#BBBBBB", "#F2F6FA"
MARGIN_MM = 18
CELL_PADDING = 4  # points, left and right of a table cell
MIN_HEAD_SIZE = 5.5  # points: a column heading shrinks no further to keep its words whole


@cache
def _fonts() -> frozenset[int]:
    """Register DejaVu Sans once per process; the code points it can draw."""
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular = TTFont(FONT, str(folder / "DejaVuSans.ttf"))
    for font in (
        regular,
        TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")),
        TTFont(ITALIC, str(folder / "DejaVuSans-Oblique.ttf")),
    ):
        pdfmetrics.registerFont(font)
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)
    addMapping(FONT, 0, 1, ITALIC)
    addMapping(FONT, 1, 1, BOLD)
    return frozenset(regular.face.charToGlyph)


def _safe(text: str) -> str:
    """`text` escaped for a paragraph, without the characters the font cannot draw."""
    drawable = _fonts()
    kept = "".join(c for c in text if ord(c) in drawable or c in "\n\t")
    return escape(" ".join(kept.split()))


def render_report_pdf(document: ReportDocument) -> bytes:
    """The PDF bytes of `document`."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    _fonts()
    buffer = io.BytesIO()
    width, height = A4
    margin = MARGIN_MM * mm
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin + 6 * mm,
        bottomMargin=margin,
        title=document.title + " — " + document.subtitle,
        author="Cohorte",
        subject=document.title,
        lang=document.language,
        invariant=True,
    )
    # No padding inside the frame: the text, the tables and the charts are `text_width`
    # wide, between the margins the running header and the footer keep.
    frame = Frame(
        margin,
        margin,
        width - 2 * margin,
        height - 2 * margin - 6 * mm,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="text",
        showBoundary=0,
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    text_width = width - 2 * margin
    story = _cover(document) + [f for block in document.blocks for f in _flow(block, text_width)]
    template.build(story, canvasmaker=_numbered_canvas(document))
    return buffer.getvalue()


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK)
    return {
        "body": base,
        "note": ParagraphStyle(
            "note",
            parent=base,
            fontName=ITALIC,
            fontSize=8,
            leading=10.5,
            textColor=colors.HexColor(GREY),
            spaceAfter=4,
        ),
        "h1": ParagraphStyle(
            "h1",
            keepWithNext=1,
            parent=base,
            fontName=BOLD,
            fontSize=15,
            leading=19,
            spaceBefore=14,
            spaceAfter=6,
            textColor=colors.HexColor(ACCENT),
        ),
        "h2": ParagraphStyle(
            "h2",
            keepWithNext=1,
            parent=base,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=BOLD,
            fontSize=24,
            leading=30,
            textColor=colors.HexColor(ACCENT),
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontName=BOLD, fontSize=16, leading=21, spaceBefore=4
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle(
            "head", parent=base, fontName=BOLD, fontSize=8, leading=10, textColor=colors.white
        ),
        "quote": ParagraphStyle(
            "quote",
            parent=base,
            fontName=ITALIC,
            fontSize=9.5,
            leading=13,
            leftIndent=12,
            borderPadding=(4, 6, 4, 8),
            spaceBefore=6,
        ),
        "source": ParagraphStyle(
            "source",
            parent=base,
            fontSize=8,
            leading=10,
            leftIndent=12,
            textColor=colors.HexColor(GREY),
            spaceAfter=4,
        ),
    }


def _cover(document: ReportDocument) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import HRFlowable, Paragraph, Spacer

    styles = _styles()
    return [
        Paragraph(_safe(document.title), styles["title"]),
        Paragraph(_safe(document.subtitle), styles["subtitle"]),
        Spacer(1, 4),
        Paragraph(_safe(document.generated), styles["note"]),
        HRFlowable(width="100%", thickness=1.2, color=colors.HexColor(ACCENT), spaceAfter=6),
    ]


def _flow(block: Block, text_width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    styles = _styles()
    if isinstance(block, Heading):
        return [Paragraph(_safe(block.text), styles["h1" if block.level == 1 else "h2"])]
    if isinstance(block, Text):
        return [Paragraph(_safe(block.text), styles["note" if block.note else "body"])]
    if isinstance(block, Quote):
        return [
            KeepTogether(
                [
                    Paragraph(f"“{_safe(block.text)}”", styles["quote"]),
                    Paragraph(_safe(block.source), styles["source"]),
                ]
            )
        ]
    if isinstance(block, Table):
        return [_table(block, text_width, styles), Spacer(1, 6)]
    if isinstance(block, Bars | StackedBars | Lines):
        width_in, height_in = chart_size(block)
        scale = text_width / (width_in * 72)
        return [
            Spacer(1, 4),
            _picture(render_chart(block), text_width, height_in * 72 * scale),
            Spacer(1, 6),
        ]
    raise TypeError(f"not a report block: {block!r}")


def _picture(image: Any, width: float, height: float) -> Any:
    """A flowable that draws a picture (a PIL image) at that size, kept as pixels."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Flowable

    class Picture(Flowable):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.width, self.height = width, height
            self._reader = ImageReader(image)

        def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            self.canv.drawImage(self._reader, 0, 0, self.width, self.height)

    return Picture()


def _table(block: Table, text_width: float, styles: dict[str, Any]) -> Any:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as PdfTable

    size = {"fontSize": 7, "leading": 8.5} if block.compact else {}
    plain = ParagraphStyle("plain", parent=styles["cell"], **size)
    head = ParagraphStyle("head_cell", parent=styles["head"], **size)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    right_head = ParagraphStyle("right_head", parent=head, alignment=TA_RIGHT)
    bold_cell = ParagraphStyle("bold", parent=plain, fontName=BOLD)
    bold_right = ParagraphStyle("bold_right", parent=right, fontName=BOLD)

    widths = [share * text_width for share in block.widths]

    def cell(text: str, column: int, *, header: bool = False, strong: bool = False) -> Any:
        numeric = column in block.numeric
        if header:
            style = _fitting(text, widths[column], right_head if numeric else head)
        elif strong:
            style = bold_right if numeric else bold_cell
        else:
            style = right if numeric else plain
        return Paragraph(_safe(text), style)

    last = len(block.rows)
    data = [[cell(text, i, header=True) for i, text in enumerate(block.header)]]
    for number, row in enumerate(block.rows, start=1):
        strong = block.total and number == last
        data.append([cell(text, i, strong=strong) for i, text in enumerate(row)])
    table = PdfTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(ACCENT)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor(RULE)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    for number in range(2, last + 1, 2):
        commands.append(("BACKGROUND", (0, number), (-1, number), colors.HexColor(STRIPE)))
    if block.total and last:
        commands.append(("LINEABOVE", (0, last), (-1, last), 0.9, colors.HexColor(INK)))
    table.setStyle(TableStyle(commands))
    return table


def _fitting(text: str, width: float, style: Any) -> Any:
    """`style`, or a smaller size of it when the longest word of a heading would not fit
    its column: reportlab cuts a word too long for its cell ("Participante" / "s")."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    room = width - 2 * CELL_PADDING
    longest = max(
        (stringWidth(word, style.fontName, style.fontSize) for word in text.split()), default=0.0
    )
    if longest <= room:
        return style
    size = max(MIN_HEAD_SIZE, 0.95 * style.fontSize * room / longest)  # a hair to spare
    return ParagraphStyle(
        f"{style.name}_{size:.2f}", parent=style, fontSize=size, leading=size * 1.25
    )


def _numbered_canvas(document: ReportDocument) -> Any:
    """A canvas class that writes the running header and "Page N of M" on every page once
    the number of pages is known (pages are kept until the document is saved)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    header = _plain(document.header)
    page_label = document.page_label

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = A4
            margin = MARGIN_MM * mm
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor(GREY))
            self.setStrokeColor(colors.HexColor(RULE))
            self.setLineWidth(0.5)
            top = height - margin + 2 * mm
            if self._pageNumber > 1:
                self.drawString(margin, top, header)
                self.line(margin, top - 2 * mm, width - margin, top - 2 * mm)
            self.line(margin, margin - 4 * mm, width - margin, margin - 4 * mm)
            label = page_label.format(page=self._pageNumber, pages=total)
            self.drawRightString(width - margin, margin - 8 * mm, label)
            self.drawString(margin, margin - 8 * mm, "Cohorte")
            self.restoreState()

    return NumberedCanvas


def _plain(text: str) -> str:
    drawable = _fonts()
    return "".join(c for c in text if ord(c) in drawable)
