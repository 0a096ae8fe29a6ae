from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.monitoring.models import FollowKind
from lenhub.monitoring.topics import MAX_TOPIC


class FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=FollowKind.choices, widget=forms.HiddenInput)
    project = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    group = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    topic = forms.CharField(
        label=_("Topic"),
        required=False,
        max_length=MAX_TOPIC,
        help_text=_("A CORDIS topic code (such as SU-FCT02-2018) or a few words."),
    )
    next = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)


class PreferencesForm(forms.Form):
    email_updates = forms.BooleanField(
        label=_("Email me when something I follow changes"), required=False
    )
