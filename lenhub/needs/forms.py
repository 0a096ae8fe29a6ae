"""Forms of the needs pages: they validate at the edge; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.access.models import TLP
from lenhub.access.policy import AudienceError, validate_audience_for_label
from lenhub.needs.models import CrimeArea, NeedKind, NeedStatus, Urgency
from lenhub.needs.selectors import need_audience_options
from lenhub.needs.services import NEED_LABELS


def _countries() -> Any:
    from lenhub.accounts.models import Country

    return Country.objects.order_by("name")


class NeedForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=NeedKind.choices)
    problem = forms.CharField(
        label=_("The problem"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What do you face in operations that you cannot solve well today?"),
    )
    current_practice = forms.CharField(
        label=_("How it is done today"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    capability_wanted = forms.CharField(
        label=_("The capability wanted"), widget=forms.Textarea(attrs={"rows": 3})
    )
    operational_context = forms.CharField(
        label=_("Operational context"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    crime_area = forms.ChoiceField(label=_("Crime area"), choices=CrimeArea.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    countries: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Countries affected"),
        queryset=None,  # set in __init__: never evaluated at import time
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    audience = forms.ChoiceField(
        label=_("Who may read it"),
        help_text=_("The network's members, or fewer. A draft is visible only to you."),
    )
    tlp = forms.ChoiceField(
        label=_("TLP label"),
        choices=[(label, TLP(label).label) for label in NEED_LABELS],
        initial=TLP.GREEN,
        help_text=_(
            "TLP:CLEAR may be public; TLP:GREEN stays in the community; TLP:AMBER and "
            "TLP:AMBER+STRICT stay in the network or group; TLP:RED is for you and the "
            "people you name."
        ),
    )

    def __init__(self, *args: Any, viewer: Any, actor: Any, network: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["countries"].queryset = _countries()  # type: ignore[attr-defined]
        options = need_audience_options(viewer=viewer, actor=actor, network=network)
        self.fields["audience"].choices = [(o.value, o.label) for o in options]  # type: ignore[attr-defined]
        if "audience" not in self.initial:
            self.initial["audience"] = f"network:{network.pk}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") and data.get("tlp"):
            try:
                validate_audience_for_label(data["audience"].split(), data["tlp"])
            except AudienceError as error:
                self.add_error("tlp", str(error))
        return data

    def fields_for_service(self) -> dict[str, Any]:
        skip = ("countries", "audience", "tlp")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class NeedFilter(forms.Form):
    network = forms.TypedChoiceField(label=_("Network"), required=False, coerce=int)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *NeedStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", "—"), *NeedKind.choices]
    )
    crime_area = forms.ChoiceField(
        label=_("Crime area"), required=False, choices=[("", "—"), *CrimeArea.choices]
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", "—"), *Urgency.choices]
    )
    country = forms.ChoiceField(label=_("Country affected"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, networks: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [("", "—"), *networks]  # type: ignore[attr-defined]
        self.fields["country"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *_countries().values_list("code", "name"),
        ]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it rejected?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: the reporter and supporters read it."),
    )


class MergeForm(forms.Form):
    target = forms.TypedChoiceField(label=_("Merge into"), coerce=int)

    def __init__(self, *args: Any, targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
