"""Forms of the secretariat tools."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.accounts.models import Country, Organisation
from lenhub.networks.models import CLOSED_GROUP_KINDS, Group, Network, OrganisationStatus


class GroupForm(forms.ModelForm[Group]):
    """A structure of the network: hub, working group, TIG, core group, secretariat."""

    class Meta:
        model = Group
        fields = ["name", "kind", "area", "leader_note", "is_default"]

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        same = Group.objects.filter(network=self.network, name__iexact=name)
        if self.instance.pk is not None:
            same = same.exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(_("This network already has a group of this name."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_default") and data.get("kind") in CLOSED_GROUP_KINDS:
            self.add_error(
                "is_default",
                _("Nobody joins a core group or a secretariat by default: add its members "
                  "one by one."),
            )  # fmt: skip
        return data


class NationalContactForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the person"),
        help_text=_("They need an account on lenhub; to vet others they need their own vetting."),
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), empty_label=None
    )
    is_deputy = forms.BooleanField(label=_("Deputy"), required=False)


class OrganisationChoiceField(forms.ModelChoiceField[Organisation]):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.country_id or '—'})"


class OrganisationMembershipForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("New organisations come in through the CSV import or the admin."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=OrganisationStatus.choices)
    since = forms.DateField(
        label=_("Member since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, OrganisationChoiceField)
        field.queryset = Organisation.objects.exclude(
            network_memberships__network=network
        ).order_by("country__name", "name")


class OrganisationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=OrganisationStatus.choices)
