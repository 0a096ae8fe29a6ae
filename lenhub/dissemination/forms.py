"""Forms for guidance: publishing, relaying and the list filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.access.choices import AUTHOR_LABELS, audience_options
from lenhub.access.models import TLP
from lenhub.access.policy import AudienceError, Viewer, validate_audience_for_label
from lenhub.dissemination.models import GuidanceKind
from lenhub.dissemination.selectors import audience_keys_allow_network

ANY = [("", _("Any"))]


class GuidanceFilter(forms.Form):
    network = forms.TypedChoiceField(
        label=_("Network"), required=False, coerce=int, empty_value=None, choices=ANY
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + GuidanceKind.choices)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, networks: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = ANY + networks  # type: ignore[attr-defined]


class GuidanceForm(forms.Form):
    network = forms.TypedChoiceField(label=_("Network"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=GuidanceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=200,
        required=False,
        help_text=_("The issuing body's reference, e.g. a document number."),
    )
    source_url = forms.URLField(
        label=_("Source"), max_length=200, required=False, assume_scheme="https"
    )
    requires_acknowledgement = forms.BooleanField(
        label=_("Readers confirm they have read and understood it"),
        required=False,
        initial=True,
    )
    audience = forms.ChoiceField(
        label=_("Who may read it"),
        help_text=_("The network's members, or fewer; the public only if you may widen."),
    )
    tlp = forms.ChoiceField(
        label=_("TLP label"),
        choices=[(label, TLP(label).label) for label in AUTHOR_LABELS],
        initial=TLP.GREEN,
        help_text=_(
            "TLP:CLEAR and TLP:GREEN guidance is emailed in full; for TLP:AMBER and "
            "TLP:AMBER+STRICT the email says only that there is new guidance."
        ),
    )

    def __init__(
        self, *args: Any, viewer: Viewer, actor: Any, networks: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = networks  # type: ignore[attr-defined]
        network_ids = [pk for pk, _name in networks]
        options = [
            option
            for option in audience_options(viewer=viewer, actor=actor)
            if any(audience_keys_allow_network(atoms=option.atoms, network_id=pk)
                   for pk in network_ids)
        ]  # fmt: skip
        self.fields["audience"].choices = [(o.value, o.label) for o in options]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        audience, network = data.get("audience"), data.get("network")
        if (
            audience
            and network
            and not audience_keys_allow_network(
                atoms=frozenset(audience.split()), network_id=network
            )
        ):
            self.add_error("audience", _("Choose this network's members, or fewer."))
        if audience and data.get("tlp"):
            try:
                validate_audience_for_label(audience.split(), data["tlp"])
            except AudienceError as error:
                self.add_error("tlp", str(error))
        return data


class RelayForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))
    note = forms.CharField(
        label=_("Note to your country's members"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = countries  # type: ignore[attr-defined]
