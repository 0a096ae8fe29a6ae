"""The needs demo (``lenhub demo``): built through the services, idempotent, with a closed
round voted in by several countries and a published roadmap whose pages and PDF a member
reads, and whose withheld needs only the secretariat is told about.

Transactional: the demo commits as ``make run`` does, so the search index (written on
commit) holds the knowledge items the links are suggested from."""

from __future__ import annotations

import io
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.test import Client

from lenhub.accounts.countries import load_countries
from lenhub.accounts.models import Country, User
from lenhub.conftest import totp_code
from lenhub.dissemination.demo import GUIDANCE
from lenhub.dissemination.models import Guidance, GuidanceReceipt, GuidanceRelay
from lenhub.monitoring.models import Notification, Update
from lenhub.needs.demo import CLOSED_ROUND, NEEDS, OPEN_ROUND
from lenhub.needs.models import (
    Ballot,
    Coverage,
    Method,
    Need,
    NeedComment,
    NeedEvent,
    NeedLink,
    NeedStatus,
    NeedSupport,
    RoadmapEntry,
    RoadmapStatus,
    RoadmapVersion,
    Round,
    RoundResult,
    RoundStatus,
    Section,
)
from lenhub.settings import _local_secret

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = (Need, NeedComment, NeedSupport, NeedEvent, NeedLink, Round, Ballot, RoundResult,
          RoadmapVersion, RoadmapEntry, Update, Notification, Guidance, GuidanceRelay,
          GuidanceReceipt)  # fmt: skip


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts["decided links"] = NeedLink.objects.exclude(coverage=Coverage.SUGGESTED).count()
    return counts


def _demo() -> None:
    load_countries(Country)  # transactional tests flush what the data migration loaded
    call_command("demo", "--quiet", stdout=io.StringIO())


def _signed_in(email: str) -> Client:
    user = User.objects.get(email=email)
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    client = Client()
    password = _local_secret("demo_password", nbytes=12)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(decrypt(totp.data["secret"]))}
    )
    assert response.status_code == 302
    return client


def test_the_needs_demo_is_idempotent_and_complete(db: Any) -> None:
    _demo()
    first = _counts()
    _demo()
    assert _counts() == first

    needs = Need.objects.filter(network__acronym="ENLETS")
    assert needs.count() == len(NEEDS)
    assert set(needs.values_list("reporter_country", flat=True)) >= {"PL", "DE", "NL", "FR"}
    assert needs.filter(status=NeedStatus.MERGED, merged_into__isnull=False).count() == 1
    rejected = needs.get(status=NeedStatus.REJECTED)
    assert rejected.decision_reason
    assert set(needs.values_list("kind", flat=True)) == {"research_challenge", "technology_need"}
    assert needs.filter(tlp="AMBER", audience_keys__key__startswith="group:").exists()
    assert needs.filter(audience_keys__key="lea").exists()
    assert NeedSupport.objects.exists() and NeedComment.objects.exists()
    # gap analysis: suggestions on acceptance, some confirmed, some needs left as gaps
    assert first["decided links"] >= 4
    accepted = needs.filter(status=NeedStatus.ACCEPTED)
    answered = accepted.filter(links__coverage__in=[Coverage.ADDRESSED, Coverage.PARTLY])
    assert 0 < answered.distinct().count() < accepted.count()

    closed = Round.objects.get(title=CLOSED_ROUND)
    assert closed.status == RoundStatus.CLOSED and closed.method == Method.POINTS
    assert closed.equal_country_weight
    ballots = Ballot.objects.filter(round=closed)
    assert ballots.count() == closed.voter_count >= 3
    assert not ballots.filter(voter__isnull=False).exists()  # voters erased on closing
    assert len(set(ballots.values_list("country_code", flat=True))) >= 3
    assert RoundResult.objects.filter(round=closed).count() == closed.round_needs.count()
    opened = Round.objects.get(title=OPEN_ROUND)
    assert opened.status == RoundStatus.OPEN and opened.method == Method.PAIRWISE

    published = RoadmapVersion.objects.filter(
        network__acronym="ENLETS", status=RoadmapStatus.PUBLISHED
    ).order_by("version")
    assert list(published.values_list("version", flat=True)) == [1, 2]
    latest = published.last()
    assert latest is not None and latest.round == closed and latest.tlp == "GREEN"
    shown = latest.entries.filter(withheld=False)
    assert set(shown.values_list("section", flat=True)) == set(Section.values)
    assert latest.entries.filter(withheld=True, need__tlp="AMBER").exists()


def test_a_member_reads_the_demo_roadmap_its_pdf_and_its_needs(db: Any) -> None:
    _demo()
    version = RoadmapVersion.objects.get(network__acronym="ENLETS", version=2)
    withheld = version.entries.get(withheld=True).need
    top = version.entries.filter(withheld=False).order_by("rank").first()
    assert top is not None

    researcher = _signed_in("researcher@ugent.be.test")  # a member, not LEA, not core group
    page = researcher.get("/roadmaps/ENLETS/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "TLP:GREEN" in html and top.need.title in html
    assert f'href="/needs/{top.need.pk}/"' in html
    assert withheld.title not in html and "Withheld" not in html
    assert "Germany" in html  # supporting countries by name
    pdf = researcher.get("/roadmaps/ENLETS/v2/roadmap.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    diff = researcher.get("/roadmaps/ENLETS/v2/diff/").content.decode()
    rail = Need.objects.get(title__startswith="Sharing station incident reports")
    assert rail.title in diff

    secretariat = _signed_in("secretariat@pphs.pl.test")
    html = secretariat.get("/roadmaps/ENLETS/").content.decode()
    assert withheld.title in html  # the secretariat is told what was withheld, and why

    # the top need's page: its knowledge links and the rounds it was ranked in
    closed = Round.objects.get(title=CLOSED_ROUND)
    html = researcher.get(f"/needs/{top.need.pk}/").content.decode()
    assert "Knowledge that may answer this need" in html
    assert "Roadside phone triage kit (demo)" in html
    assert f'href="/rounds/{closed.pk}/"' in html and "ranked 1 of" in html
    assert 'aria-current="true"' in html and 'href="/roadmaps/"' in html


def test_the_demo_guidance_is_relayed_read_and_acknowledged(db: Any) -> None:
    _demo()
    guideline = Guidance.objects.get(title=GUIDANCE[0].title)
    assert guideline.tlp == "GREEN" and guideline.requires_acknowledgement
    relay = GuidanceRelay.objects.get(guidance=guideline)
    assert relay.country_code == "PL" and relay.recipients >= 1

    secretariat = _signed_in("secretariat@pphs.pl.test")
    html = secretariat.get(f"/guidance/{guideline.pk}/reach/").content.decode()
    for country in ("Poland", "Germany", "Netherlands", "France"):
        assert country in html
    receipts = GuidanceReceipt.objects.filter(guidance=guideline)
    assert receipts.count() == len(GUIDANCE[0].opened_by)
    assert receipts.filter(acknowledged_at__isnull=False).count() == len(
        GUIDANCE[0].acknowledged_by
    )
    # the National Contact sees Poland's reach only
    nc = _signed_in("nc@policja.pl.test").get(f"/guidance/{guideline.pk}/reach/")
    assert nc.status_code == 200
    assert "Poland" in nc.content.decode() and "Germany" not in nc.content.decode()
    # a member who has not acknowledged is asked to; the public recommendation is open
    french = _signed_in("brigade@gendarmerie.fr.test")
    assert "I have read and understood" in french.get(f"/guidance/{guideline.pk}/").content.decode()
    public = Guidance.objects.get(title=GUIDANCE[1].title)
    assert Client().get(f"/guidance/{public.pk}/").status_code == 200
    assert Client().get(f"/guidance/{guideline.pk}/").status_code == 404
