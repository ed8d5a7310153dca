"""Reading a report as a person would: its text (pypdf), its pages as pictures (pypdfium2),
the pictures placed on each page and how much of them is ink."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image
from pypdf import PdfReader

SCALE = 1.0  # 72 pixels per inch: enough to see ink, fast to render


def pdf_text(data: bytes) -> str:
    """Every page's text, whitespace folded to single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_texts(data: bytes) -> list[str]:
    """Each page's text, whitespace folded."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@dataclass(frozen=True)
class PictureOnPage:
    """A picture placed on a page: its box in pixels of the rendering, and the share of
    that box that is not white (ink)."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    ink: float


@dataclass(frozen=True)
class RenderedPage:
    image: Image.Image
    pictures: list[PictureOnPage]
    searchable: bool  # the text layer answers a search for the probe word


def render_pages(data: bytes, probe: str, save_to: Path | None = None) -> list[RenderedPage]:
    """Every page as a picture, with the pictures drawn on it and whether `probe` is
    found in its text layer; with `save_to`, each page saved there as page-N.png."""
    document = pypdfium2.PdfDocument(data)
    pages = []
    try:
        for number in range(len(document)):
            page = document[number]
            image = page.render(scale=SCALE).to_pil().convert("L")
            height = page.get_height()
            pictures = []
            for found in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                left, bottom, right, top = found.get_bounds()
                box = (
                    round(left * SCALE),
                    round((height - top) * SCALE),
                    round(right * SCALE),
                    round((height - bottom) * SCALE),
                )
                pictures.append(PictureOnPage(box, _ink(image.crop(box))))
            text = page.get_textpage()
            searcher = text.search(probe)
            searchable = searcher.get_next() is not None
            pages.append(RenderedPage(image, pictures, searchable))
            if save_to is not None:
                image.save(save_to / f"page-{number + 1}.png")
    finally:
        document.close()
    return pages


def _ink(region: Image.Image) -> float:
    """The share of pixels darker than near-white."""
    histogram = region.histogram()
    total = sum(histogram) or 1
    return sum(histogram[:240]) / total
