"""How much EU funding went where: sums over the research projects a reader may see.

``funding_summary(viewer, ...)`` adds up, in SQL, the EU contribution and total cost of
the projects ``filter_visible`` lets this reader see, by start year, by programme and in
total, and the EU contribution each participant received, by the participant's country
(DESIGN §2: a sum is a read of every item in it, so nothing the reader may not see is
ever added in). ``bar_chart`` lays such rows out as a bar chart for an SVG template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.formats import number_format
from django.utils.translation import gettext

from lenhub.access.models import TLP
from lenhub.access.policy import Viewer, filter_visible, most_restrictive
from lenhub.knowledge.models import Participation, Project

# Room for the sum of many 14-digit amounts; the same type on SQLite and PostgreSQL.
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


def _money(amount: Decimal | int) -> Decimal:
    """To the cent: SQLite hands back an empty sum as the integer 0."""
    return Decimal(amount).quantize(ZERO)


def _sum(field: str) -> Coalesce:
    return Coalesce(Sum(field, output_field=MONEY), Value(ZERO), output_field=MONEY)


@dataclass(frozen=True)
class YearRow:
    year: int | None  # None: the project has no start date
    projects: int
    eu_contribution: Decimal
    total_cost: Decimal


@dataclass(frozen=True)
class ProgrammeRow:
    framework: str
    programme: str  # as the source records it; CORDIS joins several with ";"
    projects: int
    eu_contribution: Decimal
    total_cost: Decimal


@dataclass(frozen=True)
class CountryRow:
    country_code: str  # "" when the participant's country is not recorded
    participations: int
    projects: int
    eu_contribution: Decimal  # the sum of each participation's own EU contribution
    participations_without_amount: int


@dataclass(frozen=True)
class Totals:
    projects: int
    eu_contribution: Decimal
    total_cost: Decimal
    projects_without_eu_contribution: int
    projects_without_total_cost: int


@dataclass(frozen=True)
class FundingSummary:
    totals: Totals
    tlp: str  # the most restrictive label among the projects counted
    by_year: list[YearRow]
    by_programme: list[ProgrammeRow]
    by_country: list[CountryRow]


def funding_projects(
    viewer: Viewer, *, framework: str = "", programme: str = "", status: str = ""
) -> QuerySet[Project]:
    """The projects this reader may see, narrowed by the filters given."""
    projects = filter_visible(viewer, Project.objects.all())
    if framework:
        projects = projects.filter(framework=framework)
    if programme:
        projects = projects.filter(programme=programme)
    if status:
        projects = projects.filter(status=status)
    return projects.order_by()


def funding_summary(
    viewer: Viewer, *, framework: str = "", programme: str = "", status: str = ""
) -> FundingSummary:
    """EU contribution and total cost of the projects this reader may see (five queries)."""
    projects = funding_projects(viewer, framework=framework, programme=programme, status=status)
    # Sums are named apart from the fields they add up: Django refuses an annotation
    # that shadows a field.
    money = {"eu": _sum("eu_contribution"), "cost": _sum("total_cost")}
    totals = projects.aggregate(
        projects=Count("pk"),
        **money,
        eu_missing=Count("pk", filter=Q(eu_contribution=None)),
        cost_missing=Count("pk", filter=Q(total_cost=None)),
    )
    by_year = (
        projects.annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(projects=Count("pk"), **money)
        .order_by(F("year").asc(nulls_last=True))
    )
    by_programme = (
        projects.values("framework", "programme")
        .annotate(projects=Count("pk"), **money)
        .order_by("-eu", "framework", "programme")
    )
    by_country = (
        Participation.objects.filter(project__in=projects.values("pk"))
        .values(country=F("organisation__country_code"))
        .annotate(
            participations=Count("pk"),
            projects=Count("project", distinct=True),
            eu=_sum("eu_contribution"),
            eu_missing=Count("pk", filter=Q(eu_contribution=None)),
        )
        .order_by("-eu", "country")
    )
    labels = projects.values_list("tlp", flat=True).distinct()
    return FundingSummary(
        totals=Totals(
            projects=totals["projects"],
            eu_contribution=_money(totals["eu"]),
            total_cost=_money(totals["cost"]),
            projects_without_eu_contribution=totals["eu_missing"],
            projects_without_total_cost=totals["cost_missing"],
        ),
        tlp=most_restrictive(TLP.CLEAR, *labels),
        by_year=[
            YearRow(row["year"], row["projects"], _money(row["eu"]), _money(row["cost"]))
            for row in by_year
        ],
        by_programme=[
            ProgrammeRow(
                row["framework"],
                row["programme"],
                row["projects"],
                _money(row["eu"]),
                _money(row["cost"]),
            )
            for row in by_programme
        ],
        by_country=[
            CountryRow(
                row["country"],
                row["participations"],
                row["projects"],
                _money(row["eu"]),
                row["eu_missing"],
            )
            for row in by_country
        ],
    )


def funding_choices(viewer: Viewer) -> tuple[list[str], list[tuple[str, str]]]:
    """The frameworks, and the (framework, programme) pairs, of the projects this reader
    may see: the values the filters offer."""
    projects = funding_projects(viewer)
    frameworks = projects.exclude(framework="").values_list("framework", flat=True)
    pairs = projects.exclude(programme="").values_list("framework", "programme")
    return sorted(set(frameworks)), sorted(set(pairs))


def programme_label(framework: str, programme: str) -> str:
    """``H2020 · H2020-EU.3.7. + H2020-EU.2.3.1.`` for a programme as CORDIS records it."""
    parts = [framework, " + ".join(p for p in programme.split(";") if p)]
    return " · ".join(p for p in parts if p) or gettext("Programme not recorded")


def euros(amount: Decimal | None) -> str:
    """An amount in whole euros, grouped the way the reader's language groups digits."""
    if amount is None:
        return "—"
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)  # number_format truncates
    grouped = number_format(whole, decimal_pos=0, use_l10n=True, force_grouping=True)
    # Translators: where the euro sign goes, e.g. "%(amount)s €" in French or German
    return gettext("€%(amount)s") % {"amount": grouped}


# --- a bar chart, laid out for an SVG template -------------------------------------------

CHART_WIDTH = 800
BAR_AREA = 560  # the longest bar; the rest of the width holds its figures
LABEL_HEIGHT = 18  # a row's label sits above its bars
BAR_HEIGHT = 16
ROW_GAP = 12


@dataclass(frozen=True)
class ChartBar:
    label: str
    figures: str  # the row's amounts in words, at the end of its bars
    label_y: str
    bar_y: str
    solid_width: str  # EU contribution: a filled bar
    outline_width: str | None  # total cost: an outlined bar around it (None: not shown)
    figures_x: str
    figures_y: str


@dataclass(frozen=True)
class Chart:
    height: str
    bar_height: str
    bars: list[ChartBar]

    @property
    def viewbox(self) -> str:
        return f"0 0 {CHART_WIDTH} {self.height}"


def _width(value: Decimal, largest: Decimal) -> float:
    if largest <= 0 or value <= 0:
        return 0.0
    return max(float(value / largest) * BAR_AREA, 1.0)  # a tiny amount still shows


def bar_chart(rows: Sequence[Any], labels: Sequence[str], *, with_cost: bool) -> Chart:
    """A horizontal bar per row: the EU contribution filled, the total cost (when
    ``with_cost``) as an outline of its own length. Coordinates are strings so that no
    language's number format can reach them."""
    largest = max(
        [row.eu_contribution for row in rows]
        + ([row.total_cost for row in rows] if with_cost else []),
        default=ZERO,
    )
    bars = []
    step = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        top = index * step + 4
        solid = _width(row.eu_contribution, largest)
        outline = _width(row.total_cost, largest) if with_cost else None
        if with_cost:
            figures = gettext("%(eu)s of %(total)s") % {
                "eu": euros(row.eu_contribution),
                "total": euros(row.total_cost),
            }
        else:
            figures = euros(row.eu_contribution)
        bar_y = top + LABEL_HEIGHT
        bars.append(
            ChartBar(
                label=label,
                figures=figures,
                label_y=f"{top + 13}",
                bar_y=f"{bar_y}",
                solid_width=f"{solid:.1f}",
                outline_width=None if outline is None else f"{outline:.1f}",
                figures_x=f"{max(solid, outline or 0.0) + 8:.1f}",
                figures_y=f"{bar_y + 12}",
            )
        )
    return Chart(height=f"{len(bars) * step + 4}", bar_height=f"{BAR_HEIGHT}", bars=bars)
