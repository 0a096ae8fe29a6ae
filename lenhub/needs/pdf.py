"""The roadmap as a PDF (fpdf2), from a ``RoadmapView`` already filtered for its reader.

Every page carries the TLP label in its header and footer, in the colours FIRST gives
the labels (coloured text on black). AMBER copies carry a watermark on every page (the
reader's name, or for an export the audience it was made for). The font is embedded
from ``lenhub/needs/fonts`` (Noto Sans), never taken from the host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lenhub.access.models import TLP
from lenhub.needs.models import Coverage
from lenhub.needs.roadmap import EntryView, RoadmapView, SectionView, figure
from lenhub.needs.selectors import country_names

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "NotoSans"

# FIRST TLP 2.0: the label's colour on a black background.
TLP_COLOURS: dict[str, tuple[int, int, int]] = {
    TLP.CLEAR: (0xFF, 0xFF, 0xFF),
    TLP.GREEN: (0x33, 0xFF, 0x00),
    TLP.AMBER: (0xFF, 0xC0, 0x00),
    TLP.AMBER_STRICT: (0xFF, 0xC0, 0x00),
    TLP.RED: (0xFF, 0x2B, 0x2B),
}
INK = (0x1B, 0x1F, 0x24)
BAR = (0x0B, 0x3D, 0x6E)


class RoadmapPDF(FPDF):
    def __init__(self, *, tlp: str, running_title: str, watermark: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.tlp = tlp
        self.label = f"TLP:{tlp}"
        self.running_title = running_title
        self.watermark = watermark
        self.add_font(FAMILY, "", str(FONTS / "NotoSans-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "NotoSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=22)
        self.set_margins(18, 24, 18)
        self.set_title(running_title)
        self.set_creator("lenhub")

    def _label_box(self, x: float, y: float) -> None:
        self.set_font(FAMILY, "B", 10)
        width = self.get_string_width(self.label) + 6
        self.set_fill_color(0, 0, 0)
        self.set_text_color(*TLP_COLOURS[self.tlp])
        self.set_xy(x - width, y)
        self.cell(width, 7, self.label, fill=True, align="C")
        self.set_text_color(*INK)

    def header(self) -> None:
        if self.watermark:
            with self.local_context():
                self.set_font(FAMILY, "B", 26)
                self.set_text_color(0xC8, 0xC8, 0xC8)
                with self.rotation(35, x=self.w / 2, y=self.h / 2):
                    width = self.get_string_width(self.watermark)
                    self.text(self.w / 2 - width / 2, self.h / 2, self.watermark)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, 10)
        self.cell(self.epw - 40, 7, self.running_title[:90])
        self._label_box(self.w - self.r_margin, 10)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        self._label_box(self.l_margin + 30, self.h - 15)
        self.set_font(FAMILY, "", 8)
        self.set_xy(self.l_margin + 34, self.h - 15)
        if self.watermark:
            self.cell(self.epw - 60, 7, self.watermark[:80])
        self.set_xy(self.w - self.r_margin - 30, self.h - 15)
        self.cell(30, 7, _("Page %(page)s") % {"page": self.page_no()}, align="R")

    # --- content -----------------------------------------------------------------------

    def para(self, text: str, *, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        # ragged right: justified headings and short lines stretch their words apart
        self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fitted(self, text: str, width: float) -> str:
        """``text`` cut at a word with an ellipsis where it is wider than ``width`` (mm,
        in the current font)."""
        if self.get_string_width(text) <= width:
            return text
        words = text.split()
        while len(words) > 1 and self.get_string_width(" ".join(words) + " …") > width:
            words.pop()
        return " ".join(words) + " …"

    def heading(self, text: str, size: float = 14) -> None:
        if self.get_y() > self.h - 60:
            self.add_page()
        self.ln(3)
        self.para(text, size=size, bold=True, height=size * 0.5)
        self.ln(1)

    def score_chart(self, section: SectionView) -> None:
        """Bars of each need's score, with a line over its interval."""
        entries = section.entries
        largest = max([max(e.entry.high, e.entry.score) for e in entries] + [0.0])
        smallest = min([min(e.entry.low, 0.0) for e in entries] + [0.0])
        span = (largest - smallest) or 1.0
        label_w, area = 70.0, self.epw - 70.0 - 30.0
        row = 7.0
        if self.get_y() + row * len(entries) + 10 > self.h - 24:
            self.add_page()
        self.para(_("Score and interval of each need"), size=9, bold=True)
        for entry in entries:
            y = self.get_y()
            self.set_font(FAMILY, "", 8)
            self.set_xy(self.l_margin, y)
            label = self.fitted(f"{entry.position}. {entry.title}", label_w - 3)
            self.cell(label_w - 2, row, label)
            x0 = self.l_margin + label_w

            def x(value: float, x0: float = x0) -> float:
                return x0 + (value - smallest) / span * area

            self.set_fill_color(*BAR)
            width = max(x(entry.entry.score) - x(smallest), 0.3)
            self.rect(x0, y + 1.5, width, row - 3, style="F")
            self.set_draw_color(*INK)
            self.set_line_width(0.4)
            middle = y + row / 2
            self.line(x(entry.entry.low), middle, x(entry.entry.high), middle)
            self.line(x(entry.entry.low), middle - 1.5, x(entry.entry.low), middle + 1.5)
            self.line(x(entry.entry.high), middle - 1.5, x(entry.entry.high), middle + 1.5)
            self.set_xy(x0 + area + 2, y)
            self.cell(28, row, figure(entry.entry.score))
            self.set_xy(self.l_margin, y + row)
        self.ln(3)

    def entry(self, entry: EntryView) -> None:
        if self.get_y() > self.h - 50:
            self.add_page()
        self.para(f"{entry.position}. {entry.title}", size=11, bold=True, height=6)
        self.para(
            _("Score %(score)s (interval %(low)s to %(high)s) · rank %(rank)s in the round")
            % {
                "score": figure(entry.entry.score),
                "low": figure(entry.entry.low),
                "high": figure(entry.entry.high),
                "rank": entry.rank,
            },
            size=9,
        )
        countries = country_names(entry.countries) or _("none recorded")
        self.para(_("Supporting countries: %(countries)s") % {"countries": countries}, size=9)
        if entry.capability_wanted:
            self.para(_("Capability wanted"), size=9, bold=True)
            self.para(entry.capability_wanted[:1500], size=9)
        if entry.evidence:
            self.para(_("Evidence"), size=9, bold=True)
            for item in entry.evidence:
                self.para(
                    f"• {item.title} ({item.kind_label}; {Coverage(item.coverage).label}; "
                    f"{item.tlp_label})",
                    size=9,
                )
        self.ln(2)


def roadmap_pdf(view: RoadmapView, *, watermark: str = "") -> bytes:
    """The PDF of ``view`` (already filtered for its reader)."""
    version = view.version
    network = version.network
    pdf = RoadmapPDF(
        tlp=view.tlp,
        running_title=f"{network.acronym} · {version.title} · v{version.version}",
        watermark=watermark,
    )
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.para(version.title, size=20, bold=True, height=9)
    published: Any = version.published_at or version.created_at
    pdf.para(
        _("%(network)s roadmap, version %(version)s, %(date)s")
        % {
            "network": network.acronym,
            "version": version.version,
            "date": formats.date_format(timezone.localtime(published), "DATE_FORMAT"),
        },
        size=11,
    )
    pdf.para(network.name, size=10)
    if version.status != "published":
        pdf.para(_("DRAFT: not published"), size=11, bold=True)
    pdf.ln(4)
    if version.introduction:
        pdf.heading(_("Introduction"))
        pdf.para(version.introduction)
    for section in view.sections:
        pdf.heading(section.heading)
        if not section.entries:
            pdf.para(_("No needs in this section."), size=10)
            continue
        pdf.score_chart(section)
        for entry in section.entries:
            pdf.entry(entry)
    return bytes(pdf.output())
