"""Top-down guidance in Chromium, every step through the pages: the ENLETS secretariat
publishes guidance to the members of ENLETS (TLP:GREEN) through its form; the Polish
National Contact relays it to Poland with a note; a Polish officer sees it waiting (the
menu's badge, the notifications, the list), opens it and acknowledges that they have read
and understood it; the secretariat's reach page shows every country, the National
Contact's only Poland, and both show Poland's figures move with the officer's open and
acknowledgement; an officer of another network gets "not found", as does the Polish
officer asking for the reach. Each guidance page, as each role sees it, and the officer's
notifications are checked with axe (strict tags); no page breaks the strict
Content-Security-Policy, throws a script error or asks another machine for anything. Mail
goes through a real local SMTP server. People are set up directly (``build_world``);
everyone signs in through the pages with password and second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lenhub.conftest import PASSWORD, World, build_world
from lenhub.core.testing.axe import STRICT_TAGS, axe_violations, format_violations
from lenhub.core.testing.browser import (
    CHROMIUM_MISSING,
    PageWatch,
    RequestLog,
    SMTPServer,
    assert_strict_csp,
    chromium_available,
    field_label,
    keep_local,
    new_context,
    sign_in,
    url_pattern,
    watch,
)
from lenhub.dissemination.models import Guidance, GuidanceReceipt, GuidanceRelay

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not chromium_available(), reason=CHROMIUM_MISSING),
]

TITLE = "Handling seized drones"
SUMMARY = "What to do with a drone seized at a prison or a border."
BODY = (
    "Keep the batteries apart from the drone and photograph the flight controller "
    "before anything is switched on.\n\nLog every step in the chain of custody."
)
REFERENCE = "ENLETS/2026/03"
NOTE = "Please share this with the prison liaison officers in your region."

# The audience (members of ENLETS who may read TLP:GREEN: vetted, with a second factor),
# by country of their organisation. Poland: the officer, the National Contact, the core
# group's leader and the secretariat (PPHS); Germany: the officer and the core-group
# member; Belgium: the university researcher. Not counted: the member without a second
# factor, the one whose vetting expired and the one who left ENLETS.
AUDIENCE = {"BE": 1, "DE": 2, "PL": 4}


def _status(page: Page) -> Locator:
    return page.get_by_role("status").filter(has=page.locator("ul.messages"))


def _reach_row(page: Page, country: str) -> Locator:
    return page.locator(f"#reach-table tr[data-country='{country}']")


def _expect_reach(page: Page, country: str, name: str, figures: list[str]) -> None:
    """A row of the reach table: the country's name, then in the audience, opened,
    opened (%), acknowledged, acknowledged (%)."""
    row = _reach_row(page, country)
    expect(row.locator("th")).to_have_text(name)
    expect(row.locator("td")).to_have_text(figures)


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


def test_guidance_published_relayed_acknowledged_and_reach(
    live_server: Any, browser: Browser, mailbox: SMTPServer
) -> None:
    world: World = build_world()
    enlets = world.enlets

    watches: list[PageWatch] = []
    requests: list[RequestLog] = []
    console_errors: list[str] = []
    axe = Accessibility()

    def person(key: str) -> Page:
        context = new_context(browser, live_server.url)
        requests.append(keep_local(context))
        page = context.new_page()
        watches.append(watch(page))
        page.on(
            "console",
            lambda m: console_errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        sign_in(page, world.people[key].email, PASSWORD, world.secrets[key])
        expect(page).to_have_url(url_pattern("/dashboard/"))
        return page

    # --- 1. the secretariat publishes guidance to the members of ENLETS -------------------
    sec = person("secretariat")
    sec_main = sec.locator("main")
    sec.get_by_role("navigation", name="Main").get_by_role("link", name="Guidance").click()
    expect(sec).to_have_url(url_pattern("/guidance/"))
    expect(sec.get_by_role("heading", level=1)).to_have_text("Guidance")
    expect(sec_main.get_by_role("status")).to_have_text("0 items")
    expect(sec_main).to_contain_text("Nothing to show yet.")
    axe.check(sec, "guidance list (secretariat, empty)")
    sec_main.get_by_role("link", name="Publish guidance").click()
    expect(sec).to_have_url(url_pattern("/guidance/new/"))
    expect(sec.get_by_role("heading", level=1)).to_have_text("Publish guidance")
    axe.check(sec, "guidance form")
    network = sec_main.get_by_label(field_label("Network"))
    expect(network.locator("option")).to_have_text(["ENLETS: ENLETS"])  # theirs only
    sec_main.get_by_label(field_label("Kind")).select_option("guideline")
    sec_main.get_by_label(field_label("Title")).fill(TITLE)
    sec_main.get_by_label(field_label("Summary")).fill(SUMMARY)
    sec_main.get_by_label(field_label("Text")).fill(BODY)
    sec_main.get_by_label(field_label("Reference")).fill(REFERENCE)
    acknowledgement = sec_main.get_by_label(
        field_label("Readers confirm they have read and understood it")
    )
    expect(acknowledgement).to_be_checked()
    sec_main.get_by_label(field_label("Who may read it")).select_option(label="Members of ENLETS")
    tlp = sec_main.get_by_label(field_label("TLP label"))
    expect(tlp).to_have_value("GREEN")
    tlp.select_option("GREEN")
    sec_main.get_by_role("button", name="Publish").click()
    expect(sec).to_have_url(url_pattern(r"/guidance/\d+/"))
    expect(_status(sec)).to_have_text("Published; everyone in its audience is notified.")
    guidance = Guidance.objects.get()
    assert sec.url.endswith(f"/guidance/{guidance.pk}/")
    assert (guidance.network_id, guidance.kind, guidance.tlp) == (enlets.pk, "guideline", "GREEN")
    assert guidance.requires_acknowledgement
    assert set(guidance.audience_keys.values_list("key", flat=True)) == {f"network:{enlets.pk}"}
    detail = f"/guidance/{guidance.pk}/"
    reach = f"/guidance/{guidance.pk}/reach/"
    expect(sec.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(sec_main.locator("article")).to_contain_text(BODY.split("\n")[0])
    expect(sec_main.locator("article dl")).to_contain_text(REFERENCE)
    expect(sec_main.locator("article .tlp").first).to_contain_text("TLP:GREEN")
    # the secretariat is a member of ENLETS: their own opening counts, and they may
    # acknowledge like anyone; they cannot relay (no National Contact)
    expect(sec_main.get_by_role("button", name="I have read and understood")).to_be_visible()
    expect(sec_main.get_by_role("heading", name="Relay to your country")).to_have_count(0)
    axe.check(sec, "guidance detail (secretariat)")

    # --- 2. the Polish National Contact relays it to Poland -------------------------------
    nc = person("nc_pl")
    nc_main = nc.locator("main")
    nc.goto("/guidance/")
    expect(nc_main.get_by_role("status")).to_have_text("1 item")
    entry = nc_main.locator("li.card")
    expect(entry.get_by_role("link")).to_have_text(TITLE)
    expect(entry).to_contain_text("Guideline · ENLETS")
    expect(entry).to_contain_text("To acknowledge")
    entry.get_by_role("link", name=TITLE).click()
    expect(nc).to_have_url(url_pattern(detail))
    axe.check(nc, "guidance detail (National Contact)")
    relay = nc_main.locator("section", has=nc.get_by_role("heading", name="Relay to your country"))
    country = relay.get_by_label(field_label("Country"))
    expect(country.locator("option")).to_have_text(["Poland"])  # their own country only
    relay.get_by_label(field_label("Note to your country's members")).fill(NOTE)
    relay.get_by_role("button", name="Relay").click()
    expect(nc).to_have_url(url_pattern(detail))
    # Poland's audience without the National Contact: the officer, the leader, the
    # secretariat
    expect(_status(nc)).to_have_text("Relayed to 3 people in your country.")
    relayed = GuidanceRelay.objects.get()
    assert (relayed.country_code, relayed.relayed_by_id, relayed.note, relayed.recipients) == (
        "PL",
        world.people["nc_pl"].pk,
        NOTE,
        3,
    )

    # --- 3. reach before the officer reads: two Poles have opened it -----------------------
    sec.goto(detail)
    sec_main.get_by_role("link", name="Reach per country").click()
    expect(sec).to_have_url(url_pattern(reach))
    expect(sec.get_by_role("heading", level=1)).to_have_text(f"Reach: {TITLE}")
    expect(sec.locator("#reach-table tbody tr")).to_have_count(3)
    _expect_reach(sec, "PL", "Poland", ["4", "2", "50%", "0", "0%"])
    axe.check(sec, "guidance reach (secretariat)")

    # --- 4. a Polish officer: the badge, the notifications, the list, acknowledging -------
    pl = person("lea_pl")
    pl_main = pl.locator("main")
    menu_link = pl.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Guidance")
    )
    expect(menu_link).to_have_text(re.compile(r"^Guidance\s*1 to acknowledge$"))
    pl.goto("/monitoring/")
    notifications = pl_main.locator("ul.notifications")
    expect(notifications.get_by_role("link")).to_have_text(
        [f"Relayed by your National Contact: {TITLE}", f"Guidance from ENLETS: {TITLE}"]
    )
    for link in notifications.get_by_role("link").all():
        expect(link).to_have_attribute("href", detail)
    axe.check(pl, "notifications (officer)")
    menu_link.click()
    expect(pl).to_have_url(url_pattern("/guidance/"))
    expect(pl_main.get_by_role("status")).to_have_text("1 item")
    entry = pl_main.locator("li.card")
    expect(entry).to_contain_text(SUMMARY)
    expect(entry.locator(".status")).to_have_text("To acknowledge")
    axe.check(pl, "guidance list (officer)")
    entry.get_by_role("link", name=TITLE).click()
    expect(pl).to_have_url(url_pattern(detail))
    receipt = pl_main.locator("section", has=pl.get_by_role("heading", name="Your reading"))
    expect(receipt).to_contain_text("You first opened it on")
    expect(receipt).not_to_contain_text("You acknowledged")
    expect(pl_main.get_by_role("heading", name="Relay to your country")).to_have_count(0)
    expect(pl_main.get_by_role("link", name="Reach per country")).to_have_count(0)
    axe.check(pl, "guidance detail (officer)")
    opened = GuidanceReceipt.objects.get(guidance=guidance, user=world.people["lea_pl"])
    assert (opened.country_code, opened.acknowledged_at) == ("PL", None)

    # reach while the officer has opened it but not yet acknowledged it
    sec.reload()
    _expect_reach(sec, "PL", "Poland", ["4", "3", "75%", "0", "0%"])

    receipt.get_by_role("button", name="I have read and understood").click()
    expect(pl).to_have_url(url_pattern(detail))
    expect(_status(pl)).to_have_text("Thank you: your acknowledgement is recorded.")
    expect(receipt).to_contain_text("You acknowledged that you have read and understood it on")
    expect(receipt.get_by_role("button")).to_have_count(0)
    expect(menu_link).to_have_text("Guidance")  # nothing left to acknowledge
    acknowledged = GuidanceReceipt.objects.get(pk=opened.pk)
    assert acknowledged.acknowledged_at is not None
    assert acknowledged.opened_at == opened.opened_at
    pl.goto("/guidance/")
    expect(pl_main.locator("li.card .status")).to_have_text("You acknowledged it.")
    # the reach is for the secretariat and National Contacts only
    response = pl.goto(reach)
    assert response is not None and response.status == 404
    expect(pl.get_by_role("heading", level=1)).to_have_text("Page not found")

    # --- 5. reach after: the secretariat sees every country, the NC only Poland ------------
    sec.reload()
    rows = sec.locator("#reach-table tbody tr")
    expect(rows.locator("th")).to_have_text(["Belgium", "Germany", "Poland"])
    _expect_reach(sec, "BE", "Belgium", ["1", "0", "0%", "0", "0%"])
    _expect_reach(sec, "DE", "Germany", ["2", "0", "0%", "0", "0%"])
    _expect_reach(sec, "PL", "Poland", ["4", "3", "75%", "1", "25%"])
    _expect_reach(sec, "total", "Total", ["7", "3", "43%", "1", "14%"])
    relays = sec_main.locator("section", has=sec.get_by_role("heading", name="Relays"))
    expect(relays.locator("li")).to_have_text(
        [re.compile(r"^\d{4}-\d{2}-\d{2}: relayed to Poland, 3 people notified$")]
    )

    nc.goto(detail)
    nc_main.get_by_role("link", name="Reach per country").click()
    expect(nc).to_have_url(url_pattern(reach))
    expect(nc_main).to_contain_text("People of your country in its audience")
    expect(nc.locator("#reach-table tbody tr")).to_have_count(1)
    _expect_reach(nc, "PL", "Poland", ["4", "3", "75%", "1", "25%"])
    _expect_reach(nc, "total", "Total", ["4", "3", "75%", "1", "25%"])
    expect(nc_main).not_to_contain_text("Germany")
    axe.check(nc, "guidance reach (National Contact)")

    # --- 6. an officer of another network: not found, and not listed ----------------------
    fr = person("lea_fr_aquapol")
    fr.goto("/guidance/")
    expect(fr.locator("main").get_by_role("status")).to_have_text("0 items")
    expect(fr.locator("main")).not_to_contain_text(TITLE)
    axe.check(fr, "guidance list (other network)")
    for path in (detail, reach):
        response = fr.goto(path)
        assert response is not None and response.status == 404, path
        expect(fr.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(fr.locator("main")).not_to_contain_text(TITLE)
    assert not GuidanceReceipt.objects.filter(user=world.people["lea_fr_aquapol"]).exists()

    # --- mail went through SMTP (GREEN: the content and the note) --------------------------
    officer = world.people["lea_pl"].email
    published = mailbox.wait_for(to=officer, match=lambda m: "New guidance" in m.subject)
    assert published.subject == f"[lenhub] New guidance from ENLETS: {TITLE}"
    assert "TLP:GREEN" in published.text and BODY.split("\n")[0] in published.text
    assert published.links(detail) == [f"{live_server.url}{detail}"]
    relayed_mail = mailbox.wait_for(to=officer, match=lambda m: "Relayed" in m.subject)
    assert relayed_mail.subject == f"[lenhub] Relayed by your National Contact: {TITLE}"
    assert NOTE in relayed_mail.text
    outsider = world.people["lea_fr_aquapol"].email
    assert not [m for m in mailbox.messages if outsider in m.rcpt_tos]

    # --- nothing broke the pages, nothing left the machine ---------------------------------
    documents = [d for seen in watches for d in seen.documents]
    assert len(documents) > 20
    for document in documents:
        assert_strict_csp(document)
    assert [v for seen in watches for v in seen.csp_violations] == []
    assert [e for seen in watches for e in seen.script_errors] == []
    # Chromium logs each of the three "not found" answers above on the console
    not_found = [e for e in console_errors if "the server responded with a status of 404" in e]
    assert len(not_found) == 3, console_errors
    assert [e for e in console_errors if e not in not_found] == []
    refused = [url for log in requests for url in log.refused]
    assert refused == [], f"requests for other machines (aborted): {refused}"
    assert {host for log in requests for host in log.hosts()} == {"localhost"}
    assert axe.checked == [
        "guidance list (secretariat, empty)", "guidance form", "guidance detail (secretariat)",
        "guidance detail (National Contact)", "guidance reach (secretariat)",
        "notifications (officer)", "guidance list (officer)", "guidance detail (officer)",
        "guidance reach (National Contact)", "guidance list (other network)",
    ]  # fmt: skip
    assert axe.found == {}, "\n" + format_violations(axe.found)
