"""Results, project concepts, best practices, technology watch entries and uptake: pages,
API and search, all through the access policy. Canaries (a members-only TLP:AMBER item
and a TLP:RED item of every kind) never reach anonymous, non-member or other-network
readers on any surface; counts only count what the reader may see."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from lenhub.access.policy import ANONYMOUS, item_audience, viewer_for_user
from lenhub.accounts.tokens import token_create
from lenhub.audit.models import AuditEntry
from lenhub.knowledge.models import Result, Uptake
from lenhub.knowledge.services import knowledge_item_create
from lenhub.knowledge.tests.conftest import CANARY, KnowledgeWorld
from lenhub.search.models import SearchDocument
from lenhub.search.services import search

pytestmark = pytest.mark.django_db

KINDS = ("result", "concept", "bestpractice", "techwatch")
LIST_PAGES = {
    "result": "/knowledge/results/",
    "concept": "/knowledge/concepts/",
    "bestpractice": "/knowledge/best-practices/",
    "techwatch": "/knowledge/tech-watch/",
}
API_LISTS = {
    "result": "/api/v1/results",
    "concept": "/api/v1/concepts",
    "bestpractice": "/api/v1/best-practices",
    "techwatch": "/api/v1/tech-watch",
}
OUTSIDERS = ("anonymous", "registered", "lea_fr_aquapol")  # public only / other network
# what each reader sees, by the item's audience
SEES = {
    "anonymous": {"public"},
    "registered": {"public"},
    "lea_fr_aquapol": {"public", "members"},
    "stakeholder": {"public", "members", "amber"},
    "lea_pl": {"public", "members", "amber"},
    "nc_pl": {"public", "members", "amber", "red"},
}
LEVELS = ("public", "members", "amber", "red")


def _title(item: Any) -> str:
    return str(getattr(item, "title", None) or item.technology)


def _api(client: Client, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is None:
        return client.get(path, headers=headers)
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


# --- pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_list_pages_show_exactly_what_the_reader_may_see(kworld: KnowledgeWorld, who: str) -> None:
    """Each list shows the items of the audiences the reader belongs to, and no other."""
    client = kworld.client(who)
    for kind in KINDS:
        html = client.get(LIST_PAGES[kind]).content.decode()
        for level in LEVELS:
            shown = _title(kworld.items[f"{kind}_{level}"]) in html
            assert shown == (level in SEES[who]), (who, kind, level)


@pytest.mark.parametrize("who", SEES)
def test_detail_pages_answer_404_for_what_the_reader_may_not_see(
    kworld: KnowledgeWorld, who: str
) -> None:
    client = kworld.client(who)
    for kind in KINDS:
        for level in LEVELS:
            item = kworld.items[f"{kind}_{level}"]
            response = client.get(item.get_absolute_url())
            assert response.status_code == (200 if level in SEES[who] else 404), (kind, level)


def test_detail_page_shows_the_label_and_audits_amber_reads(kworld: KnowledgeWorld) -> None:
    client = kworld.client("lea_pl")
    before = AuditEntry.objects.filter(action="content.read").count()
    for kind in KINDS:
        item = kworld.items[f"{kind}_amber"]
        html = client.get(item.get_absolute_url()).content.decode()
        assert "TLP:AMBER" in html and _title(item) in html
    assert AuditEntry.objects.filter(action="content.read").count() == before + len(KINDS)
    public = kworld.client("anonymous").get(kworld.items["result_public"].get_absolute_url())
    assert "TLP:CLEAR" in public.content.decode()


def test_list_filters_narrow_the_list(kworld: KnowledgeWorld) -> None:
    client = kworld.client("lea_pl")
    html = client.get("/knowledge/results/?trl=6&kind=tool&availability=").content.decode()
    assert _title(kworld.items["result_members"]) in html
    assert (
        _title(kworld.items["result_members"])
        not in client.get("/knowledge/results/?kind=dataset").content.decode()
    )
    assert (
        "Open bestpractice"
        not in client.get("/knowledge/best-practices/?country=FR").content.decode()
    )
    assert "Open concept" not in client.get("/knowledge/concepts/?seeking=funding").content.decode()
    assert (
        "Open techwatch" in client.get("/knowledge/tech-watch/?maturity=emerging").content.decode()
    )
    bad = client.get("/knowledge/results/?trl=12")
    assert bad.status_code == 200 and "not understood" in bad.content.decode()


def test_project_page_links_only_visible_results(kworld: KnowledgeWorld) -> None:
    url = kworld.project.get_absolute_url()
    for who in ("anonymous", "lea_pl", "nc_pl"):
        html = kworld.client(who).get(url).content.decode()
        for level in LEVELS:
            shown = _title(kworld.items[f"result_{level}"]) in html
            assert shown == (level in SEES[who]), (who, level)


def test_knowledge_pages_link_to_every_list(kworld: KnowledgeWorld) -> None:
    html = Client().get("/knowledge/").content.decode()
    for path in [*LIST_PAGES.values(), "/knowledge/uptake/"]:
        assert f'href="{path}"' in html


# --- uptake counts ----------------------------------------------------------------------


def test_result_page_counts_only_visible_uptake(kworld: KnowledgeWorld) -> None:
    url = kworld.items["result_public"].get_absolute_url()
    anonymous = Client().get(url).content.decode()
    # uptake is members-only by default, even of a public result
    assert "0 organisations recorded uptake" in anonymous
    assert "Poland" not in anonymous and "Belgium" not in anonymous
    member = kworld.client("stakeholder").get(url).content.decode()
    assert "4 organisations recorded uptake" in member and "Belgium" in member


@pytest.mark.parametrize("who", OUTSIDERS)
def test_uptake_summary_never_counts_canaries(kworld: KnowledgeWorld, who: str) -> None:
    client = kworld.client(who)
    expected = 4 if who == "lea_fr_aquapol" else 0  # uptake is for members
    body = _api(client, "/api/v1/uptake/summary").json()
    assert body["total"] == expected
    assert {row["result_id"] for row in body["by_result"]} <= {kworld.items["result_public"].pk}
    html = client.get("/knowledge/uptake/").content.decode()
    assert not expected or f"{expected} uptake records" in html
    assert "Amber result" not in html and "Red result" not in html


def test_uptake_summary_for_insiders(kworld: KnowledgeWorld) -> None:
    body = _api(kworld.client("nc_pl"), "/api/v1/uptake/summary").json()
    assert body["total"] == 6
    by_country = {row["country"]: row["total"] for row in body["by_country"]}
    assert by_country == {"PL": 3, "DE": 1, "FR": 1, "BE": 1}
    stages = {row["stage"]: row["count"] for row in body["by_stage"]}
    assert stages == {"interest": 1, "evaluation": 2, "pilot": 1, "procurement": 0,
                      "operational": 2}  # fmt: skip
    assert _api(kworld.client("lea_pl"), "/api/v1/uptake/summary").json()["total"] == 5


def test_uptake_of_a_result_through_the_api(kworld: KnowledgeWorld) -> None:
    public = kworld.items["result_public"]
    assert _api(Client(), f"/api/v1/results/{public.pk}/uptake").json()["total"] == 0
    rows = _api(kworld.client("lea_fr_aquapol"), f"/api/v1/results/{public.pk}/uptake").json()
    assert rows["total"] == 4
    assert {r["country"] for r in rows["results"]} == {"PL", "DE", "FR", "BE"}
    recorded = Uptake.objects.get(result=public, organisation=kworld.world.police_pl)
    assert item_audience(recorded) == {"members"} and recorded.tlp == "GREEN"
    for level in ("amber", "red"):
        hidden = kworld.items[f"result_{level}"]
        assert _api(Client(), f"/api/v1/results/{hidden.pk}/uptake").status_code == 404


def test_uptake_is_never_wider_than_its_result(kworld: KnowledgeWorld) -> None:
    """Asked for 'members', a record of a network AMBER result keeps the network."""
    amber = kworld.items["result_amber"]
    token = token_create(
        user=kworld.world.people["lea_de"], name="t", scopes=["knowledge:write"]
    ).secret
    response = _api(
        Client(), f"/api/v1/results/{amber.pk}/uptake", token,
        {"stage": "interest", "audience": ["members"], "tlp": "GREEN"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    uptake = Uptake.objects.get(pk=response.json()["id"])
    assert f"network:{kworld.world.enlets.pk}" in item_audience(uptake)
    assert uptake.tlp == "AMBER" and uptake.country_code == "DE"
    red = Uptake.objects.get(result=kworld.items["result_red"])
    assert item_audience(red) == {"participants"}
    assert list(red.participants.all()) == [kworld.world.people["nc_pl"]]


def test_one_uptake_per_organisation_recording_again_moves_the_stage(
    kworld: KnowledgeWorld,
) -> None:
    public = kworld.items["result_public"]
    client = kworld.client("lea_pl")
    response = client.post(f"/knowledge/results/{public.pk}/uptake/", {"stage": "procurement"})
    assert response.status_code == 302
    records = Uptake.objects.filter(result=public, organisation=kworld.world.police_pl)
    assert [r.stage for r in records] == ["procurement"]
    assert AuditEntry.objects.filter(action="knowledge.uptake_changed").exists()
    token = token_create(
        user=kworld.world.people["lea_pl"], name="t", scopes=["knowledge:write"]
    ).secret
    again = _api(Client(), f"/api/v1/results/{public.pk}/uptake", token, {"stage": "operational"})
    assert again.status_code == 200 and again.json()["stage"] == "operational"
    assert records.count() == 1


def test_recording_uptake_needs_a_vetted_member_and_the_write_scope(
    kworld: KnowledgeWorld,
) -> None:
    public = kworld.items["result_public"]
    path = f"/api/v1/results/{public.pk}/uptake"
    assert _api(Client(), path, body={"stage": "pilot"}).status_code == 401
    assert _api(kworld.client("registered"), path, body={"stage": "pilot"}).status_code == 403
    read_only = token_create(
        user=kworld.world.people["lea_pl"], name="t", scopes=["knowledge:read"]
    ).secret
    refused = _api(Client(), path, read_only, {"stage": "pilot"})
    assert refused.json()["error"]["code"] == "insufficient_scope"
    writer = token_create(
        user=kworld.world.people["lea_fr_aquapol"], name="t", scopes=["knowledge:write"]
    ).secret
    amber = kworld.items["result_amber"]
    hidden = _api(Client(), f"/api/v1/results/{amber.pk}/uptake", writer, {"stage": "pilot"})
    assert hidden.status_code == 404
    bad = _api(Client(), path, writer, {"stage": "bought it"})
    assert bad.status_code == 422
    page = Client().post(f"/knowledge/results/{public.pk}/uptake/", {"stage": "pilot"})
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


# --- API --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_api_lists_and_details_follow_the_policy(kworld: KnowledgeWorld, who: str) -> None:
    client = kworld.client(who)
    for kind in KINDS:
        body = _api(client, API_LISTS[kind]).json()
        ids = {row["id"] for row in body["results"]}
        assert body["total"] == len(ids)
        for level in LEVELS:
            item = kworld.items[f"{kind}_{level}"]
            visible = level in SEES[who]
            assert (item.pk in ids) == visible, (who, kind, level)
            detail = _api(client, f"{API_LISTS[kind]}/{item.pk}")
            assert detail.status_code == (200 if visible else 404), (who, kind, level)
            if visible:
                assert detail.json()["tlp"] == f"TLP:{item.tlp}"


def test_api_filters_and_pagination(kworld: KnowledgeWorld) -> None:
    client = kworld.client("nc_pl")
    page = _api(client, "/api/v1/results?limit=2&offset=1").json()
    assert page["total"] == 4 and len(page["results"]) == 2 and page["offset"] == 1
    assert _api(client, "/api/v1/results?trl=6&kind=tool").json()["total"] == 4
    assert _api(client, "/api/v1/results?trl=10").status_code == 422
    assert _api(client, f"/api/v1/results?q={CANARY}").json()["total"] == 2
    assert _api(client, "/api/v1/best-practices?country=PL").json()["total"] == 4
    assert _api(client, "/api/v1/concepts?seeking=funding").json()["total"] == 0
    assert _api(client, "/api/v1/tech-watch?maturity=emerging").json()["total"] == 4
    public = _api(Client(), "/api/v1/results").json()["results"]
    assert public[0]["project_id"] == kworld.project.pk


def test_openapi_schema_lists_the_knowledge_operations() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/results", "/api/v1/results/{result_id}", "/api/v1/results/{result_id}/uptake",
        "/api/v1/uptake/summary", "/api/v1/concepts", "/api/v1/concepts/{concept_id}",
        "/api/v1/best-practices", "/api/v1/best-practices/{practice_id}",
        "/api/v1/tech-watch", "/api/v1/tech-watch/{entry_id}",
    ):  # fmt: skip
        assert path in paths, path
    assert "post" in paths["/api/v1/results/{result_id}/uptake"]


# --- search -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_search_finds_canaries_only_for_their_readers(kworld: KnowledgeWorld, who: str) -> None:
    viewer = (
        ANONYMOUS
        if who == "anonymous"
        else viewer_for_user(kworld.world.people[who], mfa_verified=True)
    )
    found = search(viewer, CANARY, limit=50)
    wanted = {"amber", "red"} & SEES[who]
    assert found.total == len(wanted) * len(KINDS)
    assert sum(n for _v, n in found.facets.get("type", [])) == found.total
    body = _api(kworld.client(who), f"/api/v1/search?q={CANARY}").json()
    assert body["total"] == found.total
    html = kworld.client(who).get(f"/knowledge/?q={CANARY}").content.decode()
    for kind in KINDS:
        for level in ("amber", "red"):
            title = _title(kworld.items[f"{kind}_{level}"])
            assert (title in html) == (level in SEES[who]), (who, kind, level)


def test_search_has_the_kinds_and_their_facets(kworld: KnowledgeWorld) -> None:
    found = search(ANONYMOUS, "", limit=50)
    types = dict(found.facets["type"])
    assert {types[kind] for kind in KINDS} == {1}
    assert types["project"] == 1
    assert dict(found.facets["trl"]) == {"6": 1}
    assert ("PL", 1) in found.facets["country"]
    results = search(ANONYMOUS, "", filters={"type": "result", "trl": 6}).hits
    assert [hit.title for hit in results] == ["Open result result"]


def test_index_follows_saves_and_deletions(
    kworld: KnowledgeWorld, django_capture_on_commit_callbacks: Any
) -> None:
    author = kworld.world.people["lea_pl"]
    viewer = viewer_for_user(author, mfa_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        item = knowledge_item_create(
            model=Result, viewer=viewer, actor=author,
            fields={"kind": "dataset", "title": "Quokka sightings", "trl": 3},
            audience=["lea"], tlp="GREEN",
        )  # fmt: skip
    document = SearchDocument.objects.get(kind="result", object_id=item.pk)
    assert document.trl == 3
    assert [h.title for h in search(viewer, "quokka").hits] == ["Quokka sightings"]
    assert search(ANONYMOUS, "quokka").total == 0
    with django_capture_on_commit_callbacks(execute=True):
        item.delete()
    assert not SearchDocument.objects.filter(kind="result", object_id=item.pk).exists()
    assert search(viewer, "quokka").total == 0


# --- contributing -----------------------------------------------------------------------

RESULT_FORM = {
    "title": "Portable sniffer prototype",
    "kind": "tool",
    "description": "A hand-held prototype.",
    "trl": "4",
    "availability": "on_request",
    "audience": "members",
    "tlp": "GREEN",
}


def test_member_adds_a_result_to_a_project(kworld: KnowledgeWorld) -> None:
    client = kworld.client("lea_pl")
    url = f"/knowledge/projects/{kworld.project.pk}/results/new/"
    form = client.get(url).content.decode()
    enlets, aquapol = kworld.world.enlets.pk, kworld.world.aquapol.pk
    assert f'value="network:{enlets}"' in form and f"network:{aquapol}" not in form
    assert 'value="public"' not in form  # widest audience: the right to widen only
    audience = f"network:{enlets}"
    response = client.post(url, {**RESULT_FORM, "audience": audience, "tlp": "AMBER"})
    assert response.status_code == 302
    result = Result.objects.get(title="Portable sniffer prototype")
    assert response["Location"] == result.get_absolute_url()
    assert result.project == kworld.project and result.author == kworld.world.people["lea_pl"]
    assert item_audience(result) == {audience} and result.tlp == "AMBER"
    assert result.originator_organisation == kworld.world.police_pl
    entry = AuditEntry.objects.get(
        action="knowledge.created", target=f"knowledge.result:{result.pk}"
    )
    assert entry.data["tlp"] == "AMBER"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trl": "10"}, "trl"),
        ({"trl": "0"}, "trl"),
        ({"title": ""}, "title"),
        ({"kind": "rumour"}, "kind"),
        ({"tlp": "AMBER"}, "tlp"),  # AMBER needs a network, a group or participants
        ({"tlp": "RED"}, "tlp"),
        ({"audience": "public", "tlp": "CLEAR"}, "audience"),  # not offered to a member
        ({"audience": "network:999999"}, "audience"),
    ],
)
def test_creation_is_validated(kworld: KnowledgeWorld, change: dict[str, str], field: str) -> None:
    response = kworld.client("stakeholder").post("/knowledge/results/new/", RESULT_FORM | change)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Result.objects.filter(title=RESULT_FORM["title"]).exists()


def test_only_vetted_members_contribute(kworld: KnowledgeWorld) -> None:
    for path in ("/knowledge/results/new/", "/knowledge/concepts/new/"):
        assert kworld.client("registered").get(path).status_code == 403
        assert kworld.client("registered").post(path, RESULT_FORM).status_code == 403
        anonymous = Client().get(path)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert "Add a result" not in Client().get("/knowledge/results/").content.decode()
    assert (
        "Add a result" in kworld.client("stakeholder").get("/knowledge/results/").content.decode()
    )


def test_members_contribute_concepts_practices_and_technology_watch(
    kworld: KnowledgeWorld,
) -> None:
    client = kworld.client("stakeholder")
    core = kworld.world.core_group.pk
    posts: dict[str, dict[str, Any]] = {
        "/knowledge/concepts/new/": {"title": "Idea X", "idea": "Do X.", "seeking": "funding"},
        "/knowledge/best-practices/new/": {
            "title": "Practice Y", "topic": "Training", "country_code": "BE",
            "what_was_done": "Y was done.",
        },
        "/knowledge/tech-watch/new/": {
            "technology": "Tech Z", "maturity": "mature", "assessment": "Z works.",
            "relevant_groups": [str(core)],
        },
    }  # fmt: skip
    for path, data in posts.items():
        response = client.post(path, {**data, "audience": "members", "tlp": "GREEN"})
        assert response.status_code == 302, (path, response.context["form"].errors)
        page = client.get(response["Location"]).content.decode()
        assert "TLP:GREEN" in page and "Edit" in page
    html = client.get(f"/knowledge/tech-watch/?group={core}").content.decode()
    assert "Tech Z" in html and "Open techwatch" not in html


def test_authors_edit_their_own_items(kworld: KnowledgeWorld) -> None:
    concept = kworld.items["concept_members"]  # by the stakeholder
    url = f"/knowledge/concepts/{concept.pk}/edit/"
    data = {"title": "Sharper idea", "idea": "Better.", "seeking": "both",
            "audience": "members", "tlp": "GREEN"}  # fmt: skip
    assert kworld.client("lea_pl").get(url).status_code == 403
    assert kworld.client("lea_pl").post(url, data).status_code == 403
    assert kworld.client("stakeholder").post(url, data).status_code == 302
    concept.refresh_from_db()
    assert concept.title == "Sharper idea"
    assert AuditEntry.objects.filter(action="knowledge.edited").exists()
    amber = kworld.items["concept_amber"]  # by lea_pl, for ENLETS at AMBER
    assert (
        kworld.client("lea_fr_aquapol").get(f"/knowledge/concepts/{amber.pk}/edit/").status_code
        == 404
    )
    widened = kworld.client("lea_pl").post(
        f"/knowledge/concepts/{amber.pk}/edit/",
        {**data, "audience": "members", "tlp": "GREEN"},
    )
    assert widened.status_code == 200  # widening after publication needs its own right
    assert item_audience(amber) == {f"network:{kworld.world.enlets.pk}"}
