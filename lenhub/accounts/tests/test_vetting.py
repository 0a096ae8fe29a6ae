"""Vetting (DESIGN §1): who may vet whom, on what basis, how it is recorded and audited,
when it lapses, and the /vetting/ page over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from lenhub.accounts.models import (
    OrganisationKind,
    User,
    Vetting,
    VettingBasis,
    vetting_valid_days,
)
from lenhub.accounts.selectors import vetting_current, vetting_queue
from lenhub.accounts.services import (
    organisation_change_kind,
    user_change_organisation,
    user_is_vetted,
    vetting_grant,
)
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in, make_user, vet_directly

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.2 s per account; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _applicant(world: World, email: str, org: Any = None, **extra: Any) -> User:
    return make_user(email, organisation=org or world.police_pl, **extra)


# --- who may vet --------------------------------------------------------------------------


def test_nobody_vets_themselves(world: World) -> None:
    secretariat = world.people["secretariat"]
    with pytest.raises(PermissionDenied):
        vetting_grant(subject=secretariat, vetter=secretariat)
    nc = world.people["nc_pl"]
    with pytest.raises(PermissionDenied):
        vetting_grant(subject=nc, vetter=nc)
    assert not Vetting.objects.filter(vetted_by__in=[secretariat, nc]).exists()


def test_database_refuses_a_self_vetting(world: World) -> None:
    """The check constraint holds even when the service is bypassed."""
    person = world.people["unvetted_mfa"]
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vetting.objects.create(
            user=person,
            organisation=world.police_pl,
            organisation_kind=world.police_pl.kind,
            basis=VettingBasis.DOMAIN_MATCH,
            vetted_by=person,
            vetted_at=now,
            expires_at=now + timedelta(days=30),
        )
    assert not Vetting.objects.filter(user=person).exists()


def test_national_contact_vets_only_people_of_their_country(world: World) -> None:
    nc = world.people["nc_pl"]
    german = _applicant(world, "applicant@bundespolizei.de.test", world.police_de)
    with pytest.raises(PermissionDenied):
        vetting_grant(subject=german, vetter=nc)
    assert vetting_current(user=german) is None
    polish = _applicant(world, "applicant@policja.pl.test")
    vetting = vetting_grant(subject=polish, vetter=nc)
    assert vetting.vetted_by == nc
    assert user_is_vetted(user=polish)


def test_secretariat_vets_across_countries(world: World) -> None:
    german = _applicant(world, "applicant@bundespolizei.de.test", world.police_de)
    vetting_grant(subject=german, vetter=world.people["secretariat"])
    current = vetting_current(user=german)
    assert current is not None and current.vetted_by == world.people["secretariat"]


def test_people_without_a_vetting_role_cannot_vet(world: World) -> None:
    """Neither LEA status, nor group roles, nor platform roles give the right to vet."""
    applicant = _applicant(world, "applicant@policja.pl.test")
    for key in ("lea_pl", "core_de", "group_leader", "operator", "auditor", "stakeholder"):
        with pytest.raises(PermissionDenied):
            vetting_grant(subject=applicant, vetter=world.people[key])
    assert not user_is_vetted(user=applicant)


def test_national_contact_whose_own_vetting_lapsed_cannot_vet(world: World) -> None:
    nc = world.people["nc_pl"]
    Vetting.objects.filter(user=nc).update(expires_at=timezone.now() - timedelta(days=1))
    applicant = _applicant(world, "applicant@policja.pl.test")
    with pytest.raises(PermissionDenied):
        vetting_grant(subject=applicant, vetter=nc)


def test_unverified_email_cannot_be_vetted(world: World) -> None:
    applicant = _applicant(world, "applicant@policja.pl.test")
    EmailAddress.objects.filter(user=applicant).update(verified=False)
    with pytest.raises(ValidationError):
        vetting_grant(subject=applicant, vetter=world.people["nc_pl"])
    assert not Vetting.objects.filter(user=applicant).exists()


# --- basis, record, audit -----------------------------------------------------------------


def test_domain_match_gives_basis_domain_match(world: World) -> None:
    """Also for a sub-domain of a registered domain."""
    for email in ("a@policja.pl.test", "b@kgp.policja.pl.test"):
        vetting = vetting_grant(
            subject=_applicant(world, email), vetter=world.people["nc_pl"], reason=""
        )
        assert vetting.basis == VettingBasis.DOMAIN_MATCH, email
        assert vetting.reason == ""


def test_mismatching_domain_needs_a_reason(world: World) -> None:
    """An address on another domain (here: another organisation's) needs an override
    reason of at least ten characters."""
    applicant = _applicant(world, "private.person@mail.example")
    other_org = _applicant(world, "moved@bundespolizei.de.test")  # domain of Bundespolizei
    nc = world.people["nc_pl"]
    for subject in (applicant, other_org):
        for reason in ("", "   ", "too short", "  123456789  "):
            with pytest.raises(ValidationError):
                vetting_grant(subject=subject, vetter=nc, reason=reason)
        assert not Vetting.objects.filter(user=subject).exists()
    reason = "Known in person from the 2024 ENLETS workshop"
    vetting = vetting_grant(subject=applicant, vetter=nc, reason=f"  {reason} ")
    assert vetting.basis == VettingBasis.OVERRIDE
    vetting.refresh_from_db()
    assert vetting.reason == reason
    assert vetting_current(user=applicant) == vetting


def test_vetting_records_who_when_basis_and_is_audited_without_emails(world: World) -> None:
    nc = world.people["nc_pl"]
    applicant = _applicant(world, "applicant@policja.pl.test")
    before = timezone.now()
    vetting = vetting_grant(subject=applicant, vetter=nc)
    after = timezone.now()
    vetting.refresh_from_db()
    assert vetting.user == applicant and vetting.vetted_by == nc
    assert before <= vetting.vetted_at <= after
    assert vetting.basis == VettingBasis.DOMAIN_MATCH
    assert vetting.organisation == world.police_pl
    assert vetting.organisation_kind == OrganisationKind.POLICE
    assert vetting.expires_at - vetting.vetted_at == timedelta(days=vetting_valid_days())

    entry = AuditEntry.objects.filter(action="vetting.granted").get()
    assert entry.actor == nc.audit_pid
    assert entry.target == f"person:{applicant.audit_pid}"
    assert entry.data["basis"] == VettingBasis.DOMAIN_MATCH
    assert entry.data["lea"] is True
    flat = json.dumps([entry.actor, entry.target, entry.data])
    for email in (nc.email, applicant.email, "@"):
        assert email not in flat


def test_override_reason_is_audited_as_override(world: World) -> None:
    applicant = _applicant(world, "someone@mail.example")
    vetting_grant(
        subject=applicant,
        vetter=world.people["secretariat"],
        reason="Seconded officer, checked by phone",
    )
    entry = AuditEntry.objects.filter(action="vetting.granted").get()
    assert entry.data["basis"] == VettingBasis.OVERRIDE
    assert entry.actor == world.people["secretariat"].audit_pid


def test_validity_follows_the_setting(world: World, settings: Any) -> None:
    settings.VETTING_VALID_DAYS = 30
    assert vetting_valid_days() == 30
    vetting = vetting_grant(
        subject=_applicant(world, "applicant@policja.pl.test"), vetter=world.people["nc_pl"]
    )
    assert vetting.expires_at - vetting.vetted_at == timedelta(days=30)


def test_revetting_supersedes_the_previous_vetting(world: World) -> None:
    officer = world.people["lea_pl"]
    old = Vetting.objects.get(user=officer)
    new = vetting_grant(subject=officer, vetter=world.people["nc_pl"])
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_reason == "superseded"
    assert vetting_current(user=officer) == new
    assert Vetting.objects.filter(user=officer, revoked_at__isnull=True).count() == 1


# --- lapse and reset ----------------------------------------------------------------------


def test_vetting_expires_after_a_year(world: World) -> None:
    assert vetting_valid_days() == 365
    fresh = _applicant(world, "fresh@policja.pl.test")
    vet_directly(fresh, days_ago=364)
    assert vetting_current(user=fresh) is not None
    stale = _applicant(world, "stale@policja.pl.test")
    vet_directly(stale, days_ago=366)
    assert vetting_current(user=stale) is None
    assert not user_is_vetted(user=stale)
    assert vetting_current(user=world.people["expired"]) is None
    # a lapsed person is back in the queue
    queue = vetting_queue(vetter=world.people["nc_pl"])
    assert queue.filter(pk=stale.pk).exists()
    assert not queue.filter(pk=fresh.pk).exists()


def test_change_of_organisation_resets_vetting(world: World) -> None:
    officer = world.people["lea_pl"]
    assert vetting_current(user=officer) is not None
    user_change_organisation(user=officer, organisation=world.police_de, actor=officer)
    officer.refresh_from_db()
    assert officer.organisation == world.police_de
    assert vetting_current(user=officer) is None
    old = Vetting.objects.get(user=officer)
    assert old.revoked_at is not None and old.revoked_reason == "organisation changed"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"vetting.revoked", "person.organisation_changed"} <= actions
    # moving back does not restore the old vetting
    user_change_organisation(user=officer, organisation=world.police_pl, actor=officer)
    officer.refresh_from_db()
    assert vetting_current(user=officer) is None


def test_change_of_organisation_on_the_profile_page_resets_vetting(world: World) -> None:
    officer = world.people["lea_pl"]
    client = Client()
    client.force_login(officer)
    response = client.post(
        "/profile/",
        {"display_name": "Officer", "organisation": world.police_de.pk, "languages": "pl"},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.organisation == world.police_de
    assert vetting_current(user=officer) is None


def test_change_of_organisation_kind_resets_vetting(world: World) -> None:
    people = [world.people[k] for k in ("lea_pl", "nc_pl", "group_leader")]
    other = world.people["lea_de"]
    organisation_change_kind(
        organisation=world.police_pl, kind=OrganisationKind.ACADEMIA, actor=None
    )
    for person in people:
        person.refresh_from_db()
        assert vetting_current(user=person) is None, person.email
    assert vetting_current(user=other) is not None
    assert AuditEntry.objects.filter(action="organisation.kind_changed").exists()


def test_kind_changed_outside_the_service_still_ends_vetting_and_requeues(
    world: World,
) -> None:
    """The technical admin edits an organisation's kind directly. The vetting no longer
    counts, and the people are offered for vetting again."""
    officer = world.people["lea_pl"]
    type(world.police_pl).objects.filter(pk=world.police_pl.pk).update(
        kind=OrganisationKind.RESEARCH
    )
    officer.refresh_from_db()
    assert vetting_current(user=officer) is None
    secretariat = world.people["secretariat"]
    assert vetting_queue(vetter=secretariat).filter(pk=officer.pk).exists()
    vetting = vetting_grant(subject=officer, vetter=secretariat)
    assert vetting.organisation_kind == OrganisationKind.RESEARCH
    assert vetting_current(user=officer) == vetting


# --- the /vetting/ page -------------------------------------------------------------------


def _signed_in(world: World, key: str) -> Client:
    client = Client()
    client_sign_in(client, world.people[key].email, world.secrets[key])
    return client


def test_vetting_page_lists_only_the_national_contacts_country(world: World) -> None:
    german = _applicant(world, "applicant@bundespolizei.de.test", world.police_de)
    client = _signed_in(world, "nc_pl")
    response = client.get("/vetting/")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.people["unvetted_mfa"].email in html  # PL, not vetted
    assert world.people["expired"].email in html  # PL, vetting lapsed
    assert german.email not in html
    assert world.people["registered"].email not in html  # FR
    assert world.people["lea_pl"].email not in html  # already vetted
    assert world.people["nc_pl"].email not in html  # never oneself


def test_national_contact_approves_on_the_page(world: World) -> None:
    applicant = world.people["unvetted_mfa"]
    client = _signed_in(world, "nc_pl")
    response = client.post(f"/vetting/{applicant.pk}/", {"reason": ""})
    assert response.status_code == 302
    assert response["Location"] == "/vetting/"
    current = vetting_current(user=applicant)
    assert current is not None
    assert current.vetted_by == world.people["nc_pl"]
    assert current.basis == VettingBasis.DOMAIN_MATCH
    page = client.get("/vetting/").content.decode()
    assert "Vetting recorded" in page
    assert applicant.email not in page


def test_override_on_the_page_needs_a_reason(world: World) -> None:
    applicant = _applicant(world, "someone@mail.example")
    client = _signed_in(world, "nc_pl")
    response = client.post(f"/vetting/{applicant.pk}/", {"reason": "short"}, follow=True)
    assert response.status_code == 200
    assert "give a reason for the override" in response.content.decode()
    assert vetting_current(user=applicant) is None
    client.post(f"/vetting/{applicant.pk}/", {"reason": "Verified by a call to the unit"})
    current = vetting_current(user=applicant)
    assert current is not None and current.basis == VettingBasis.OVERRIDE


def test_national_contact_cannot_vet_another_country_by_posting(world: World) -> None:
    german = _applicant(world, "applicant@bundespolizei.de.test", world.police_de)
    client = _signed_in(world, "nc_pl")
    response = client.post(f"/vetting/{german.pk}/", {"reason": "I know this person well"})
    assert response.status_code == 404
    assert not Vetting.objects.filter(user=german).exists()


def test_vetting_page_refuses_people_without_the_role(world: World) -> None:
    client = _signed_in(world, "lea_pl")
    assert client.get("/vetting/").status_code in (403, 404)
    applicant = world.people["unvetted_mfa"]
    assert client.post(f"/vetting/{applicant.pk}/", {}).status_code in (403, 404)
    assert vetting_current(user=applicant) is None


def test_vetting_page_needs_a_second_factor_in_the_session(world: World) -> None:
    """A National Contact signed in without MFA (force_login skips it) may not vet."""
    client = Client()
    client.force_login(world.people["nc_pl"])
    assert client.get("/vetting/").status_code in (403, 404)
    applicant = world.people["unvetted_mfa"]
    assert client.post(f"/vetting/{applicant.pk}/", {}).status_code in (403, 404)
    assert vetting_current(user=applicant) is None


def test_vetting_page_needs_sign_in(world: World) -> None:
    response = Client().get("/vetting/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_change_of_kind_goes_through_the_service(world: World) -> None:
    """The technical admin may correct an organisation's kind; doing so is audited and
    revokes its people's vetting, as the service does."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    from lenhub.accounts.admin import OrganisationAdmin
    from lenhub.accounts.models import Organisation, OrganisationKind, Vetting
    from lenhub.audit.models import AuditEntry

    model_admin = OrganisationAdmin(Organisation, django_admin.site)
    request = RequestFactory().post("/admin/")
    request.user = world.people["operator"]
    org = world.police_pl
    form_class = model_admin.get_form(request, org, change=True)
    form = form_class(
        data={"name": org.name, "kind": OrganisationKind.INDUSTRY, "country": org.country_id},
        instance=org,
    )
    assert form.is_valid(), form.errors
    before = Vetting.objects.filter(organisation=org, revoked_at__isnull=True).count()

    model_admin.save_model(request, form.save(commit=False), form, change=True)

    org.refresh_from_db()
    assert org.kind == OrganisationKind.INDUSTRY
    assert before > 0
    assert not Vetting.objects.filter(organisation=org, revoked_at__isnull=True).exists()
    assert AuditEntry.objects.filter(
        action="organisation.kind_changed", target=f"organisation:{org.pk}"
    ).exists()
