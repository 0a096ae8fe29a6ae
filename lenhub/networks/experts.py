"""The expert finder (DESIGN §1): opt-in, for vetted LEA members only, pseudonyms kept.

Who is listed: active accounts that chose to be listed, whose vetting is in force for
their current organisation and its current kind, and whose organisation is LEA. What is
shown is what each person chose to show. Which networks a person belongs to is shown,
and may be searched, only for the networks the reader is a member of too: a network's
member list is for its members (``network:<id>``), and the finder must not widen it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from lenhub.access.policy import Viewer, member_network_ids
from lenhub.accounts.models import LEA_KINDS, Country, User, Vetting
from lenhub.networks.models import MembershipStatus, Network, NetworkMembership

_LANGUAGE = re.compile(r"^[a-z]{2}$")
MAX_WORDS = 8


def listed_experts() -> QuerySet[User]:
    """Everyone the finder may list, before the reader's filters."""
    current_vetting = Vetting.objects.filter(
        user_id=OuterRef("pk"),
        organisation_id=OuterRef("organisation_id"),
        organisation_kind=OuterRef("organisation__kind"),
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return User.objects.filter(
        is_active=True,
        show_in_expert_finder=True,
        organisation__kind__in=LEA_KINDS,
    ).filter(Exists(current_vetting))


def _current_memberships(network_ids: set[int]) -> QuerySet[NetworkMembership]:
    now = timezone.now()
    return (
        NetworkMembership.objects.filter(status=MembershipStatus.ACTIVE, network_id__in=network_ids)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("network")
        .order_by("network__acronym")
    )


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def split_languages(value: str) -> list[str]:
    codes = []
    for part in value.split(","):
        code = part.strip().lower()
        if _LANGUAGE.match(code) and code not in codes:
            codes.append(code)
    return codes


class ExpertFilter(forms.Form):
    q = forms.CharField(label=_("Expertise"), required=False, max_length=100)
    country = forms.ModelChoiceField(
        label=_("Country"),
        required=False,
        queryset=Country.objects.order_by("name"),
        empty_label=_("Any country"),
    )
    network = forms.ModelChoiceField(
        label=_("Network"),
        required=False,
        queryset=Network.objects.none(),
        empty_label=_("Any of your networks"),
        help_text=_("Networks you are a member of."),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: object, viewer: Viewer, languages: list[str], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        network_field = self.fields["network"]
        assert isinstance(network_field, forms.ModelChoiceField)
        mine = member_network_ids(viewer)
        network_field.queryset = Network.objects.filter(pk__in=mine).order_by("acronym")
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = [
            ("", _("Any language")),
            *sorted(((c, language_name(c)) for c in languages), key=lambda item: item[1]),
        ]


@dataclass
class Expert:
    """What the reader sees of one person: only what that person chose to show."""

    display_name: str
    is_pseudonym: bool
    organisation: str
    country: str
    position: str
    expertise: str
    languages: list[str]
    networks: list[Network]


def _expert(user: User) -> Expert:
    organisation = user.organisation
    assert organisation is not None
    return Expert(
        display_name=user.display_name,
        is_pseudonym=user.display_name_is_pseudonym,
        organisation=organisation.name if user.show_organisation else "",
        country=str(organisation.country) if organisation.country else "",
        position=user.position if user.show_position else "",
        expertise=user.expertise,
        languages=[language_name(code) for code in split_languages(user.languages)],
        networks=[m.network for m in getattr(user, "finder_memberships", [])],
    )


def languages_listed() -> list[str]:
    """Language codes of the people listed (the finder's own facet)."""
    codes: set[str] = set()
    for value in listed_experts().values_list("languages", flat=True):
        codes.update(split_languages(value))
    return sorted(codes)


def find_experts(*, viewer: Viewer, form: ExpertFilter) -> QuerySet[User]:
    """The people listed for this reader and these filters, with what the page needs
    loaded in a fixed number of queries."""
    network_ids = member_network_ids(viewer)
    people = listed_experts()
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the fields that are valid; an invalid one is ignored
        for word in (data.get("q") or "").split()[:MAX_WORDS]:
            people = people.filter(expertise__icontains=word)
        if data.get("country"):
            people = people.filter(organisation__country=data["country"])
        if data.get("network"):
            people = people.filter(
                pk__in=_current_memberships(network_ids & {data["network"].pk}).values("user_id")
            )
        if data.get("language"):
            code = re.escape(data["language"])
            people = people.filter(languages__iregex=rf"(^|,)\s*{code}\s*(,|$)")
    return (
        people.select_related("organisation", "organisation__country")
        .prefetch_related(
            Prefetch(
                "network_memberships",
                queryset=_current_memberships(network_ids),
                to_attr="finder_memberships",
            )
        )
        .order_by("display_name", "pk")
    )


def as_experts(people: Iterable[User]) -> list[Expert]:
    return [_expert(user) for user in people]
