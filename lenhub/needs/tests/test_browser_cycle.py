"""The whole bottom-up cycle in Chromium (issue 6, "Must show"), every step through the
pages: a Polish and a German officer report needs to ENLETS (the German one is shown the
Polish need as "similar" while typing a near duplicate); the secretariat merges the
duplicate, the Polish National Contact and the secretariat accept the others; the
secretariat confirms knowledge that answers two needs (gap analysis), runs a points
round in which four members of two countries vote (one changes their ballot, which
changes the winner), closes it, builds and publishes a roadmap; a member downloads the
PDF, whose text (pdftotext) has the section headings, the top-ranked need and the TLP
label on every page. Every distinct page is checked with axe; no page breaks the strict
Content-Security-Policy or throws a script error. Mail goes through a real local SMTP
server. People and the knowledge items that already exist are set up directly."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import User
from lenhub.conftest import PASSWORD, World, build_world
from lenhub.core.testing.axe import STRICT_TAGS, axe_violations, format_violations
from lenhub.core.testing.browser import (
    CHROMIUM_MISSING,
    PageWatch,
    SMTPServer,
    assert_strict_csp,
    chromium_available,
    field_label,
    new_context,
    sign_in,
    url_pattern,
    watch,
)
from lenhub.knowledge.models import Concept, Result
from lenhub.needs.models import (
    Ballot,
    Need,
    NeedStatus,
    RoadmapStatus,
    RoadmapVersion,
    Round,
    RoundStatus,
)
from lenhub.search.indexing import reindex

pytestmark = [
    pytest.mark.browser,
    pytest.mark.both_databases,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not chromium_available(), reason=CHROMIUM_MISSING),
]

PDFTOTEXT = Path("/usr/bin/pdftotext")
HEADINGS = ("Research challenges", "Technology needs", "Gaps")

DRONES = "Detecting small drones that drop contraband into prisons"
DRONES_AGAIN = "Detecting drones that fly contraband over prison walls"
MINORS = "How criminal networks recruit minors on messaging apps"
CARS = "Reading the infotainment data of seized cars"

# Display names of the voters: none may appear on the results page (aggregate only).
NAMES = {
    "lea_pl": "Anna Kowalska",
    "nc_pl": "Piotr Nowak",
    "lea_de": "Jonas Becker",
    "core_de": "Miriam Vogel",
}


def _pk(page: Page, pattern: str) -> int:
    found = re.search(pattern, page.url)
    assert found, page.url
    return int(found.group(1))


def _status(page: Page) -> Locator:
    return page.get_by_role("status").filter(has=page.locator("ul.messages"))


class Accessibility:
    """axe on each distinct page (by name), violations gathered for one report."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Page, name: str) -> None:
        self.checked.append(name)
        violations = axe_violations(page, STRICT_TAGS)
        if violations:
            self.found[f"{name} ({page.url})"] = violations


def _report(
    page: Page,
    *,
    title: str,
    kind: str,
    problem: str,
    capability: str,
    country: str,
    crime_area: str,
    urgency: str,
) -> None:
    main = page.locator("main")
    main.get_by_label(field_label("Title")).fill(title)
    main.get_by_label(field_label("Kind")).select_option(kind)
    main.get_by_label(field_label("The problem")).fill(problem)
    main.get_by_label(field_label("The capability wanted")).fill(capability)
    main.get_by_label(field_label("Crime area")).select_option(crime_area)
    main.get_by_label(field_label("Urgency")).select_option(urgency)
    main.get_by_label(field_label("Countries affected")).select_option([country])
    expect(main.get_by_label(field_label("TLP label"))).to_have_value("GREEN")
    main.get_by_role("button", name="Save as draft").click()
    expect(page).to_have_url(url_pattern(r"/needs/\d+/"))
    expect(_status(page)).to_contain_text("Saved as a draft")
    main.get_by_role("button", name="Submit for curation").click()
    expect(_status(page)).to_contain_text("Submitted")


def _pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(
        [str(PDFTOTEXT), "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    return [page for page in out.split("\f") if page.strip()]


@pytest.mark.skipif(not PDFTOTEXT.is_file(), reason="pdftotext (poppler-utils) is missing")
def test_needs_to_published_roadmap_pdf(
    live_server: Any, browser: Browser, mailbox: SMTPServer, tmp_path: Path
) -> None:
    world: World = build_world()
    enlets = world.enlets
    for key, name in NAMES.items():
        User.objects.filter(pk=world.people[key].pk).update(display_name=name)
    # knowledge that already exists in the knowledge factory
    radar = Result.objects.create(
        kind="tool",
        title="Perimeter radar that detects small drones near prisons",
        description="A radar tested at prisons: detects small drones that drop contraband.",
        trl=7,
        tlp="CLEAR",
    )
    restricted_set_audience(item=radar, audience=["public"], tlp="CLEAR", actor=None)
    study = Concept.objects.create(
        title="Study of how criminal networks recruit minors online",
        idea="Interviews and case files on how criminal networks recruit minors on messaging apps.",
        seeking="partners",
        tlp="GREEN",
    )
    restricted_set_audience(item=study, audience=["members"], tlp="GREEN", actor=None)
    reindex(["result", "concept"])

    watches: list[PageWatch] = []
    console_errors: list[str] = []
    axe = Accessibility()

    def person(key: str) -> Page:
        context = new_context(browser, live_server.url, accept_downloads=True)
        page = context.new_page()
        watches.append(watch(page))
        page.on(
            "console",
            lambda m: console_errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        sign_in(page, world.people[key].email, PASSWORD, world.secrets[key])
        expect(page).to_have_url(url_pattern("/dashboard/"))
        return page

    # --- 1. needs reported in Poland and in Germany -------------------------------------
    pl = person("lea_pl")
    pl.goto("/needs/")
    axe.check(pl, "need list")
    # the link in the page's text (the needs menu has one too)
    pl.locator("main > p").get_by_role("link", name="Report a need").click()
    expect(pl).to_have_url(url_pattern(r"/needs/new/"))
    expect(pl.get_by_role("heading", level=1)).to_have_text("Report a need to ENLETS")
    axe.check(pl, "need form")
    _report(
        pl,
        title=DRONES,
        kind="technology_need",
        problem="Small drones fly drugs and phones over prison walls at night; we see them "
        "too late to intercept the drop.",
        capability="Detect and locate small drones near a prison early enough to act.",
        country="PL",
        crime_area="drugs",
        urgency="high",
    )
    drones = _pk(pl, r"/needs/(\d+)/")
    axe.check(pl, "need detail (reporter)")
    pl.locator("main").get_by_role("link", name="Edit", exact=True).click()
    expect(pl).to_have_url(url_pattern(f"/needs/{drones}/edit/"))
    expect(pl.locator("main").get_by_label(field_label("Title"))).to_have_value(DRONES)
    axe.check(pl, "need edit form")
    pl.goto("/needs/new/")
    _report(
        pl,
        title=MINORS,
        kind="research_challenge",
        problem="Criminal networks recruit minors for street dealing through messaging "
        "apps; we do not understand how the contact starts.",
        capability="Research on the recruitment path, to design prevention and detection.",
        country="PL",
        crime_area="drugs",
        urgency="medium",
    )
    minors = _pk(pl, r"/needs/(\d+)/")

    de = person("lea_de")
    de_main = de.locator("main")
    de.goto("/needs/new/")
    # while the German officer types a near duplicate, the form shows the Polish need
    de_main.get_by_label(field_label("Title")).press_sequentially(DRONES_AGAIN, delay=5)
    similar = de.locator("#similar-needs")
    expect(similar.get_by_role("link", name=DRONES)).to_have_attribute("href", f"/needs/{drones}/")
    expect(similar.get_by_role("link").first).to_have_text(DRONES)  # the most similar first
    _report(
        de,
        title=DRONES_AGAIN,
        kind="technology_need",
        problem="Drones carry contraband over prison walls; the guards cannot see them.",
        capability="Early warning of drones approaching a prison.",
        country="DE",
        crime_area="drugs",
        urgency="high",
    )
    duplicate = _pk(de, r"/needs/(\d+)/")
    de.goto("/needs/new/")
    _report(
        de,
        title=CARS,
        kind="technology_need",
        problem="Seized cars store routes, calls and contacts in their infotainment "
        "systems, and every maker stores them differently.",
        capability="A forensic tool that reads the infotainment data of common makes.",
        country="DE",
        crime_area="economic",
        urgency="medium",
    )
    cars = _pk(de, r"/needs/(\d+)/")

    # --- 2. curation: the Polish National Contact accepts, the secretariat merges -------
    nc = person("nc_pl")
    nc_main = nc.locator("main")
    nc.goto("/needs/curate/")
    axe.check(nc, "curation queue")
    expect(nc_main.get_by_role("link", name=DRONES, exact=True)).to_be_visible()
    expect(nc_main.get_by_role("link", name=MINORS)).to_be_visible()
    expect(nc_main).not_to_contain_text(DRONES_AGAIN)  # German needs: not theirs
    nc_main.get_by_role("link", name=DRONES, exact=True).click()
    axe.check(nc, "need detail (curator)")
    nc_main.get_by_role("button", name="Accept").click()
    expect(_status(nc)).to_contain_text("The need was curated.")
    nc.goto("/needs/curate/")
    nc_main.get_by_role("link", name=MINORS).click()
    nc_main.get_by_role("button", name="Accept").click()
    expect(_status(nc)).to_contain_text("The need was curated.")
    nc.goto("/needs/curate/")
    expect(nc_main).to_contain_text("Nothing waits for you.")

    sec = person("secretariat")
    sec_main = sec.locator("main")
    sec.goto("/needs/curate/")
    expect(sec_main.get_by_role("link", name=CARS)).to_be_visible()
    sec_main.get_by_role("link", name=DRONES_AGAIN).click()
    expect(sec).to_have_url(url_pattern(f"/needs/{duplicate}/"))
    sec_main.get_by_label(field_label("Merge into")).select_option(str(drones))
    sec_main.get_by_role("button", name="Merge this duplicate").click()
    expect(_status(sec)).to_contain_text("The need was curated.")
    expect(sec_main.get_by_role("link", name=re.compile("merged into"))).to_have_attribute(
        "href", f"/needs/{drones}/"
    )
    sec.goto("/needs/curate/")
    sec_main.get_by_role("link", name=CARS).click()
    sec_main.get_by_role("button", name="Accept").click()
    expect(_status(sec)).to_contain_text("The need was curated.")
    statuses = dict(Need.objects.values_list("pk", "status"))
    assert statuses == {
        drones: NeedStatus.ACCEPTED,
        minors: NeedStatus.ACCEPTED,
        cars: NeedStatus.ACCEPTED,
        duplicate: NeedStatus.MERGED,
    }
    # the German reporter reads on their need's page where it went
    de.goto(f"/needs/{duplicate}/")
    expect(de_main).to_contain_text("Merged into another need")
    de.goto("/needs/")
    expect(de_main.get_by_role("link", name=DRONES, exact=True)).to_be_visible()

    # --- 3. gap analysis: knowledge that answers two of the needs ------------------------
    sec.goto("/needs/gaps/?network=ENLETS")
    axe.check(sec, "gaps")
    for title in (DRONES, MINORS, CARS):
        expect(sec_main.get_by_role("link", name=title)).to_be_visible()
    for title, item in ((DRONES, radar.title), (MINORS, study.title)):
        sec.goto("/needs/gaps/?network=ENLETS")
        sec_main.get_by_role("link", name=title).click()
        sec_main.get_by_role("button", name="Look for suggestions again").click()
        expect(_status(sec)).to_contain_text("Suggestions were looked for again.")
        entry = sec_main.locator("li", has=sec.get_by_role("link", name=item))
        entry.get_by_label(field_label("Does it answer the need?")).select_option("addressed")
        entry.get_by_role("button", name="Record").click()
        expect(_status(sec)).to_contain_text("Your decision was recorded.")
        expect(sec_main).to_contain_text("Answered, at least in part")
    axe.check(sec, "knowledge links of a need")
    sec.goto("/needs/gaps/?network=ENLETS")
    expect(sec_main.get_by_role("link", name=CARS)).to_be_visible()
    expect(sec_main.get_by_role("link", name=DRONES, exact=True)).to_have_count(0)

    # --- 4. a points round: created and opened by the secretariat -----------------------
    sec.goto("/rounds/")
    axe.check(sec, "round list")
    sec_main.get_by_role("link", name="New round for ENLETS").click()
    expect(sec).to_have_url(url_pattern(r"/rounds/new/\?network=ENLETS"))
    axe.check(sec, "round form")
    expect(sec_main.get_by_label(field_label(DRONES_AGAIN))).to_have_count(
        0
    )  # merged: not selectable
    now = timezone.now()
    sec_main.get_by_label(field_label("Title")).fill("ENLETS priorities 2026")
    sec_main.get_by_label(field_label("Method")).select_option("points")
    sec_main.get_by_label(field_label("Opens")).fill(
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    sec_main.get_by_label(field_label("Closes")).fill(
        (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    )
    for title in (DRONES, MINORS, CARS):
        sec_main.get_by_label(field_label(title)).check()
    sec_main.get_by_label(field_label("Who may see the round and its results")).select_option(
        f"network:{enlets.pk}"
    )
    sec_main.get_by_label(field_label("TLP label")).select_option("GREEN")
    sec_main.get_by_role("button", name="Save as draft").click()
    expect(_status(sec)).to_contain_text("The round was saved as a draft.")
    round_pk = _pk(sec, r"/rounds/(\d+)/")
    axe.check(sec, "round detail (draft)")
    sec_main.get_by_role("button", name="Open the round").click()
    expect(_status(sec)).to_contain_text("The round is open")
    assert Round.objects.get(pk=round_pk).status == RoundStatus.OPEN

    # --- 5. four voters from Poland and Germany; the running total adds up --------------
    def vote(page: Page, points: dict[str, int], *, check: bool = False) -> None:
        main = page.locator("main")
        page.goto(f"/rounds/{round_pk}/")
        main.get_by_role("link", name=re.compile(r"^(Vote|Change your vote)$")).click()
        expect(page).to_have_url(url_pattern(f"/rounds/{round_pk}/vote/"))
        total = main.locator("#points-total")
        expect(total).to_be_visible()  # shown by the script
        if check:
            axe.check(page, "ballot")
            running = 0
            for title, value in points.items():
                main.get_by_label(field_label(title)).fill(str(value))
                running += value
                expect(total).to_have_text(str(running))
            expect(main.locator(".points-total")).not_to_have_class(re.compile("over-budget"))
            main.get_by_label(field_label(CARS)).fill(str(points[CARS] + 50))
            expect(total).to_have_text(str(running + 50))
            expect(main.locator(".points-total")).to_have_class(re.compile("over-budget"))
        for title, value in points.items():
            main.get_by_label(field_label(title)).fill(str(value))
        expect(total).to_have_text(str(sum(points.values())))
        main.get_by_role("button", name="Save my ballot").click()
        expect(page).to_have_url(url_pattern(f"/rounds/{round_pk}/"))
        expect(_status(page)).to_contain_text("Your ballot was saved.")

    core = person("core_de")
    vote(pl, {DRONES: 50, MINORS: 30, CARS: 20}, check=True)
    vote(nc, {DRONES: 40, MINORS: 40, CARS: 20})
    vote(de, {DRONES: 10, MINORS: 20, CARS: 70})
    vote(core, {DRONES: 45, MINORS: 15, CARS: 40})
    # as cast so far the car need would win (37.5 against 36.25); the German officer
    # changes their ballot, which makes the drones need first (48.75, 27.5, 23.75)
    de.goto(f"/rounds/{round_pk}/vote/")
    expect(de.locator("main").get_by_label(field_label(CARS))).to_have_value("70")
    vote(de, {DRONES: 60, MINORS: 10, CARS: 30})
    assert Ballot.objects.filter(round_id=round_pk).count() == 4

    # --- 6. closed by the secretariat; results in aggregate --------------------------------
    sec.goto(f"/rounds/{round_pk}/")
    expect(sec_main).to_contain_text("Ballots so far")
    sec_main.get_by_role("button", name="Close the round now").click()
    expect(sec).to_have_url(url_pattern(f"/rounds/{round_pk}/results/"))
    expect(_status(sec)).to_contain_text("The round is closed.")
    pl.goto(f"/rounds/{round_pk}/")
    pl.locator("main").get_by_role("link", name="Results").click()
    expect(pl).to_have_url(url_pattern(f"/rounds/{round_pk}/results/"))
    axe.check(pl, "round results")
    results = pl.locator("main")
    expect(results).to_contain_text("4 ballots were cast.")
    rows = pl.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator("td.rank")).to_have_text(["1", "2", "3"])
    expect(rows.locator("th")).to_have_text(
        [re.compile(re.escape(t)) for t in (DRONES, CARS, MINORS)]
    )
    expect(rows.locator("td.score")).to_have_text(["48.8", "27.5", "23.8"])
    top_ranked = rows.first.locator("th a").inner_text()
    assert top_ranked == DRONES
    for name in NAMES.values():
        expect(results).not_to_contain_text(name)

    # --- 7. the secretariat builds the roadmap from the closed round and publishes it ----
    sec.goto("/roadmaps/ENLETS/new/")
    axe.check(sec, "roadmap form")
    sec_main.get_by_label(field_label("Closed round")).select_option(str(round_pk))
    sec_main.get_by_label(field_label("Title")).fill("ENLETS research and technology roadmap 2026")
    sec_main.get_by_label(field_label("Who may read it")).select_option(f"network:{enlets.pk}")
    sec_main.get_by_label(field_label("TLP label")).select_option("GREEN")
    sec_main.get_by_role("button", name="Build the draft").click()
    expect(sec).to_have_url(url_pattern("/roadmaps/ENLETS/v1/"))
    expect(_status(sec)).to_contain_text("Draft created.")
    axe.check(sec, "roadmap (draft, secretariat)")
    sec_main.get_by_role("button", name="Publish this version").click()
    expect(_status(sec)).to_contain_text("The roadmap is published.")
    version = RoadmapVersion.objects.get(network=enlets, version=1)
    assert version.status == RoadmapStatus.PUBLISHED

    # --- 8. a member reads the roadmap and downloads the PDF ------------------------------
    de.goto("/roadmaps/")
    axe.check(de, "roadmap list")
    de_main.get_by_role("link", name=re.compile(r"^ENLETS: ")).click()
    expect(de).to_have_url(url_pattern("/roadmaps/ENLETS/"))
    axe.check(de, "roadmap")
    sections = {
        key: de_main.locator(f"section[aria-labelledby='section-{key}']")
        for key in ("research_challenges", "technology_needs", "gaps")
    }
    for key, heading in zip(sections, HEADINGS, strict=True):
        expect(sections[key].get_by_role("heading", level=2)).to_have_text(heading)
    expect(sections["technology_needs"].get_by_role("heading", level=3).first).to_contain_text(
        DRONES
    )
    expect(sections["research_challenges"]).to_contain_text(MINORS)
    expect(sections["gaps"]).to_contain_text(CARS)
    expect(sections["technology_needs"]).to_contain_text(radar.title)  # evidence
    expect(de_main).to_contain_text("TLP:GREEN")
    with de.expect_download() as download_info:
        de_main.get_by_role("link", name="Download as PDF").click()
    download = download_info.value
    assert download.suggested_filename == "enlets-roadmap-v1.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = _pdf_pages(pdf)
    text = "\n".join(pages)
    for heading in HEADINGS:
        assert heading in text
    assert top_ranked in text and MINORS in text and CARS in text
    assert DRONES_AGAIN not in text  # the merged duplicate
    for page_text in pages:
        assert "TLP:GREEN" in page_text, page_text[:300]
    # the top-ranked need is the first under its section, before the others
    assert text.index("Technology needs") < text.index(top_ranked)

    # --- 9. a second version, and what changed -------------------------------------------
    sec.goto("/roadmaps/ENLETS/")
    sec_main.get_by_role("link", name="Build a new version").click()
    sec_main.get_by_label(field_label("Closed round")).select_option(str(round_pk))
    sec_main.get_by_role("button", name="Build the draft").click()
    expect(sec).to_have_url(url_pattern("/roadmaps/ENLETS/v2/"))
    sec_main.get_by_role("link", name="What changed since version 1").click()
    expect(sec).to_have_url(url_pattern("/roadmaps/ENLETS/v2/diff/"))
    expect(sec_main).to_contain_text("3 needs kept their place.")
    axe.check(sec, "roadmap diff")

    # --- mail went through SMTP; nothing broke the pages ----------------------------------
    # (GREEN: mail may name the items)
    opened = mailbox.wait_for(
        to=world.people["core_de"].email, match=lambda m: "round open" in m.subject
    )
    assert "ENLETS priorities 2026" in opened.subject
    assert opened.links(f"/rounds/{round_pk}/") == [f"{live_server.url}/rounds/{round_pk}/"]
    merged = mailbox.wait_for(
        to=world.people["lea_de"].email, match=lambda m: DRONES_AGAIN in m.subject
    )
    assert "Merged into another need" in merged.text
    published = mailbox.wait_for(
        to=world.people["lea_pl"].email, match=lambda m: "Roadmap published" in m.subject
    )
    assert published.links("/roadmaps/ENLETS/")
    documents = [d for seen in watches for d in seen.documents]
    assert len(documents) > 40
    for document in documents:
        assert_strict_csp(document)
    assert [v for seen in watches for v in seen.csp_violations] == []
    assert [e for seen in watches for e in seen.script_errors] == []
    assert console_errors == []
    assert axe.checked == [
        "need list", "need form", "need detail (reporter)", "need edit form", "curation queue",
        "need detail (curator)", "gaps", "knowledge links of a need", "round list",
        "round form", "round detail (draft)", "ballot", "round results", "roadmap form",
        "roadmap (draft, secretariat)", "roadmap list", "roadmap", "roadmap diff",
    ]  # fmt: skip
    assert axe.found == {}, "\n" + format_violations(axe.found)
