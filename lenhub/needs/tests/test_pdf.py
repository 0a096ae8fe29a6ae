"""The roadmap PDF: section headings, the ranked needs, the TLP label on every page;
AMBER copies watermarked with the reader's name and audited; RED never downloaded; the
export command writes the roadmap as its audience sees it. Text read back with
pdftotext."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lenhub.access.services import restricted_set_audience
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World
from lenhub.needs import roadmap
from lenhub.needs.models import RoadmapStatus, RoadmapVersion
from lenhub.needs.tests.roadmap_world import (
    RoadmapWorld,
    build_roadmap_world,
    make_need,
    pdf_text,
    signed_in,
    viewer,
)

pytestmark = pytest.mark.django_db

HEADINGS = ("Research challenges", "Technology needs", "Gaps")


@pytest.fixture
def rw(world: World) -> RoadmapWorld:
    rw = build_roadmap_world(world)
    # enough ranked needs for several pages
    from lenhub.needs.models import RoundResult

    for index in range(14):
        need = make_need(world, f"Filler need {index:02d}", capability="A long description. " * 40)
        RoundResult.objects.create(
            round=rw.round, need=need, rank=10 + index, score=10.0 - index / 2, low=5.0,
            high=12.0, supporting_countries=["BE"],
        )  # fmt: skip
    return rw


def published(rw: RoadmapWorld, tlp: str = "GREEN") -> RoadmapVersion:
    world = rw.world
    secretariat = world.people["secretariat"]
    version = roadmap.roadmap_create(
        viewer=viewer(secretariat), actor=secretariat, network=world.enlets,
        round_id=rw.round.pk, title="ENLETS roadmap 2026", introduction="Why and how.",
        audience=[f"network:{world.enlets.pk}"], tlp=tlp,
    )  # fmt: skip
    return roadmap.roadmap_publish(viewer=viewer(secretariat), actor=secretariat, version=version)


def test_pdf_has_headings_the_top_need_and_the_label_on_every_page(
    rw: RoadmapWorld, tmp_path: Path
) -> None:
    version = published(rw)
    client = signed_in(rw.world, "lea_pl")
    response = client.get(f"/roadmaps/ENLETS/v{version.version}/roadmap.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    pages = pdf_text(response.content, tmp_path)
    assert len(pages) >= 2
    text = "\n".join(pages)
    for heading in HEADINGS:
        assert heading in text
    assert rw.needs["top"].title in text
    assert "Open drone radar" in text  # evidence that reaches the audience
    assert "Amber drone jammer" not in text and "Police-only drone catcher" not in text
    for key in ("lea_only", "amber", "red"):
        assert rw.needs[key].title not in text
    for page in pages:
        assert page.count("TLP:GREEN") >= 2, page[:300]  # header and footer
    assert not AuditEntry.objects.filter(action="roadmap.downloaded").exists()  # GREEN


def test_pdf_headings_follow_the_request_language(rw: RoadmapWorld, tmp_path: Path) -> None:
    """Headings go through gettext; the label is never translated."""
    version = published(rw)
    client = signed_in(rw.world, "lea_pl")
    response = client.get(
        f"/roadmaps/ENLETS/v{version.version}/roadmap.pdf", headers={"Accept-Language": "fr"}
    )
    text = "\n".join(pdf_text(response.content, tmp_path))
    assert "TLP:GREEN" in text and rw.needs["top"].title in text


def test_amber_pdf_is_watermarked_with_the_reader_and_audited(
    rw: RoadmapWorld, tmp_path: Path
) -> None:
    officer = rw.world.people["lea_pl"]
    officer.display_name = "Agata Zielinska"
    officer.save(update_fields=["display_name"])
    version = published(rw, tlp="AMBER")
    client = signed_in(rw.world, "lea_pl")
    response = client.get(f"/roadmaps/ENLETS/v{version.version}/roadmap.pdf")
    assert response.status_code == 200
    pages = pdf_text(response.content, tmp_path)
    for page in pages:
        assert "TLP:AMBER" in page
        assert "Agata Zielinska" in page, page[:300]
    # the AMBER need reaches an AMBER roadmap for the same network
    assert rw.needs["amber"].title in "\n".join(pages)
    entry = AuditEntry.objects.filter(action="roadmap.downloaded").get()
    assert entry.data["tlp"] == "AMBER" and entry.data["watermarked"] is True


def test_red_roadmap_is_view_only(rw: RoadmapWorld) -> None:
    world = rw.world
    officer = world.people["lea_pl"]
    version = RoadmapVersion.objects.create(
        network=world.enlets, version=1, round=rw.round, title="Named only",
        status=RoadmapStatus.PUBLISHED, tlp="RED",
    )  # fmt: skip
    restricted_set_audience(item=version, audience=["participants"], tlp="RED", actor=None)
    version.participants.add(officer)
    client = signed_in(world, "lea_pl")
    assert client.get(version.get_absolute_url()).status_code == 200
    response = client.get(f"/roadmaps/ENLETS/v{version.version}/roadmap.pdf")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"may not be downloaded" in response.content
    with pytest.raises(CommandError):
        call_command("roadmap", "export", "--network", "ENLETS", "--out", "/dev/null")


def test_export_writes_the_roadmap_as_its_audience_sees_it(
    rw: RoadmapWorld, tmp_path: Path
) -> None:
    version = published(rw)
    # narrowed after publication: gone from the export too
    restricted_set_audience(
        item=rw.needs["gap"], audience=[f"network:{rw.world.enlets.pk}", "lea"], tlp="GREEN",
        actor=None,
    )  # fmt: skip
    out = tmp_path / "export.pdf"
    call_command("roadmap", "export", "--network", "enlets", "--out", str(out))
    pages = pdf_text(out.read_bytes(), tmp_path)
    text = "\n".join(pages)
    assert version.title in text and rw.needs["top"].title in text
    for key in ("lea_only", "amber", "red", "gap"):
        assert rw.needs[key].title not in text
    assert "Amber drone jammer" not in text
    assert all("TLP:GREEN" in page for page in pages)
    assert AuditEntry.objects.filter(action="roadmap.exported").exists()


def test_export_of_an_amber_roadmap_names_its_audience(rw: RoadmapWorld, tmp_path: Path) -> None:
    published(rw, tlp="AMBER")
    out = tmp_path / "export.pdf"
    call_command("roadmap", "export", "--network", "ENLETS", "--out", str(out))
    pages = pdf_text(out.read_bytes(), tmp_path)
    assert all("Audience: members of ENLETS" in page for page in pages)


def test_export_fails_clearly_without_a_published_roadmap(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no published roadmap"):
        call_command("roadmap", "export", "--network", "AQUAPOL", "--out", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_chart_labels_are_cut_at_a_word_with_an_ellipsis() -> None:
    from lenhub.needs.pdf import FAMILY, RoadmapPDF

    pdf = RoadmapPDF(tlp="GREEN", running_title="t", watermark="")
    pdf.add_page()
    pdf.set_font(FAMILY, "", 8)
    short = "1. Drones over prisons"
    assert pdf.fitted(short, 67) == short
    cut = pdf.fitted("1. Spotting small boats at night along long coastlines and rivers", 67)
    assert cut.endswith(" …") and pdf.get_string_width(cut) <= 67
    assert "1. Spotting small boats at night along long coastlines".startswith(cut[:-2])
