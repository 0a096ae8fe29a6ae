"""Forms for prioritisation rounds: a new round, and the readers' criteria weights."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.access.choices import AUTHOR_LABELS, audience_options
from lenhub.access.policy import Viewer
from lenhub.accounts.models import Country
from lenhub.needs.models import ElectorateRole, Method, Need
from lenhub.networks.models import Group, Network

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DATETIME)
    needs = forms.TypedMultipleChoiceField(
        label=_("Needs in the round"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    electorate_role = forms.ChoiceField(
        label=_("Who may vote"), choices=ElectorateRole.choices, initial=ElectorateRole.MEMBERS
    )
    groups = forms.TypedMultipleChoiceField(
        label=_("Only members of these groups"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    countries = forms.MultipleChoiceField(
        label=_("Only people from these countries"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    equal_country_weight = forms.BooleanField(
        label=_("Weigh countries equally"),
        required=False,
        help_text=_("Each country's voters together carry the same weight."),
    )
    points_budget = forms.IntegerField(
        label=_("Points per voter"), min_value=1, max_value=1000, initial=100
    )
    weight_impact = forms.FloatField(label=_("Weight of impact"), min_value=0, initial=0.4)
    weight_urgency = forms.FloatField(label=_("Weight of urgency"), min_value=0, initial=0.3)
    weight_feasibility = forms.FloatField(
        label=_("Weight of feasibility"), min_value=0, initial=0.2
    )
    weight_breadth = forms.FloatField(
        label=_("Weight of breadth across countries"), min_value=0, initial=0.1
    )
    audience = forms.ChoiceField(
        label=_("Who may see the round and its results"),
        help_text=_("The network or narrower. Each reader sees only the needs they may see."),
    )
    tlp = forms.ChoiceField(label=_("TLP label"))

    def __init__(
        self,
        *args: Any,
        viewer: Viewer,
        actor: Any,
        network: Network,
        needs: list[Need],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["needs"].choices = [(n.pk, n.title) for n in needs]
        fields["groups"].choices = [
            (g.pk, g.name) for g in Group.objects.filter(network=network).order_by("name")
        ]
        fields["countries"].choices = list(
            Country.objects.order_by("name").values_list("code", "name")
        )
        key = f"network:{network.pk}"
        group_keys = {
            f"group:{pk}"
            for pk in Group.objects.filter(network=network).values_list("pk", flat=True)
        }
        fields["audience"].choices = [
            (option.value, option.label)
            for option in audience_options(viewer=viewer, actor=actor)
            if key in option.atoms or option.atoms & group_keys
        ]
        fields["tlp"].choices = [(label, f"TLP:{label}") for label in AUTHOR_LABELS]
        fields["tlp"].initial = "GREEN"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(f"weight_{name}") or 0 for name in CRITERIA_NAMES]
        if not sum(weights) > 0:
            self.add_error(None, _("At least one criterion weight must be positive."))
        return data


CRITERIA_NAMES = ("impact", "urgency", "feasibility", "breadth")


class WeightsForm(forms.Form):
    """A reader's own criteria weights (GET parameters)."""

    impact = forms.FloatField(label=_("Impact"), min_value=0, max_value=100, required=False)
    urgency = forms.FloatField(label=_("Urgency"), min_value=0, max_value=100, required=False)
    feasibility = forms.FloatField(
        label=_("Feasibility"), min_value=0, max_value=100, required=False
    )
    breadth = forms.FloatField(
        label=_("Breadth across countries"), min_value=0, max_value=100, required=False
    )

    def weights(self, defaults: dict[str, float]) -> dict[str, float]:
        """The reader's weights where valid, the round's elsewhere; the round's when
        they add up to nothing."""
        chosen = dict(defaults)
        if self.is_valid():
            for name in CRITERIA_NAMES:
                value = self.cleaned_data.get(name)
                if value is not None:
                    chosen[name] = value
        return chosen if sum(chosen.values()) > 0 else dict(defaults)
