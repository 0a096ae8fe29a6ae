from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.accounts.models import Country
from lenhub.networks.models import BodyKind, FocusArea


class DirectoryFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *BodyKind.choices]
    )
    country = forms.ModelChoiceField(
        label=_("Country"),
        required=False,
        queryset=Country.objects.order_by("name"),
        empty_label=_("Any country"),
    )
    focus = forms.ModelChoiceField(
        label=_("Focus"),
        required=False,
        queryset=FocusArea.objects.order_by("name"),
        empty_label=_("Any focus"),
    )


class ApplicationForm(forms.Form):
    position = forms.CharField(label=_("Your position"), max_length=120)
    motivation = forms.CharField(
        label=_("Why you want to join"),
        widget=forms.Textarea(attrs={"rows": 5}),
        min_length=10,
        max_length=4000,
        help_text=_("Your National Contact reads this when deciding."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required to reject (the applicant sees it), and to approve someone whose "
            "email address does not match their organisation."
        ),
    )
