"""Prioritisation rounds: who may create, vote and close; secret ballots; results only in
aggregate and only for needs the reader may see."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lenhub.access.policy import Viewer, viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import User
from lenhub.accounts.tokens import token_create
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in, join
from lenhub.monitoring.models import Notification, Update, UpdateKind
from lenhub.needs.models import (
    Ballot,
    ElectorateRole,
    Method,
    Need,
    NeedStatus,
    Round,
    RoundResult,
    RoundStatus,
)
from lenhub.needs.selectors_rounds import may_vote, results_visible
from lenhub.needs.services_rounds import (
    BallotContent,
    BallotRefused,
    RoundSpec,
    ballot_cast,
    round_close,
    round_create,
    round_open,
    rounds_close_due,
)

pytestmark = pytest.mark.django_db


def _viewer(user: User) -> Viewer:
    return viewer_for_user(user, mfa_verified=True)


def _need(world: World, title: str, *, audience: list[str] | None = None, tlp: str = "GREEN",
          status: str = NeedStatus.ACCEPTED) -> Need:  # fmt: skip
    need = Need.objects.create(
        network=world.enlets,
        title=title,
        problem="p",
        capability_wanted="c",
        crime_area="cybercrime",
        urgency="high",
        status=status,
    )
    restricted_set_audience(
        item=need, audience=audience or [f"network:{world.enlets.pk}"], tlp=tlp, actor=None
    )
    return need


def _spec(world: World, needs: list[Need], **changes: Any) -> RoundSpec:
    now = timezone.now()
    fields: dict[str, Any] = {
        "title": "Round one",
        "method": Method.POINTS,
        "opens_at": now - timedelta(minutes=1),
        "closes_at": now + timedelta(days=7),
        "need_ids": [n.pk for n in needs],
        "audience": [f"network:{world.enlets.pk}"],
        "tlp": "GREEN",
    }
    return RoundSpec(**(fields | changes))


def _open_round(world: World, needs: list[Need], **changes: Any) -> Round:
    secretariat = world.people["secretariat"]
    viewer = _viewer(secretariat)
    round = round_create(
        viewer=viewer, actor=secretariat, network=world.enlets, spec=_spec(world, needs, **changes)
    )
    return round_open(viewer=viewer, actor=secretariat, round=round)


def _vote(user: User, round: Round, **content: Any) -> Ballot:
    return ballot_cast(
        viewer=_viewer(user), voter=user, round=round, content=BallotContent(**content)
    )


@pytest.fixture
def needs(world: World) -> list[Need]:
    return [_need(world, title) for title in ("Drone detection", "Crypto tracing", "Body cams")]


# --- creating ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lea_pl", "nc_pl", "core_de", "operator"])
def test_only_the_secretariat_creates_a_round(
    world: World, needs: list[Need], persona: str
) -> None:
    person = world.people[persona]

    with pytest.raises(PermissionDenied):
        round_create(
            viewer=_viewer(person), actor=person, network=world.enlets, spec=_spec(world, needs)
        )
    assert not Round.objects.exists()


def test_a_round_takes_only_accepted_needs_of_the_network_the_secretariat_may_see(
    world: World, needs: list[Need]
) -> None:
    secretariat = world.people["secretariat"]
    viewer = _viewer(secretariat)
    draft = _need(world, "Not curated yet", status=NeedStatus.SUBMITTED)
    core_only = _need(world, "Core only", audience=[f"group:{world.core_group.pk}"], tlp="AMBER")

    for extra in (draft, core_only):
        with pytest.raises(ValidationError):
            round_create(
                viewer=viewer, actor=secretariat, network=world.enlets,
                spec=_spec(world, [*needs, extra]),
            )  # fmt: skip
    with pytest.raises(ValidationError):  # wider than the network
        round_create(
            viewer=viewer, actor=secretariat, network=world.enlets,
            spec=_spec(world, needs, audience=["members"]),
        )  # fmt: skip
    assert not Round.objects.exists()


def test_opening_notifies_the_electorate_who_may_see_the_round(
    world: World, needs: list[Need]
) -> None:
    round = _open_round(world, needs, electorate_role=ElectorateRole.LEA)

    update = Update.objects.get(kind=UpdateKind.ROUND_OPENED, round=round)
    notified = set(Notification.objects.filter(update=update).values_list("user__email", flat=True))
    assert "officer@policja.pl.test" in notified
    assert "officer@bundespolizei.de.test" in notified
    assert "researcher@uni.be.test" not in notified  # not LEA: not in the electorate
    assert "officer@gendarmerie.fr.test" not in notified  # not a member of ENLETS
    assert "leaver@policja.pl.test" not in notified
    assert round.status == RoundStatus.OPEN


# --- voting ------------------------------------------------------------------------------


def test_the_electorate_is_checked_at_vote_time(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs, electorate_role=ElectorateRole.LEA, country_codes=("DE",))

    assert may_vote(viewer=_viewer(world.people["lea_de"]), round=round)
    for persona in ("lea_pl", "stakeholder", "lea_fr_aquapol", "leaver", "expired"):
        assert not may_vote(viewer=_viewer(world.people[persona]), round=round), persona
    # the same person without a second factor in this session
    officer = world.people["lea_de"]
    assert not may_vote(viewer=viewer_for_user(officer, mfa_verified=False), round=round)
    with pytest.raises(BallotRefused):
        _vote(world.people["lea_pl"], round, points={needs[0].pk: 10})
    assert not Ballot.objects.exists()


def test_national_contacts_only_and_groups(world: World, needs: list[Need]) -> None:
    contacts = _open_round(world, needs, electorate_role=ElectorateRole.NATIONAL_CONTACTS)
    core = _open_round(world, needs, group_ids=(world.core_group.pk,))

    assert may_vote(viewer=_viewer(world.people["nc_pl"]), round=contacts)
    assert not may_vote(viewer=_viewer(world.people["lea_pl"]), round=contacts)
    assert may_vote(viewer=_viewer(world.people["core_de"]), round=core)
    assert not may_vote(viewer=_viewer(world.people["lea_de"]), round=core)


def test_changing_a_ballot_replaces_it_and_the_audit_says_only_that_someone_voted(
    world: World, needs: list[Need]
) -> None:
    round = _open_round(world, needs)
    officer = world.people["lea_pl"]

    _vote(officer, round, points={needs[0].pk: 70, needs[1].pk: 30})
    ballot = _vote(officer, round, points={needs[2].pk: 100})

    assert Ballot.objects.filter(round=round).count() == 1
    assert {(p.need_id, p.points) for p in ballot.points.all()} == {(needs[2].pk, 100)}
    entries = AuditEntry.objects.filter(action="round.voted")
    assert entries.count() == 2
    for entry in entries:
        assert entry.target == f"needs.round:{round.pk}"
        text = str(entry.data)
        assert str(needs[2].pk) not in text and "100" not in text and "points" not in text


def test_a_ballot_over_budget_or_for_other_needs_is_refused(
    world: World, needs: list[Need]
) -> None:
    round = _open_round(world, needs[:2])
    officer = world.people["lea_pl"]

    for points in ({needs[0].pk: 80, needs[1].pk: 21}, {needs[2].pk: 5}, {needs[0].pk: -1}):
        with pytest.raises(ValidationError):
            _vote(officer, round, points=points)
    assert not Ballot.objects.exists()


def test_voting_after_close_is_refused(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    _vote(world.people["lea_pl"], round, points={needs[0].pk: 50})
    round_close(round=round)

    with pytest.raises(BallotRefused):
        _vote(world.people["lea_de"], round, points={needs[0].pk: 50})
    with pytest.raises(BallotRefused):
        _vote(world.people["lea_pl"], round, points={needs[1].pk: 50})


def test_voting_after_the_closing_time_is_refused_before_the_scheduler_ran(
    world: World, needs: list[Need]
) -> None:
    round = _open_round(world, needs)
    Round.objects.filter(pk=round.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    round.refresh_from_db()

    with pytest.raises(BallotRefused):
        _vote(world.people["lea_pl"], round, points={needs[0].pk: 50})


# --- closing, secrecy, results -----------------------------------------------------------


def test_closing_computes_results_and_erases_who_voted(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    _vote(world.people["lea_pl"], round, points={needs[0].pk: 60, needs[1].pk: 40})
    _vote(world.people["lea_de"], round, points={needs[0].pk: 20, needs[2].pk: 80})
    _vote(world.people["nc_pl"], round, points={needs[0].pk: 100})

    assert round_close(round=round) is True
    assert round_close(round=round) is False  # idempotent

    round.refresh_from_db()
    assert round.status == RoundStatus.CLOSED and round.voter_count == 3
    assert not Ballot.objects.filter(voter__isnull=False).exists()
    # nothing left to match a ballot with the audit's "voted" entries: one time for all
    assert set(Ballot.objects.values_list("cast_at", "changed_at")) == {
        (round.closed_at, round.closed_at)
    }
    assert sorted(
        sorted(Ballot.objects.get(pk=pk).points.values_list("points", flat=True))
        for pk in Ballot.objects.values_list("pk", flat=True)
    ) == [[20, 80], [40, 60], [100]]
    assert sorted(Ballot.objects.values_list("country_code", flat=True)) == ["DE", "PL", "PL"]
    results = {r.need_id: r for r in RoundResult.objects.filter(round=round)}
    assert results[needs[0].pk].rank == 1
    assert results[needs[0].pk].score == pytest.approx(60.0)
    assert results[needs[0].pk].supporting_countries == ["DE", "PL"]
    assert results[needs[0].pk].voters == 3
    assert results[needs[2].pk].score == pytest.approx(80 / 3, rel=1e-5)
    assert results[needs[0].pk].low <= 60 <= results[needs[0].pk].high
    assert Update.objects.filter(kind=UpdateKind.ROUND_CLOSED, round=round).count() == 1


def test_close_due_closes_only_rounds_past_their_time(world: World, needs: list[Need]) -> None:
    due = _open_round(world, needs)
    later = _open_round(world, needs)
    Round.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()

    call_command("rounds", "close-due", stdout=out)
    call_command("rounds", "close-due", stdout=out)

    assert out.getvalue().split("\n")[:2] == ["closed 1", "closed 0"]
    assert Round.objects.get(pk=due.pk).status == RoundStatus.CLOSED
    assert Round.objects.get(pk=later.pk).status == RoundStatus.OPEN
    assert rounds_close_due() == 0


def test_only_the_secretariat_closes_by_hand(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    officer = world.people["lea_pl"]

    with pytest.raises(PermissionDenied):
        round_close(round=round, viewer=_viewer(officer), actor=officer)
    assert Round.objects.get(pk=round.pk).status == RoundStatus.OPEN


def test_results_show_only_needs_the_reader_may_see_ranked_among_themselves(
    world: World, needs: list[Need]
) -> None:
    """A core-group need tops the round; a member outside the core group sees the other
    needs ranked 1, 2, 3 with no gap, and nothing of the hidden need."""
    secretariat = world.people["secretariat"]
    join(secretariat, world.enlets, world.core_group)
    hidden = _need(
        world, "Core group canary", audience=[f"group:{world.core_group.pk}"], tlp="AMBER"
    )
    round = _open_round(world, [hidden, *needs])
    _vote(world.people["core_de"], round, points={hidden.pk: 90, needs[0].pk: 10})
    _vote(world.people["lea_pl"], round, points={needs[0].pk: 50, needs[1].pk: 30, needs[2].pk: 20})
    round_close(round=round)
    round.refresh_from_db()

    outsider = results_visible(viewer=_viewer(world.people["lea_pl"]), round=round)
    insider = results_visible(viewer=_viewer(world.people["core_de"]), round=round)

    assert [row.need.pk for row in outsider] == [needs[0].pk, needs[1].pk, needs[2].pk]
    assert [row.rank for row in outsider] == [1, 2, 3]
    assert insider[0].need.pk == hidden.pk
    assert [row.rank for row in insider] == [1, 2, 3, 4]


# --- over the API ------------------------------------------------------------------------


def _token(user: User) -> dict[str, str]:
    secret = token_create(user=user, name="t", scopes="needs:read,needs:write").secret
    return {"Authorization": f"Bearer {secret}"}


def test_api_ballot_is_only_ever_ones_own(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    client = Client()
    officer, other = _token(world.people["lea_pl"]), _token(world.people["lea_de"])
    body = {"points": [{"need": needs[0].pk, "points": 70}, {"need": needs[1].pk, "points": 30}]}

    put = client.put(
        f"/api/v1/rounds/{round.pk}/ballot", body, content_type="application/json", headers=officer
    )
    mine = client.get(f"/api/v1/rounds/{round.pk}/ballot", headers=officer)
    theirs = client.get(f"/api/v1/rounds/{round.pk}/ballot", headers=other)

    assert put.status_code == 200, put.content
    assert mine.status_code == 200
    assert {p["need"]: p["points"] for p in mine.json()["points"]} == {
        needs[0].pk: 70,
        needs[1].pk: 30,
    }
    assert theirs.status_code == 404
    assert b"70" not in theirs.content
    detail = client.get(f"/api/v1/rounds/{round.pk}", headers=other).json()
    assert detail["turnout"] == 1 and detail["may_vote"] is True


def test_api_over_budget_is_invalid_and_outsiders_get_404(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    client = Client()
    body = {"points": [{"need": needs[0].pk, "points": 101}]}

    over = client.put(
        f"/api/v1/rounds/{round.pk}/ballot", body, content_type="application/json",
        headers=_token(world.people["lea_pl"]),
    )  # fmt: skip
    outsider = client.get(
        f"/api/v1/rounds/{round.pk}", headers=_token(world.people["lea_fr_aquapol"])
    )
    anonymous = client.get(f"/api/v1/rounds/{round.pk}")

    assert over.json()["error"]["code"] == "invalid_request"
    assert outsider.status_code == 404
    assert anonymous.status_code == 404
    assert client.get("/api/v1/rounds").json()["total"] == 0


def test_api_results_after_close_with_weights_and_hidden_needs(world: World) -> None:
    secretariat = world.people["secretariat"]
    join(secretariat, world.enlets, world.core_group)
    a, b = _need(world, "Impact need"), _need(world, "Feasible need")
    hidden = _need(world, "Core canary", audience=[f"group:{world.core_group.pk}"], tlp="AMBER")
    round = _open_round(world, [a, b, hidden], method=Method.CRITERIA)
    for persona in ("lea_pl", "lea_de"):
        _vote(world.people[persona], round, scores={a.pk: (5, 3, 1), b.pk: (2, 3, 5)})
    _vote(
        world.people["core_de"],
        round,
        scores={a.pk: (5, 3, 1), b.pk: (2, 3, 5), hidden.pk: (5, 5, 5)},
    )
    client = Client()
    headers = _token(world.people["lea_pl"])
    url = f"/api/v1/rounds/{round.pk}/results"

    assert client.get(url, headers=headers).json()["error"]["code"] == "conflict"
    close = client.post(f"/api/v1/rounds/{round.pk}/close", headers=headers)
    assert close.status_code == 403
    assert (
        client.post(f"/api/v1/rounds/{round.pk}/close", headers=_token(secretariat)).status_code
        == 200
    )
    impact = client.get(f"{url}?impact=1&urgency=0&feasibility=0&breadth=0", headers=headers)
    feasibility = client.get(f"{url}?impact=0&urgency=0&feasibility=1&breadth=0", headers=headers)

    assert impact.status_code == 200, impact.content
    assert [r["need"]["id"] for r in impact.json()["results"]] == [a.pk, b.pk]
    assert [r["need"]["id"] for r in feasibility.json()["results"]] == [b.pk, a.pk]
    assert [r["rank"] for r in feasibility.json()["results"]] == [1, 2]
    assert b"Core canary" not in impact.content
    assert impact.json()["results"][0]["score"] == pytest.approx(100.0)


def test_api_my_ballot_is_gone_after_close(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    _vote(world.people["lea_pl"], round, points={needs[0].pk: 10})
    round_close(round=round)

    response = Client().get(
        f"/api/v1/rounds/{round.pk}/ballot", headers=_token(world.people["lea_pl"])
    )

    assert response.status_code == 404


def test_ballots_are_not_in_the_admin(world: World) -> None:
    from django.contrib import admin

    from lenhub.needs.models import BallotPair, BallotPoints, BallotScore

    for model in (Ballot, BallotPoints, BallotPair, BallotScore):
        assert model not in admin.site._registry


# --- pages -------------------------------------------------------------------------------


def test_pages_vote_and_results(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])

    listing = client.get("/rounds/")
    detail = client.get(f"/rounds/{round.pk}/")
    form = client.get(f"/rounds/{round.pk}/vote/")
    cast = client.post(
        f"/rounds/{round.pk}/vote/",
        {f"points-{needs[0].pk}": "60", f"points-{needs[1].pk}": "40", f"points-{needs[2].pk}": ""},
    )

    assert listing.status_code == 200 and b"Round one" in listing.content
    assert detail.status_code == 200 and b"TLP:GREEN" in detail.content
    assert form.status_code == 200 and b"Drone detection" in form.content
    assert cast.status_code == 302
    assert Ballot.objects.get(round=round, voter=world.people["lea_pl"]).points.count() == 2
    assert detail["Cache-Control"].count("no-store") == 1
    round_close(round=round)
    results = client.get(f"/rounds/{round.pk}/results/")
    assert results.status_code == 200 and b"Drone detection" in results.content


def test_pages_outsider_gets_404(world: World, needs: list[Need]) -> None:
    round = _open_round(world, needs)
    client = Client()
    client_sign_in(client, "officer@gendarmerie.fr.test", world.secrets["lea_fr_aquapol"])

    for path in ("", "vote/", "results/"):
        assert client.get(f"/rounds/{round.pk}/{path}").status_code == 404


def test_page_new_round_is_for_the_secretariat(world: World, needs: list[Need]) -> None:
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])
    assert client.get(f"/rounds/new/?network={world.enlets.acronym}").status_code in (403, 404)

    staff = Client()
    client_sign_in(staff, "secretariat@pphs.pl.test", world.secrets["secretariat"])
    page = staff.get(f"/rounds/new/?network={world.enlets.acronym}")
    assert page.status_code == 200 and b"Drone detection" in page.content
    now = timezone.now()
    response = staff.post(
        f"/rounds/new/?network={world.enlets.acronym}",
        {
            "title": "Spring round",
            "description": "",
            "method": "pairwise",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "needs": [n.pk for n in needs],
            "electorate_role": "members",
            "points_budget": "100",
            "weight_impact": "0.4",
            "weight_urgency": "0.3",
            "weight_feasibility": "0.2",
            "weight_breadth": "0.1",
            "audience": f"network:{world.enlets.pk}",
            "tlp": "GREEN",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    created = Round.objects.get(title="Spring round")
    assert created.status == RoundStatus.DRAFT
    assert staff.post(f"/rounds/{created.pk}/open/").status_code == 302
    assert Round.objects.get(pk=created.pk).status == RoundStatus.OPEN
    # the pairwise ballot page shows radio pairs
    voter = Client()
    client_sign_in(voter, "officer@bundespolizei.de.test", world.secrets["lea_de"])
    page = voter.get(f"/rounds/{created.pk}/vote/")
    assert page.status_code == 200 and b'type="radio"' in page.content


def test_results_page_reranks_by_the_readers_weights(world: World) -> None:
    """Without JavaScript the weights form (GET) re-ranks on the server: impact only puts
    the impact need first, feasibility only the feasible one."""
    a, b = _need(world, "Impact need"), _need(world, "Feasible need")
    round = _open_round(world, [a, b], method=Method.CRITERIA)
    for persona in ("lea_pl", "lea_de"):
        _vote(world.people[persona], round, scores={a.pk: (5, 3, 1), b.pk: (2, 3, 5)})
    round_close(round=round)
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])
    url = f"/rounds/{round.pk}/results/"

    impact = client.get(f"{url}?impact=1&urgency=0&feasibility=0&breadth=0").content.decode()
    feasible = client.get(f"{url}?impact=0&urgency=0&feasibility=1&breadth=0").content.decode()

    assert impact.index("Impact need") < impact.index("Feasible need")
    assert feasible.index("Feasible need") < feasible.index("Impact need")
    assert 'id="weights-form"' in impact and "needs/rounds.js" in impact


# --- creating and opening through the API ------------------------------------------------


def _round_body(world: World, needs: list[Need], changes: Any = None) -> dict[str, Any]:
    now = timezone.now()
    body: dict[str, Any] = {
        "network": world.enlets.acronym,
        "title": "API round",
        "description": "Asked for by the plenary.",
        "method": "criteria",
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
        "needs": [n.pk for n in needs],
        "electorate_role": "lea",
        "countries": ["pl", "DE"],
        "equal_country_weight": True,
        "weights": {"impact": 1, "urgency": 1, "feasibility": 0, "breadth": 0},
        "audience": [f"network:{world.enlets.pk}"],
        "tlp": "GREEN",
    }
    return body | (changes or {})


def _post(path: str, body: Any, headers: dict[str, str]) -> Any:
    return Client().post(path, body, content_type="application/json", headers=headers)


def test_api_secretariat_creates_and_opens_a_round(world: World, needs: list[Need]) -> None:
    secretariat = _token(world.people["secretariat"])
    officer = _token(world.people["lea_pl"])

    created = _post("/api/v1/rounds", _round_body(world, needs), secretariat)

    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["status"], data["method"], data["tlp"]) == ("draft", "criteria", "TLP:GREEN")
    assert data["electorate"] == {"role": "lea", "groups": [], "countries": ["DE", "PL"]}
    assert data["equal_country_weight"] is True
    assert data["weights"] == {"impact": 1.0, "urgency": 1.0, "feasibility": 0.0, "breadth": 0.0}
    assert [n["id"] for n in data["needs"]] == [n.pk for n in needs]
    url = f"/api/v1/rounds/{data['id']}"
    assert Client().get(url, headers=secretariat).json()["status"] == "draft"
    assert Client().get(url, headers=officer).status_code == 404  # a draft is not theirs
    assert AuditEntry.objects.filter(action="round.created").count() == 1

    opened = _post(f"{url}/open", None, secretariat)

    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "open"
    seen = Client().get(url, headers=officer).json()
    assert seen["status"] == "open" and seen["may_vote"] is True
    assert Update.objects.filter(kind=UpdateKind.ROUND_OPENED, round_id=data["id"]).exists()
    again = _post(f"{url}/open", None, secretariat)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_api_round_writes_need_the_write_scope(world: World, needs: list[Need]) -> None:
    secretariat = world.people["secretariat"]
    read_only = token_create(user=secretariat, name="r", scopes="needs:read").secret
    headers = {"Authorization": f"Bearer {read_only}"}
    draft = round_create(
        viewer=_viewer(secretariat), actor=secretariat, network=world.enlets,
        spec=_spec(world, needs),
    )  # fmt: skip

    created = _post("/api/v1/rounds", _round_body(world, needs), headers)
    opened = _post(f"/api/v1/rounds/{draft.pk}/open", None, headers)

    assert created.status_code == 403 and created.json()["error"]["code"] == "insufficient_scope"
    assert opened.status_code == 403 and opened.json()["error"]["code"] == "insufficient_scope"
    assert Round.objects.count() == 1
    assert Round.objects.get().status == RoundStatus.DRAFT


def test_api_members_neither_create_nor_open_rounds(world: World, needs: list[Need]) -> None:
    secretariat = world.people["secretariat"]
    officer = _token(world.people["lea_pl"])
    draft = round_create(
        viewer=_viewer(secretariat), actor=secretariat, network=world.enlets,
        spec=_spec(world, needs),
    )  # fmt: skip

    created = _post("/api/v1/rounds", _round_body(world, needs), officer)
    opened = _post(f"/api/v1/rounds/{draft.pk}/open", None, officer)
    anonymous = Client().post(f"/api/v1/rounds/{draft.pk}/open")

    assert created.status_code == 403 and created.json()["error"]["code"] == "permission_denied"
    assert opened.status_code == 404  # they may not even know the draft exists
    assert anonymous.status_code == 401
    assert Round.objects.count() == 1
    assert Round.objects.get().status == RoundStatus.DRAFT


@pytest.mark.parametrize(
    "changes",
    [
        {"closes_at": (timezone.now() - timedelta(days=1)).isoformat()},  # before it opens
        {"needs": [1]},
        {"needs": ["1", "2"]},
        {"method": "borda"},
        {"title": "   "},
        {"tlp": "RED"},
        {"audience": ["members"]},  # wider than the network
        {"audience": ["nonsense"]},
        {"countries": ["XX"]},
        {"groups": [2**31 - 1]},
        {"weights": {"impact": 0, "urgency": 0, "feasibility": 0, "breadth": 0}},
        {"points_budget": "100"},
        {"points_budget": 0},
        {"equal_country_weight": 1},
        {"opens_at": 0},
        {"network": "NOPE"},
    ],
)
def test_api_invalid_round_bodies_change_nothing(
    world: World, needs: list[Need], changes: dict[str, Any]
) -> None:
    response = _post(
        "/api/v1/rounds", _round_body(world, needs, changes), _token(world.people["secretariat"])
    )

    assert response.status_code in (404, 422), response.content
    error = response.json()["error"]
    assert error["code"] in ("invalid_request", "not_found") and error["message"]
    assert not Round.objects.exists()


def test_api_a_round_takes_only_needs_the_secretariat_may_pick(
    world: World, needs: list[Need]
) -> None:
    submitted = _need(world, "Not curated yet", status=NeedStatus.SUBMITTED)

    response = _post(
        "/api/v1/rounds",
        _round_body(world, [*needs, submitted]),
        _token(world.people["secretariat"]),
    )

    assert response.status_code == 422
    assert "accepted needs" in response.json()["error"]["message"]
    assert not Round.objects.exists()
