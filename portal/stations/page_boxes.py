"""The page boxes a print shop's preflight reads: where each page is cut (TrimBox) and how far
its ink may run (BleedBox). fpdf writes neither; pypdf adds them to the finished document."""

from __future__ import annotations

import io
from dataclasses import dataclass

MM = 72 / 25.4


@dataclass(frozen=True)
class Box:
    """A page box in millimetres from the page's top-left corner."""

    left: float
    top: float
    width: float
    height: float

    def inset(self, by: float) -> Box:
        return Box(self.left + by, self.top + by, self.width - 2 * by, self.height - 2 * by)

    def in_points(self, page_height: float) -> tuple[float, float, float, float]:
        """The box as PDF writes it: points, from the bottom-left corner."""
        bottom = page_height - self.top - self.height
        return (
            self.left * MM,
            bottom * MM,
            (self.left + self.width) * MM,
            (bottom + self.height) * MM,
        )


@dataclass(frozen=True)
class PageBoxes:
    """What a print shop's preflight reads on a page: where it is cut, how far ink may run."""

    page_height: float
    trim: Box
    bleed: Box


def with_page_boxes(document: bytes, boxes: list[PageBoxes]) -> bytes:
    """The document with each page's TrimBox and BleedBox written in."""
    from pypdf import PdfWriter
    from pypdf.generic import RectangleObject

    writer = PdfWriter(clone_from=io.BytesIO(document))
    for page, found in zip(writer.pages, boxes, strict=True):
        page.trimbox = RectangleObject(found.trim.in_points(found.page_height))
        page.bleedbox = RectangleObject(found.bleed.in_points(found.page_height))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
