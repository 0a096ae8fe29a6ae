"""Joining a network (DESIGN §1, §4): routing of applications to the right National
Contact, who may decide, approval (vetting, membership, default groups, the
``membership_approved`` event), rejection with a reason, emails at each step, leaving
(refused on the next request from every session and token), suspension, bulk
re-confirmation, daily housekeeping and its command, and the page where National
Contacts and secretariats keep their members up to date."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from lenhub.accounts.models import Role, RoleAssignment, User, Vetting, VettingBasis
from lenhub.accounts.selectors import vetting_current
from lenhub.accounts.tokens import token_create
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in, join, make_user
from lenhub.core.events import event_subscribe, event_unsubscribe
from lenhub.dissemination.models import News
from lenhub.dissemination.services import news_publish
from lenhub.networks.models import (
    ApplicationStatus,
    Group,
    GroupKind,
    GroupMembership,
    JoinApplication,
    MembershipStatus,
    Network,
    NetworkMembership,
)
from lenhub.networks.selectors import application_deciders, applications_to_decide, may_decide
from lenhub.networks.services import (
    REMIND_DAYS,
    application_approve,
    application_reject,
    application_submit,
    may_manage_member,
    membership_leave,
    membership_reconfirm,
    membership_suspend,
    memberships_housekeeping,
)

pytestmark = pytest.mark.django_db

MOTIVATION = "I run the drone-countermeasures desk of my unit and want to share findings."
POSITION = "Detective inspector"

Commit = Callable[[], AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://lenhub.example.test"


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Commit:
    """``with commit(): ...`` runs what the block scheduled for "after commit" (emails,
    domain events) when the block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def events() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every ``membership_approved`` and ``membership_ended`` delivered during the test."""
    seen: dict[str, list[dict[str, Any]]] = {"membership_approved": [], "membership_ended": []}

    def approved(**payload: Any) -> None:
        seen["membership_approved"].append(payload)

    def ended(**payload: Any) -> None:
        seen["membership_ended"].append(payload)

    event_subscribe("membership_approved", approved)
    event_subscribe("membership_ended", ended)
    try:
        yield seen
    finally:
        event_unsubscribe("membership_approved", approved)
        event_unsubscribe("membership_ended", ended)


def _applicant(world: World, email: str = "applicant@policja.pl.test", **extra: Any) -> User:
    extra.setdefault("organisation", world.police_pl)
    extra.setdefault("totp_secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return make_user(email, **extra)


def _apply(user: User, network: Network) -> JoinApplication:
    return application_submit(user=user, network=network, position=POSITION, motivation=MOTIVATION)


def _signed_in(person: str, world: World) -> Client:
    return _sign_in(world.people[person], world.secrets[person])


def _sign_in(user: User, secret: str | None) -> Client:
    """A new session for ``user``. A TOTP code works once; forgetting the codes used lets
    one person open several sessions within one 30-second period (tests only). The
    server accepts only the current period's code: near the end of a period, wait for
    the next one rather than send a code that lapses on the way."""
    cache.clear()
    left = 30 - time.time() % 30
    if secret is not None and left < 3:
        time.sleep(left + 0.1)
    client = Client()
    client_sign_in(client, user.email, secret)
    return client


def _audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def _mail_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def _nc(
    world: World, user: User, country: str, *, deputy: bool = False, network: Any = None
) -> None:
    RoleAssignment.objects.create(
        user=user,
        role=Role.NATIONAL_CONTACT,
        network=network or world.enlets,
        country_id=country,
        is_deputy=deputy,
    )


def _lapse_vetting(user: User) -> None:
    Vetting.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(days=1))


# --- routing --------------------------------------------------------------------------------


def test_application_goes_to_the_national_contact_of_the_applicants_country(
    world: World, commit: Commit, mailoutbox: list[Any]
) -> None:
    nc = world.people["nc_pl"]
    _nc(world, world.people["lea_de"], "DE")  # another country's NC is not asked
    applicant = _applicant(world)
    with commit():
        application = _apply(applicant, world.enlets)
    assert application.status == ApplicationStatus.PENDING
    assert application.country_id == "PL"
    assert application.organisation == world.police_pl
    assert application_deciders(application=application) == [nc]
    assert list(applications_to_decide(user=nc)) == [application]
    assert not applications_to_decide(user=world.people["lea_de"]).exists()
    # the applicant hears it was received, the National Contact that it waits for them
    assert sorted(tuple(m.to) for m in mailoutbox) == [(applicant.email,), (nc.email,)]
    (to_decide,) = _mail_to(nc.email)
    assert "ENLETS" in to_decide.subject
    assert "https://lenhub.example.test/networks/decisions/" in to_decide.body
    assert _audited("membership.applied")


def test_a_deputy_decides_where_the_country_has_no_national_contact(world: World) -> None:
    deputy = world.people["core_de"]
    _nc(world, deputy, "DE", deputy=True)
    applicant = _applicant(world, "applicant@bundespolizei.de.test", organisation=world.police_de)
    application = _apply(applicant, world.enlets)
    assert application_deciders(application=application) == [deputy]
    assert may_decide(user=deputy, application=application, mfa=True)
    # with a National Contact in office, the deputy is not asked ...
    contact = world.people["lea_de"]
    _nc(world, contact, "DE")
    assert application_deciders(application=application) == [contact]
    # ... unless the National Contact's own vetting has lapsed
    _lapse_vetting(contact)
    assert application_deciders(application=application) == [deputy]


def test_the_secretariat_decides_where_the_country_has_nobody(world: World) -> None:
    applicant = _applicant(
        world, "applicant@gendarmerie.fr.test", organisation=world.gendarmerie_fr
    )
    application = _apply(applicant, world.enlets)
    assert application_deciders(application=application) == [world.people["secretariat"]]
    assert list(applications_to_decide(user=world.people["secretariat"])) == [application]
    assert not applications_to_decide(user=world.people["nc_pl"]).exists()


def test_the_applicant_is_never_their_own_decider_and_the_secretariat_steps_in(
    world: World,
) -> None:
    """The only National Contact for the country applies themselves: the application
    goes to the secretariat instead of nowhere."""
    nc = world.people["nc_pl"]
    _nc(world, nc, "PL", network=world.aquapol)
    aquapol_secretariat = make_user("aquapol-sec@pphs.pl.test", organisation=world.pphs)
    RoleAssignment.objects.create(
        user=aquapol_secretariat, role=Role.SECRETARIAT, network=world.aquapol
    )
    application = _apply(nc, world.aquapol)
    assert not may_decide(user=nc, application=application, mfa=True)
    assert not applications_to_decide(user=nc).exists()
    assert application_deciders(application=application) == [aquapol_secretariat]
    with pytest.raises(PermissionDenied):
        application_approve(application=application, decider=nc, mfa=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_an_undecided_application_goes_to_the_secretariat_after_the_decision_days(
    world: World, commit: Commit, mailoutbox: list[Any]
) -> None:
    nc, secretariat = world.people["nc_pl"], world.people["secretariat"]
    world.enlets.decision_days = 7
    world.enlets.save()
    application = _apply(_applicant(world), world.enlets)
    # six days: still with the National Contact alone
    JoinApplication.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - timedelta(days=6)
    )
    with commit():
        assert memberships_housekeeping()["escalated"] == 0
    application.refresh_from_db()
    assert application.escalated_at is None
    assert application_deciders(application=application) == [nc]
    assert mailoutbox == []
    # eight days: the secretariat is asked as well (once)
    JoinApplication.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    with commit():
        assert memberships_housekeeping()["escalated"] == 1
    application.refresh_from_db()
    assert application.escalated_at is not None
    assert set(application_deciders(application=application)) == {nc, secretariat}
    assert sorted(tuple(m.to) for m in mailoutbox) == [(nc.email,), (secretariat.email,)]
    assert all("within 7 days" in m.body for m in mailoutbox)
    assert may_decide(user=secretariat, application=application, mfa=True)
    assert len(_audited("membership.escalated")) == 1
    with commit():
        assert memberships_housekeeping()["escalated"] == 0
    assert len(mailoutbox) == 2
    assert len(_audited("membership.escalated")) == 1


# --- who may decide ---------------------------------------------------------------------------


def test_who_may_decide(world: World) -> None:
    nc = world.people["nc_pl"]
    applicant = _applicant(world)
    application = _apply(applicant, world.enlets)
    assert may_decide(user=nc, application=application, mfa=True)
    assert may_decide(user=world.people["secretariat"], application=application, mfa=True)
    # without a second factor in this session: nobody
    assert not may_decide(user=nc, application=application, mfa=False)
    assert not may_decide(user=world.people["secretariat"], application=application, mfa=False)
    # a National Contact of another country, or of another network, or no role at all
    german = world.people["lea_de"]
    _nc(world, german, "DE")
    assert not may_decide(user=german, application=application, mfa=True)
    _nc(world, world.people["lea_pl"], "PL", network=world.aquapol)
    assert not may_decide(user=world.people["lea_pl"], application=application, mfa=True)
    assert not may_decide(user=world.people["core_de"], application=application, mfa=True)
    assert not may_decide(user=applicant, application=application, mfa=True)
    # a National Contact whose own vetting lapsed: neither decides nor sees the queue
    _lapse_vetting(nc)
    assert not may_decide(user=nc, application=application, mfa=True)
    assert not applications_to_decide(user=nc).exists()
    with pytest.raises(PermissionDenied):
        application_approve(application=application, decider=nc, mfa=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_deciding_needs_a_session_signed_in_with_a_second_factor(world: World) -> None:
    no_mfa = world.people["vetted_no_mfa"]  # vetted, Polish, no second factor enrolled
    _nc(world, no_mfa, "PL")
    application = _apply(_applicant(world), world.enlets)
    client = _sign_in(no_mfa, None)
    assert client.get("/networks/decisions/").status_code == 403
    response = client.post(
        f"/networks/decisions/{application.pk}/", {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not NetworkMembership.objects.filter(user=application.user).exists()


def test_a_national_contact_of_another_country_cannot_decide_over_http(world: World) -> None:
    german = world.people["lea_de"]
    _nc(world, german, "DE")
    application = _apply(_applicant(world), world.enlets)
    client = _signed_in("lea_de", world)
    page = client.get("/networks/decisions/")
    assert page.status_code == 200
    assert application.user.email not in page.content.decode()
    response = client.post(
        f"/networks/decisions/{application.pk}/", {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


# --- approval -----------------------------------------------------------------------------------


def test_approval_vets_the_applicant_makes_them_a_member_and_emits_once_on_commit(
    world: World,
    commit: Commit,
    events: dict[str, list[dict[str, Any]]],
    mailoutbox: list[Any],
) -> None:
    nc = world.people["nc_pl"]
    world.enlets.membership_days = 200
    world.enlets.save()
    everyone = Group.objects.create(
        network=world.enlets, name="All members", kind=GroupKind.OTHER, is_default=True
    )
    applicant = _applicant(world)
    assert vetting_current(user=applicant) is None
    application = _apply(applicant, world.enlets)
    before = timezone.now()
    with commit():
        membership = application_approve(application=application, decider=nc, mfa=True)
        assert events["membership_approved"] == []  # not before the commit
        assert mailoutbox == []
    # vetted by the National Contact on the domain match
    vetting = vetting_current(user=applicant)
    assert vetting is not None
    assert vetting.vetted_by == nc
    assert vetting.basis == VettingBasis.DOMAIN_MATCH
    # an active membership for the network's membership days
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.confirmed_at is not None and membership.confirmed_at >= before
    assert membership.expires_at is not None
    expected = before + timedelta(days=200)
    assert abs((membership.expires_at - expected).total_seconds()) < 60
    # the default groups, and only those
    groups = set(GroupMembership.objects.filter(user=applicant).values_list("group", flat=True))
    assert groups == {everyone.pk}
    # the application is decided
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == nc
    assert application.decided_at is not None
    # exactly one event, after the commit
    assert events["membership_approved"] == [
        {"user_id": applicant.pk, "network_id": world.enlets.pk}
    ]
    # audited: the vetting and the approval, by the National Contact
    (approved,) = _audited("membership.approved")
    assert approved.actor == nc.audit_pid
    assert approved.target == f"person:{applicant.audit_pid}"
    assert approved.data["network"] == world.enlets.pk
    assert _audited("vetting.granted")
    # one email, to the applicant
    assert [tuple(m.to) for m in mailoutbox] == [(applicant.email,)]
    assert "Welcome to ENLETS" in mailoutbox[0].subject
    assert "https://lenhub.example.test/networks/ENLETS/members/" in mailoutbox[0].body
    # the new member's keys include the network at once
    client = _sign_in(applicant, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert client.get("/networks/ENLETS/members/").status_code == 200


def test_an_address_outside_the_organisations_domains_needs_a_reason(
    world: World, commit: Commit, events: dict[str, list[dict[str, Any]]]
) -> None:
    nc = world.people["nc_pl"]
    applicant = _applicant(world, "private.address@mail.example.test")
    application = _apply(applicant, world.enlets)
    with commit(), pytest.raises(ValidationError, match="give a reason"):
        application_approve(application=application, decider=nc, mfa=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not NetworkMembership.objects.filter(user=applicant).exists()
    assert not Vetting.objects.filter(user=applicant).exists()
    assert events["membership_approved"] == []
    with commit():
        application_approve(
            application=application,
            decider=nc,
            mfa=True,
            vetting_reason="Met in person at the Warsaw workshop; confirmed by phone.",
        )
    vetting = vetting_current(user=applicant)
    assert vetting is not None and vetting.basis == VettingBasis.OVERRIDE
    assert "Warsaw" in vetting.reason
    assert len(events["membership_approved"]) == 1


def test_an_applicant_already_vetted_is_not_vetted_again(world: World) -> None:
    person = world.people["lea_no_network"]
    before = list(Vetting.objects.filter(user=person).values_list("pk", flat=True))
    application = _apply(person, world.enlets)
    application_approve(application=application, decider=world.people["nc_pl"], mfa=True)
    assert list(Vetting.objects.filter(user=person).values_list("pk", flat=True)) == before
    assert NetworkMembership.objects.get(user=person, network=world.enlets).status == "active"


def test_an_application_is_decided_once(world: World) -> None:
    application = _apply(_applicant(world), world.enlets)
    application_approve(application=application, decider=world.people["nc_pl"], mfa=True)
    with pytest.raises(ValidationError):
        application_reject(
            application=application,
            decider=world.people["secretariat"],
            mfa=True,
            reason="Too late to change our minds.",
        )
    assert JoinApplication.objects.get(pk=application.pk).status == ApplicationStatus.APPROVED


def test_approval_over_http(world: World, commit: Commit, mailoutbox: list[Any]) -> None:
    applicant = _applicant(world)
    application = _apply(applicant, world.enlets)
    client = _signed_in("nc_pl", world)
    page = client.get("/networks/decisions/")
    assert page.status_code == 200
    assert f'id="decide-{application.pk}"' in page.content.decode()
    with commit():
        response = client.post(
            f"/networks/decisions/{application.pk}/", {"decision": "approve", "reason": ""}
        )
    assert response.status_code == 302
    assert NetworkMembership.objects.get(user=applicant).status == MembershipStatus.ACTIVE
    assert [tuple(m.to) for m in mailoutbox] == [(applicant.email,)]


# --- rejection ---------------------------------------------------------------------------------


def test_rejection_needs_a_reason_and_the_applicant_sees_it(
    world: World, commit: Commit, mailoutbox: list[Any]
) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    applicant = _applicant(world)
    application = _apply(applicant, world.enlets)
    nc = _signed_in("nc_pl", world)
    with commit():
        nc.post(f"/networks/decisions/{application.pk}/", {"decision": "reject", "reason": "no"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert mailoutbox == []
    with pytest.raises(ValidationError):
        application_reject(
            application=application, decider=world.people["nc_pl"], mfa=True, reason="   "
        )
    reason = "Your unit is not part of the Polish ENLETS delegation; ask your NCP first."
    with commit():
        response = nc.post(
            f"/networks/decisions/{application.pk}/", {"decision": "reject", "reason": reason}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.reason == reason
    assert not NetworkMembership.objects.filter(user=applicant).exists()
    assert vetting_current(user=applicant) is None  # a rejection vets nobody
    (entry,) = _audited("membership.rejected")
    assert entry.actor == world.people["nc_pl"].audit_pid
    # by email, to the applicant only
    assert [tuple(m.to) for m in mailoutbox] == [(applicant.email,)]
    assert reason in mailoutbox[0].body
    # and on their applications page
    page = _sign_in(applicant, secret).get("/networks/applications/")
    assert page.status_code == 200
    assert reason.replace("'", "&#x27;") in page.content.decode()
    # they may apply again
    assert _apply(applicant, world.enlets).status == ApplicationStatus.PENDING


# --- emails ------------------------------------------------------------------------------------


def test_each_step_sends_one_message_per_recipient_without_restricted_content(
    world: World, commit: Commit, mailoutbox: list[Any]
) -> None:
    nc, secretariat = world.people["nc_pl"], world.people["secretariat"]
    _nc(world, world.people["group_leader"], "PL")  # two National Contacts for Poland
    secret_news = news_publish(
        title="Operation NIGHTJAR staging areas",
        body="Staging areas near the border crossing.",
        audience=[f"network:{world.enlets.pk}"],
        tlp="AMBER",
        author=nc,
    )
    applicants = [_applicant(world, f"applicant{i}@policja.pl.test") for i in range(3)]
    with commit():
        applications = [_apply(person, world.enlets) for person in applicants]
    with commit():
        application_approve(application=applications[0], decider=nc, mfa=True)
        application_reject(
            application=applications[1], decider=nc, mfa=True, reason="Not an LEA role."
        )
    JoinApplication.objects.filter(pk=applications[2].pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    with commit():
        memberships_housekeeping()
    for message in mailoutbox:
        assert len(message.to) == 1, message.to
        assert not message.cc and not message.bcc
        text = f"{message.subject}\n{message.body}"
        assert MOTIVATION not in text and POSITION not in text
        assert secret_news.title not in text and "NIGHTJAR" not in text
        assert not re.search(r"TLP:(AMBER|RED)", text)
    by_recipient: dict[str, list[str]] = {}
    for message in mailoutbox:
        by_recipient.setdefault(message.to[0], []).append(message.subject)
    # received x3, to-decide x3 for each NC, approved, rejected, escalation to all three
    assert len(by_recipient[applicants[0].email]) == 2
    assert len(by_recipient[applicants[1].email]) == 2
    assert len(by_recipient[applicants[2].email]) == 1
    assert len(by_recipient[nc.email]) == 4
    assert len(by_recipient[world.people["group_leader"].email]) == 4
    assert len(by_recipient[secretariat.email]) == 1


# --- duplicates --------------------------------------------------------------------------------


def test_a_second_pending_application_is_refused(world: World) -> None:
    applicant = _applicant(world)
    first = _apply(applicant, world.enlets)
    with pytest.raises(ValidationError, match="already waiting"):
        _apply(applicant, world.enlets)
    # the database refuses it too, should two requests race past the check
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinApplication.objects.create(
            user=applicant,
            network=world.enlets,
            organisation=world.police_pl,
            country_id="PL",
            position=POSITION,
            motivation=MOTIVATION,
        )
    assert JoinApplication.objects.filter(user=applicant).count() == 1
    # another network is another matter
    assert _apply(applicant, world.aquapol).pk != first.pk
    # and a member cannot apply again
    with pytest.raises(ValidationError, match="already a member"):
        _apply(world.people["lea_pl"], world.enlets)


# --- leaving -----------------------------------------------------------------------------------


def test_leaving_ends_the_membership_and_its_groups(
    world: World, commit: Commit, events: dict[str, list[dict[str, Any]]]
) -> None:
    officer = world.people["lea_pl"]
    other = Group.objects.create(network=world.aquapol, name="Hub North", kind=GroupKind.HUB)
    join(officer, world.aquapol, other)
    join(officer, world.enlets, world.core_group)
    with commit():
        membership_leave(user=officer, network=world.enlets)
    membership = NetworkMembership.objects.get(user=officer, network=world.enlets)
    assert membership.status == MembershipStatus.LEFT
    assert membership.ended_at is not None
    assert not GroupMembership.objects.filter(user=officer, group__network=world.enlets).exists()
    assert GroupMembership.objects.filter(user=officer, group=other).exists()  # untouched
    assert events["membership_ended"] == [
        {"user_id": officer.pk, "network_id": world.enlets.pk, "status": "left"}
    ]
    assert len(_audited("membership.left")) == 1
    with pytest.raises(NetworkMembership.DoesNotExist):
        membership_leave(user=officer, network=world.enlets)


def test_a_leaver_is_refused_on_the_next_request_from_every_session_and_token(
    world: World,
) -> None:
    officer, secret = world.people["lea_pl"], world.secrets["lea_pl"]
    news = news_publish(
        title="Network briefing",
        body="For ENLETS members.",
        audience=[f"network:{world.enlets.pk}"],
        tlp="AMBER",
        author=world.people["nc_pl"],
    )
    token = token_create(user=officer, name="scripts", scopes="news:read").secret
    api = Client()
    bearer = {"Authorization": f"Bearer {token}"}
    first = _sign_in(officer, secret)
    second = _sign_in(officer, secret)
    for client in (first, second):
        assert client.get("/networks/ENLETS/members/").status_code == 200
        assert client.get(f"/news/{news.pk}/").status_code == 200
    assert api.get(f"/api/v1/news/{news.pk}", headers=bearer).status_code == 200
    # leave from the first session
    response = first.post("/networks/ENLETS/leave/")
    assert response.status_code == 302
    # the second session, still open, is refused on its next request; so is the token
    assert second.get("/networks/ENLETS/members/").status_code == 404
    assert second.get(f"/news/{news.pk}/").status_code == 404
    assert api.get(f"/api/v1/news/{news.pk}", headers=bearer).status_code == 404
    listing = api.get("/api/v1/news", headers=bearer).json()
    assert news.pk not in [item["id"] for item in listing["results"]]
    assert first.get("/networks/ENLETS/members/").status_code == 404
    # still signed in, and still vetted: only the network is gone
    assert second.get("/networks/applications/").status_code == 200
    assert News.objects.filter(pk=news.pk).exists()


# --- suspension --------------------------------------------------------------------------------


def test_suspension_by_the_national_contact_of_the_members_country_or_the_secretariat(
    world: World, commit: Commit, mailoutbox: list[Any], events: dict[str, list[dict[str, Any]]]
) -> None:
    nc, secretariat = world.people["nc_pl"], world.people["secretariat"]
    polish = NetworkMembership.objects.get(user=world.people["lea_pl"], network=world.enlets)
    german = NetworkMembership.objects.get(user=world.people["lea_de"], network=world.enlets)
    # not: a member, another country's NC, oneself, an NC whose vetting lapsed
    _nc(world, world.people["core_de"], "DE")
    assert not may_manage_member(actor=world.people["stakeholder"], membership=polish)
    assert not may_manage_member(actor=world.people["core_de"], membership=polish)
    assert not may_manage_member(actor=nc, membership=german)
    own = NetworkMembership.objects.get(user=nc, network=world.enlets)
    assert not may_manage_member(actor=nc, membership=own)
    for actor, membership in ((world.people["core_de"], polish), (nc, german)):
        with pytest.raises(PermissionDenied):
            membership_suspend(membership=membership, actor=actor, reason="Left the police.")
    # a reason is required
    with pytest.raises(ValidationError):
        membership_suspend(membership=polish, actor=nc, reason="   short ")
    polish.refresh_from_db()
    assert polish.status == MembershipStatus.ACTIVE
    reason = "Transferred to a unit outside the network's remit."
    with commit():
        membership_suspend(membership=polish, actor=nc, reason=reason)
    polish.refresh_from_db()
    assert polish.status == MembershipStatus.SUSPENDED
    assert polish.ended_at is not None
    assert events["membership_ended"][-1]["status"] == "suspended"
    (entry,) = _audited("membership.suspended")
    assert entry.actor == nc.audit_pid
    assert [tuple(m.to) for m in mailoutbox] == [(world.people["lea_pl"].email,)]
    assert reason in mailoutbox[0].body
    # a suspended membership cannot be suspended again
    with pytest.raises(ValidationError):
        membership_suspend(membership=polish, actor=nc, reason=reason)
    # the secretariat may suspend any country's member
    membership_suspend(membership=german, actor=secretariat, reason="Asked by the member.")
    assert NetworkMembership.objects.get(pk=german.pk).status == MembershipStatus.SUSPENDED
    # an NC whose vetting lapsed may not
    leader = NetworkMembership.objects.get(user=world.people["group_leader"], network=world.enlets)
    _lapse_vetting(nc)
    assert not may_manage_member(actor=nc, membership=leader)


# --- re-confirmation -----------------------------------------------------------------------------


def test_bulk_reconfirmation_extends_own_country_members_only(world: World) -> None:
    nc = world.people["nc_pl"]
    soon = timezone.now() + timedelta(days=5)
    NetworkMembership.objects.filter(network=world.enlets).update(
        expires_at=soon, reminded_at=timezone.now()
    )
    polish = list(
        NetworkMembership.objects.filter(
            network=world.enlets, user__in=[world.people["lea_pl"], world.people["group_leader"]]
        )
    )
    german = NetworkMembership.objects.get(user=world.people["lea_de"], network=world.enlets)
    # including someone from another country: nothing is re-confirmed
    with pytest.raises(PermissionDenied):
        membership_reconfirm(memberships=[*polish, german], actor=nc)
    assert set(
        NetworkMembership.objects.filter(network=world.enlets).values_list("expires_at", flat=True)
    ) == {soon}
    before = timezone.now()
    assert membership_reconfirm(memberships=polish, actor=nc) == 2
    for membership in polish:
        membership.refresh_from_db()
        assert membership.expires_at is not None
        assert membership.expires_at >= before + timedelta(days=world.enlets.membership_days)
        assert membership.confirmed_at is not None and membership.confirmed_at >= before
        assert membership.reminded_at is None
    german.refresh_from_db()
    assert german.expires_at == soon
    assert len(_audited("membership.reconfirmed")) == 1
    # the secretariat re-confirms any country's members; a plain member nobody's
    assert membership_reconfirm(memberships=[german], actor=world.people["secretariat"]) == 1
    with pytest.raises(PermissionDenied):
        membership_reconfirm(memberships=polish, actor=world.people["lea_de"])


# --- housekeeping --------------------------------------------------------------------------------


def test_housekeeping_expires_reminds_and_escalates_once(
    world: World, commit: Commit, mailoutbox: list[Any], events: dict[str, list[dict[str, Any]]]
) -> None:
    now = timezone.now()
    lapsed = NetworkMembership.objects.get(user=world.people["lea_pl"], network=world.enlets)
    GroupMembership.objects.create(user=lapsed.user, group=world.core_group)
    due = NetworkMembership.objects.get(user=world.people["lea_de"], network=world.enlets)
    later = NetworkMembership.objects.get(user=world.people["stakeholder"], network=world.enlets)
    NetworkMembership.objects.filter(pk=lapsed.pk).update(expires_at=now - timedelta(hours=1))
    NetworkMembership.objects.filter(pk=due.pk).update(expires_at=now + timedelta(days=10))
    NetworkMembership.objects.filter(pk=later.pk).update(
        expires_at=now + timedelta(days=REMIND_DAYS + 5)
    )
    application = _apply(_applicant(world), world.enlets)
    JoinApplication.objects.filter(pk=application.pk).update(created_at=now - timedelta(days=11))
    with commit():
        counts = memberships_housekeeping()
    assert counts == {"expired": 1, "reminded": 1, "escalated": 1}
    lapsed.refresh_from_db()
    assert lapsed.status == MembershipStatus.EXPIRED
    assert lapsed.ended_at is not None
    assert not GroupMembership.objects.filter(user=lapsed.user, group=world.core_group).exists()
    assert events["membership_ended"] == [
        {"user_id": lapsed.user_id, "network_id": world.enlets.pk, "status": "expired"}
    ]
    due.refresh_from_db()
    assert due.reminded_at is not None and due.status == MembershipStatus.ACTIVE
    later.refresh_from_db()
    assert later.reminded_at is None
    assert len(_mail_to(lapsed.user.email)) == 1
    assert len(_mail_to(due.user.email)) == 1
    assert len(_mail_to(later.user.email)) == 0
    # the secretariat: the escalated application, and (no German National Contact) the
    # reminder to re-confirm the German member
    subjects = sorted(m.subject for m in _mail_to(world.people["secretariat"].email))
    assert len(subjects) == 2
    assert "waiting for your decision" in subjects[0]
    assert "re-confirm" in subjects[1]
    sent = len(mailoutbox)
    # a second run the same day changes nothing and sends nothing
    with commit():
        assert memberships_housekeeping() == {"expired": 0, "reminded": 0, "escalated": 0}
    assert len(mailoutbox) == sent
    assert len(events["membership_ended"]) == 1
    assert len(_audited("membership.expired")) == 1


def test_the_network_housekeeping_command(world: World, commit: Commit) -> None:
    NetworkMembership.objects.filter(user=world.people["lea_pl"], network=world.enlets).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    application = _apply(_applicant(world), world.enlets)
    JoinApplication.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    out = StringIO()
    with commit():
        call_command("network", "housekeeping", stdout=out)
    assert out.getvalue().strip() == "expired 1, reminded 0, escalated 1"
    out = StringIO()
    call_command("network", "housekeeping", stdout=out)
    assert out.getvalue().strip() == "expired 0, reminded 0, escalated 0"


def test_the_network_command_documents_the_daily_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        call_command("network", "housekeeping", "--help")
    assert "cron" in capsys.readouterr().out


# --- the members page of National Contacts and secretariats ---------------------------------------


def _rows(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-membership="(\d+)"', html)}


def test_the_manage_page_lists_the_members_one_may_manage(world: World) -> None:
    enlets = NetworkMembership.objects.filter(network=world.enlets, status="active")
    polish = set(
        enlets.filter(user__organisation__country_id="PL")
        .exclude(user=world.people["nc_pl"])
        .values_list("pk", flat=True)
    )
    page = _signed_in("nc_pl", world).get("/networks/ENLETS/manage/members/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert _rows(page.content.decode()) == polish
    everyone = set(enlets.exclude(user=world.people["secretariat"]).values_list("pk", flat=True))
    page = _signed_in("secretariat", world).get("/networks/ENLETS/manage/members/")
    assert page.status_code == 200
    assert _rows(page.content.decode()) == everyone
    # the network page links to it for them, and for nobody else
    assert b'id="manage-members"' in _signed_in("nc_pl", world).get("/networks/ENLETS/").content
    assert (
        b'id="manage-members"' not in _signed_in("lea_pl", world).get("/networks/ENLETS/").content
    )


@pytest.mark.parametrize(
    "who", ["lea_pl", "lea_de", "core_de", "group_leader", "operator", "unvetted_mfa"]
)
def test_the_manage_page_is_not_found_for_others(world: World, who: str) -> None:
    client = _signed_in(who, world)
    assert client.get("/networks/ENLETS/manage/members/").status_code == 404
    response = client.post("/networks/ENLETS/manage/members/", {"action": "reconfirm"})
    assert response.status_code == 404


def test_the_manage_page_needs_a_second_factor_and_current_vetting(world: World) -> None:
    _nc(world, world.people["vetted_no_mfa"], "PL")
    client = _sign_in(world.people["vetted_no_mfa"], None)
    assert client.get("/networks/ENLETS/manage/members/").status_code == 404
    nc = _signed_in("nc_pl", world)
    assert nc.get("/networks/AQUAPOL/manage/members/").status_code == 404  # not theirs
    _lapse_vetting(world.people["nc_pl"])
    assert nc.get("/networks/ENLETS/manage/members/").status_code == 404
    anonymous = Client().get("/networks/ENLETS/manage/members/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_reconfirm_and_suspend_on_the_manage_page(
    world: World, commit: Commit, mailoutbox: list[Any]
) -> None:
    soon = timezone.now() + timedelta(days=3)
    NetworkMembership.objects.filter(network=world.enlets).update(expires_at=soon)
    officer = NetworkMembership.objects.get(user=world.people["lea_pl"], network=world.enlets)
    leader = NetworkMembership.objects.get(user=world.people["group_leader"], network=world.enlets)
    german = NetworkMembership.objects.get(user=world.people["lea_de"], network=world.enlets)
    client = _signed_in("nc_pl", world)
    url = "/networks/ENLETS/manage/members/"
    # someone of another country cannot be slipped in: nothing is re-confirmed
    response = client.post(url, {"action": "reconfirm", "members": [officer.pk, german.pk]})
    assert response.status_code == 200
    assert NetworkMembership.objects.get(pk=officer.pk).expires_at == soon
    assert NetworkMembership.objects.get(pk=german.pk).expires_at == soon
    response = client.post(url, {"action": "reconfirm", "members": [officer.pk, leader.pk]})
    assert response.status_code == 302 and response["Location"] == url
    for pk in (officer.pk, leader.pk):
        expires = NetworkMembership.objects.get(pk=pk).expires_at
        assert expires is not None and expires > soon + timedelta(days=300)
    assert NetworkMembership.objects.get(pk=german.pk).expires_at == soon
    assert "Re-confirmed 2 memberships" in client.get(url).content.decode()
    # suspending needs a reason, and only own-country members
    response = client.post(url, {"action": "suspend", "member": officer.pk, "reason": ""})
    assert response.status_code == 200
    assert NetworkMembership.objects.get(pk=officer.pk).status == MembershipStatus.ACTIVE
    response = client.post(
        url, {"action": "suspend", "member": german.pk, "reason": "Not in our country."}
    )
    assert response.status_code == 200
    assert NetworkMembership.objects.get(pk=german.pk).status == MembershipStatus.ACTIVE
    reason = "Retired from the service at the end of May."
    with commit():
        response = client.post(url, {"action": "suspend", "member": officer.pk, "reason": reason})
    assert response.status_code == 302
    assert NetworkMembership.objects.get(pk=officer.pk).status == MembershipStatus.SUSPENDED
    assert [tuple(m.to) for m in mailoutbox] == [(world.people["lea_pl"].email,)]
    assert reason in mailoutbox[0].body
    # the suspended member is no longer listed
    assert officer.pk not in _rows(client.get(url).content.decode())


@pytest.mark.parametrize("ending", ["suspended", "left", "expired"])
def test_a_national_contact_whose_membership_ends_stops_acting_for_the_network(
    world: World, ending: str
) -> None:
    """Roles in a network end with the membership: a suspended, departed or lapsed
    National Contact no longer sees the member list to manage, nor decides."""
    nc, secretariat = world.people["nc_pl"], world.people["secretariat"]
    application = _apply(_applicant(world), world.enlets)
    assert may_decide(user=nc, application=application, mfa=True)
    own = NetworkMembership.objects.get(user=nc, network=world.enlets)
    if ending == "suspended":
        membership_suspend(membership=own, actor=secretariat, reason="Under investigation.")
    elif ending == "left":
        membership_leave(user=nc, network=world.enlets)
    else:
        NetworkMembership.objects.filter(pk=own.pk).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
        memberships_housekeeping()
    assert not RoleAssignment.objects.filter(user=nc).exists()
    revoked = _audited("role.revoked")
    assert {entry.data["role"] for entry in revoked} == {Role.NATIONAL_CONTACT}
    assert revoked[0].data["because"] == f"membership {ending}"
    assert not may_decide(user=nc, application=application, mfa=True)
    assert not applications_to_decide(user=nc).exists()
    client = _signed_in("nc_pl", world)
    assert client.get("/networks/ENLETS/manage/members/").status_code == 404
    assert client.get("/networks/decisions/").status_code == 403


def test_a_suspended_member_cannot_return_by_applying_again(world: World) -> None:
    officer = world.people["lea_pl"]
    membership = NetworkMembership.objects.get(user=officer, network=world.enlets)
    application = None
    membership_suspend(
        membership=membership, actor=world.people["secretariat"], reason="Under investigation."
    )
    with pytest.raises(ValidationError, match="suspended"):
        application = _apply(officer, world.enlets)
    assert application is None
    # nor through an application sent before the suspension
    other = world.people["lea_de"]
    pending = JoinApplication.objects.create(
        user=other,
        network=world.aquapol,
        organisation=world.police_de,
        country_id="DE",
        position="Analyst",
        motivation="I work on cross-border cases.",
    )
    join(other, world.aquapol, status=MembershipStatus.SUSPENDED)
    RoleAssignment.objects.create(user=world.people["secretariat"], role=Role.SECRETARIAT,
                                  network=world.aquapol)  # fmt: skip
    with pytest.raises(ValidationError, match="suspended"):
        application_approve(application=pending, decider=world.people["secretariat"], mfa=True)
