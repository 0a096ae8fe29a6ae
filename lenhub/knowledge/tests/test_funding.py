"""The funding page and API: sums by start year, programme and participant country over
the projects the reader may see, with the expected figures worked out by hand."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.test import Client

from lenhub.access.policy import ANONYMOUS, viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.tokens import token_create
from lenhub.conftest import World, client_sign_in
from lenhub.knowledge.cordis import cordis_import, iso_country
from lenhub.knowledge.funding import funding_summary
from lenhub.knowledge.models import Participation, Project, ResearchOrganisation
from lenhub.knowledge.tests.conftest import shared_data

pytestmark = pytest.mark.django_db

D = Decimal
PAGE = "/knowledge/funding/"
API = "/api/v1/knowledge/funding"


def _project(acronym: str, *, framework: str, programme: str, start: date | None,
             total: str | None, eu: str | None, status: str,
             audience: list[str] | None = None, tlp: str = "CLEAR") -> Project:  # fmt: skip
    project = Project.objects.create(
        acronym=acronym,
        title=f"The {acronym} project",
        framework=framework,
        programme=programme,
        start_date=start,
        total_cost=D(total) if total else None,
        eu_contribution=D(eu) if eu else None,
        status=status,
    )
    restricted_set_audience(item=project, audience=audience or ["public"], tlp=tlp, actor=None)
    return project


def _take_part(project: Project, organisation: ResearchOrganisation, eu: str | None) -> None:
    Participation.objects.create(
        project=project,
        organisation=organisation,
        role="participant",
        eu_contribution=D(eu) if eu else None,
    )


def plant(enlets_id: int | None = None) -> None:
    """Four public projects and, given a network, one for its members only (TLP:AMBER)
    with amounts found nowhere else."""
    police = ResearchOrganisation.objects.create(name="Polish Police", country_code="PL")
    lab = ResearchOrganisation.objects.create(name="Drone Lab", country_code="DE")
    uni = ResearchOrganisation.objects.create(name="Université", country_code="FR")
    nowhere = ResearchOrganisation.objects.create(name="Somewhere", country_code="")
    alpha = _project("ALPHA", framework="FP7", programme="FP7-SECURITY",
                     start=date(2012, 3, 1), total="1000000.00", eu="800000.00",
                     status="ended")  # fmt: skip
    _take_part(alpha, police, "500000.00")
    _take_part(alpha, lab, "300000.00")
    bravo = _project("BRAVO", framework="H2020", programme="H2020-EU.3.7.",
                     start=date(2016, 9, 1), total="2500000.50", eu="2000000.25",
                     status="ongoing")  # fmt: skip
    _take_part(bravo, lab, "1200000.25")
    _take_part(bravo, uni, "800000.00")
    _take_part(bravo, nowhere, None)
    charlie = _project("CHARLIE", framework="H2020", programme="H2020-EU.3.7.",
                       start=date(2016, 1, 1), total=None, eu="400000.00",
                       status="ended")  # fmt: skip
    _take_part(charlie, police, "400000.00")
    delta = _project("DELTA", framework="FP7", programme="FP7-SECURITY", start=None,
                     total="50000.00", eu=None, status="cancelled")  # fmt: skip
    _take_part(delta, uni, None)
    if enlets_id is not None:
        secret = _project("SECRET", framework="HORIZON", programme="HORIZON-CL3-2021",
                          start=date(2016, 5, 1), total="9876543.21", eu="7654321.09",
                          status="ongoing", audience=[f"network:{enlets_id}"],
                          tlp="AMBER")  # fmt: skip
        _take_part(secret, lab, "7654321.09")


# Worked out by hand from ``plant``: what anyone may see (the four public projects) ...
PUBLIC_TOTALS = {
    "projects": 4,
    "eu_contribution": "3200000.25",
    "total_cost": "3550000.50",
    "projects_without_eu_contribution": 1,
    "projects_without_total_cost": 1,
}
PUBLIC_YEARS: list[dict[str, Any]] = [
    {"year": 2012, "projects": 1, "eu_contribution": "800000.00", "total_cost": "1000000.00"},
    {"year": 2016, "projects": 2, "eu_contribution": "2400000.25", "total_cost": "2500000.50"},
    {"year": None, "projects": 1, "eu_contribution": "0.00", "total_cost": "50000.00"},
]
PUBLIC_PROGRAMMES = [
    ("H2020", "H2020-EU.3.7.", 2, "2400000.25", "2500000.50"),
    ("FP7", "FP7-SECURITY", 2, "800000.00", "1050000.00"),
]
PUBLIC_COUNTRIES = [  # country, participations, projects, EU contribution, without amount
    ("DE", 2, 2, "1500000.25", 0),
    ("PL", 2, 2, "900000.00", 0),
    ("FR", 2, 2, "800000.00", 1),
    ("", 1, 1, "0.00", 1),
]
# ... and what an ENLETS member sees besides: the AMBER project's 2016 start, programme
# and German participant.
MEMBER_TOTALS = {
    "projects": 5,
    "eu_contribution": "10854321.34",
    "total_cost": "13426543.71",
    "projects_without_eu_contribution": 1,
    "projects_without_total_cost": 1,
}
MEMBER_2016 = {"year": 2016, "projects": 3, "eu_contribution": "10054321.34",
               "total_cost": "12376543.71"}  # fmt: skip
MEMBER_GERMANY = ("DE", 3, 3, "9154321.34", 0)
# Whole euros as the page shows them (rounded half up): the secret project's own figures
# and every sum that includes them. None may reach a reader outside ENLETS.
SECRET_ON_PAGE = ["7,654,321", "9,876,543", "10,854,321", "13,426,544", "10,054,321",
                  "12,376,544", "9,154,321", "HORIZON"]  # fmt: skip
PUBLIC_IN_CHARTS = ["2,400,000", "2,500,001", "1,500,000"]  # 2016, and Germany


def _api_years(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**row, "eu_contribution": str(row["eu_contribution"]),
         "total_cost": str(row["total_cost"])}
        for row in body["by_year"]
    ]  # fmt: skip


def _api_countries(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (row["country"], row["participations"], row["projects"], str(row["eu_contribution"]),
         row["participations_without_amount"])
        for row in body["by_country"]
    ]  # fmt: skip


def _parts(html: str) -> dict[str, str]:
    """The page cut into what a reader sees: the totals, the charts and the tables."""
    charts = re.findall(r'<svg class="funding-chart".*?</svg>', html, re.S)
    tables = re.findall(r"<table.*?</table>", html, re.S)
    totals = re.search(r'<p id="funding-totals".*?</p>', html, re.S)
    form = re.search(r"<form method=\"get\" class=\"funding-filters\".*?</form>", html, re.S)
    return {
        "totals": totals.group(0) if totals else "",
        "charts": "\n".join(charts),
        "tables": "\n".join(tables),
        "filters": form.group(0) if form else "",
    }


# --- the figures --------------------------------------------------------------------


def test_the_sums_equal_those_worked_out_by_hand() -> None:
    """Each sum adds the amounts of the projects (or, by country, of the participations)
    in its group; a missing amount counts as nothing and is counted as missing."""
    plant()

    summary = funding_summary(ANONYMOUS)

    assert summary.totals.projects == 4
    assert summary.totals.eu_contribution == D("3200000.25")
    assert summary.totals.total_cost == D("3550000.50")
    assert summary.totals.projects_without_eu_contribution == 1
    assert summary.totals.projects_without_total_cost == 1
    assert summary.tlp == "CLEAR"
    assert [(r.year, r.projects, r.eu_contribution, r.total_cost) for r in summary.by_year] == [
        (y["year"], y["projects"], D(y["eu_contribution"]), D(y["total_cost"]))
        for y in PUBLIC_YEARS
    ]
    assert [
        (r.framework, r.programme, r.projects, r.eu_contribution, r.total_cost)
        for r in summary.by_programme
    ] == [(f, p, n, D(eu), D(cost)) for f, p, n, eu, cost in PUBLIC_PROGRAMMES]
    assert [
        (r.country_code, r.participations, r.projects, r.eu_contribution,
         r.participations_without_amount)
        for r in summary.by_country
    ] == [(c, n, p, D(eu), m) for c, n, p, eu, m in PUBLIC_COUNTRIES]  # fmt: skip


def test_the_api_gives_the_same_figures(django_assert_num_queries: Any) -> None:
    plant()

    with django_assert_num_queries(5):
        body = Client().get(API).json()

    assert body["tlp"] == "TLP:CLEAR"
    assert {k: str(v) for k, v in body["totals"].items()} == {
        k: str(v) for k, v in PUBLIC_TOTALS.items()
    }
    assert _api_years(body) == PUBLIC_YEARS
    assert [
        (r["framework"], r["programme"], r["projects"], r["eu_contribution"], r["total_cost"])
        for r in body["by_programme"]
    ] == PUBLIC_PROGRAMMES
    assert body["by_programme"][0]["label"] == "H2020 · H2020-EU.3.7."
    assert _api_countries(body) == PUBLIC_COUNTRIES
    assert [r["name"] for r in body["by_country"]] == ["Germany", "Poland", "France", ""]


def test_the_page_shows_every_figure_in_a_chart_and_a_table() -> None:
    """Each chart is an SVG image named by its title, followed by a table with a caption
    and header cells holding the same figures; years and countries lead to the search."""
    plant()

    html = Client().get(PAGE).content.decode()
    parts = _parts(html)

    assert html.count('<svg class="funding-chart"') == 3
    assert html.count('role="img"') == 3
    assert html.count("<caption>") == 3
    assert 'scope="row"' in parts["tables"] and 'scope="col"' in parts["tables"]
    for figure in ["€800,000", "€1,000,000", "€2,400,000", "€2,500,001", "€1,500,000",
                   "€900,000"]:  # fmt: skip
        assert figure in parts["charts"], figure
        assert figure in parts["tables"], figure
    assert "4 projects, with an EU contribution of €3,200,000 and a total cost of " \
           "€3,550,001." in parts["totals"]  # fmt: skip
    assert "TLP:CLEAR" in html
    assert 'href="/knowledge/?year=2012"' in parts["tables"]
    assert 'href="/knowledge/?country=DE"' in parts["tables"]
    assert ">Germany</a>" in parts["tables"]
    assert "Start date not recorded" in parts["tables"]
    assert "Country not recorded" in parts["tables"]
    assert "H2020 · H2020-EU.3.7." in parts["tables"]
    assert "filled bar: EU contribution" in html and "outlined bar: total cost" in html


def test_the_page_is_linked_from_the_search_and_from_projects() -> None:
    plant()
    project = Project.objects.get(acronym="ALPHA")
    client = Client()

    assert 'href="/knowledge/funding/"' in client.get("/knowledge/").content.decode()
    detail = client.get(f"/knowledge/projects/{project.pk}/").content.decode()
    assert 'href="/knowledge/funding/?framework=FP7"' in detail


# --- access -------------------------------------------------------------------------


def test_a_members_only_project_counts_only_for_members(world: World) -> None:
    """A TLP:AMBER project for ENLETS members adds to the sums an ENLETS member sees,
    and to nothing anyone else sees: page totals, charts, tables, filters and API."""
    plant(world.enlets.pk)
    member, outsider = world.people["lea_pl"], world.people["lea_fr_aquapol"]
    # the policy's own answer, by reader
    assert funding_summary(viewer_for_user(member, mfa_verified=True)).totals.projects == 5
    assert funding_summary(viewer_for_user(outsider, mfa_verified=True)).totals.projects == 4

    clients = {"anonymous": Client()}
    for who in ("lea_pl", "lea_fr_aquapol"):
        clients[who] = Client()
        client_sign_in(clients[who], world.people[who].email, world.secrets[who])
    tokens = {
        who: token_create(user=world.people[who], name="t", scopes=["knowledge:read"]).secret
        for who in ("lea_pl", "lea_fr_aquapol")
    }

    for who in ("anonymous", "lea_fr_aquapol"):
        html = clients[who].get(PAGE).content.decode()
        parts = _parts(html)
        for secret in SECRET_ON_PAGE:
            assert secret not in html, (who, secret)
        for public in PUBLIC_IN_CHARTS:
            assert public in parts["charts"] and public in parts["tables"], (who, public)
        assert "€3,200,000" in parts["totals"] and "€3,550,001" in parts["totals"], who
        assert "TLP:AMBER" not in html
        bodies = [clients[who].get(API).json()]
        if who in tokens:
            bearer = {"Authorization": f"Bearer {tokens[who]}"}
            bodies.append(Client().get(API, headers=bearer).json())
        for body in bodies:
            assert body["totals"]["projects"] == 4, who
            assert body["totals"]["eu_contribution"] == PUBLIC_TOTALS["eu_contribution"]
            assert _api_years(body) == PUBLIC_YEARS
            assert _api_countries(body) == PUBLIC_COUNTRIES
            assert "HORIZON" not in str(body)
            assert body["tlp"] == "TLP:CLEAR"

    html = clients["lea_pl"].get(PAGE).content.decode()
    parts = _parts(html)
    for secret in ["10,854,321", "13,426,544"]:
        assert secret in parts["totals"], secret
    for secret in ["10,054,321", "12,376,544", "9,154,321"]:
        assert secret in parts["charts"] and secret in parts["tables"], secret
    assert "HORIZON-CL3-2021" in parts["filters"]
    assert "TLP:AMBER" in parts["totals"]
    bearer = {"Authorization": f"Bearer {tokens['lea_pl']}"}
    for body in (clients["lea_pl"].get(API).json(), Client().get(API, headers=bearer).json()):
        assert {k: str(v) for k, v in body["totals"].items()} == {
            k: str(v) for k, v in MEMBER_TOTALS.items()
        }
        assert MEMBER_2016 in _api_years(body)
        assert _api_countries(body)[0] == MEMBER_GERMANY
        assert body["tlp"] == "TLP:AMBER"


def test_a_token_needs_the_knowledge_scope(world: World) -> None:
    token = token_create(user=world.people["lea_pl"], name="t", scopes=["news:read"])
    bearer = {"Authorization": f"Bearer {token.secret}"}

    response = Client().get(API, headers=bearer)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


# --- empty, filtered ----------------------------------------------------------------


def test_with_nothing_to_count_the_page_says_so_and_draws_nothing(world: World) -> None:
    """Only a members-only project exists: an anonymous reader gets the empty page."""
    plant_only_secret = Project.objects.create(acronym="SECRET", title="S", framework="X",
                                               eu_contribution=D("7654321.09"))  # fmt: skip
    restricted_set_audience(item=plant_only_secret, audience=[f"network:{world.enlets.pk}"],
                            tlp="AMBER", actor=None)  # fmt: skip

    html = Client().get(PAGE).content.decode()
    body = Client().get(API).json()

    assert "There are no projects you may read yet" in html
    assert '<svg class="funding-chart"' not in html and "<table" not in html
    assert "7,654,321" not in html and ">X<" not in html
    assert body == {
        "tlp": "TLP:CLEAR",
        "totals": {"projects": 0, "eu_contribution": "0.00", "total_cost": "0.00",
                   "projects_without_eu_contribution": 0, "projects_without_total_cost": 0},
        "by_year": [], "by_programme": [], "by_country": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "projects", "eu", "cost"),
    [
        ("framework=FP7", 2, "800000.00", "1050000.00"),
        ("programme=H2020-EU.3.7.", 2, "2400000.25", "2500000.50"),
        ("status=ended", 2, "1200000.00", "1000000.00"),
        ("framework=H2020&status=ended", 1, "400000.00", "0.00"),
        ("framework=FP7&status=ongoing", 0, "0.00", "0.00"),
    ],
)
def test_filters(query: str, projects: int, eu: str, cost: str) -> None:
    plant()
    client = Client()

    body = client.get(f"{API}?{query}").json()
    html = client.get(f"{PAGE}?{query}").content.decode()

    assert (body["totals"]["projects"], body["totals"]["eu_contribution"],
            body["totals"]["total_cost"]) == (projects, eu, cost)  # fmt: skip
    eu_text = f"€{int(D(eu)):,}"
    assert f"with an EU contribution of {eu_text}" in _parts(html)["totals"]
    if not projects:
        assert "No project you may read matches these filters" in html


def test_links_to_the_search_keep_the_framework_and_status() -> None:
    plant()

    html = Client().get(f"{PAGE}?framework=FP7&status=ended").content.decode()

    assert 'href="/knowledge/?programme=FP7&amp;status=ended&amp;year=2012"' in html
    assert 'href="/knowledge/?programme=FP7&amp;status=ended&amp;country=PL"' in html


def test_filters_it_does_not_know_are_refused_or_ignored() -> None:
    plant()
    client = Client()

    html = client.get(f"{PAGE}?framework=NOPE").content.decode()
    response = client.get(f"{API}?status=nope")

    assert "Some filters were not understood and were ignored." in html
    assert "4 projects" in _parts(html)["totals"]
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "status"
    assert client.get(f"{API}?framework=NOPE").json()["totals"]["projects"] == 0


def test_french_readers_get_french_number_grouping() -> None:
    plant()

    html = Client(headers={"accept-language": "fr"}).get(PAGE).content.decode()

    # French groups digits with a (narrow) no-break space; SVG coordinates stay numbers
    assert re.search(r"3\W200\W000", _parts(html)["totals"])
    assert "3,200,000" not in html
    assert not re.search(r'(width|x|y)="\d+,\d', _parts(html)["charts"])


# --- the real CORDIS sample ---------------------------------------------------------


def test_on_the_real_cordis_sample_the_sums_equal_those_of_the_csv_files() -> None:
    """The 712 real projects: each start year's sums equal a plain sum over the CSV rows
    (ecMaxContribution and totalCost), and each country's equals the sum of ecContribution
    over the participation rows (CORDIS codes mapped to ISO ones)."""
    directory = shared_data() / "security-research"
    if not (directory / "fp7-security-projects.csv").exists():
        pytest.skip(f"the real CORDIS sample is not at {directory} (../shared/data absent)")
    projects = [directory / "fp7-security-projects.csv",
                directory / "h2020-secure-societies-projects.csv"]  # fmt: skip
    participations = [directory / "fp7-security-participations.csv",
                      directory / "h2020-secure-societies-participations.csv"]  # fmt: skip
    report = cordis_import(projects=projects, participations=participations)
    assert not report.rejected

    eu_by_year: dict[int, Decimal] = defaultdict(Decimal)
    cost_by_year: dict[int, Decimal] = defaultdict(Decimal)
    count_by_year: dict[int, int] = defaultdict(int)
    for path in projects:
        for row in csv.DictReader(path.open(encoding="utf-8-sig", newline="")):
            year = int(row["startDate"][:4])
            eu_by_year[year] += D(row["ecMaxContribution"] or "0")
            cost_by_year[year] += D(row["totalCost"] or "0")
            count_by_year[year] += 1
    eu_by_country: dict[str, Decimal] = defaultdict(Decimal)
    for path in participations:
        for row in csv.DictReader(path.open(encoding="utf-8-sig", newline="")):
            eu_by_country[iso_country(row["country"])] += D(row["ecContribution"] or "0")

    body = Client().get(API).json()

    assert {row["year"]: (row["projects"], D(row["eu_contribution"]), D(row["total_cost"]))
            for row in body["by_year"]} == {
        year: (count_by_year[year], eu_by_year[year], cost_by_year[year])
        for year in count_by_year
    }  # fmt: skip
    assert body["totals"]["projects"] == 712
    assert D(body["totals"]["eu_contribution"]) == sum(eu_by_year.values())
    assert {row["country"]: D(row["eu_contribution"]) for row in body["by_country"]} == dict(
        eu_by_country
    )
    html = Client().get(PAGE).content.decode()
    total = f"€{sum(eu_by_year.values(), D(0)).quantize(D(1), rounding=ROUND_HALF_UP):,}"
    assert f"712 projects, with an EU contribution of {total}" in html
