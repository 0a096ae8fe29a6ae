from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from lenhub.accounts.models import Organisation, User


class SignupForm(forms.Form):
    """Extra fields for allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("Shown to other members. You may use a pseudonym."),
    )

    def signup(self, request: Any, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.select_related("country"),
        required=False,
        label=_("Organisation"),
        help_text=_("Changing your organisation ends your vetting until you are vetted again."),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "display_name_is_pseudonym",
            "organisation",
            "position",
            "expertise",
            "languages",
            "show_in_expert_finder",
            "show_organisation",
            "show_position",
        ]
        widgets = {"expertise": forms.Textarea(attrs={"rows": 3})}


class VettingForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for an override"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the address does not match a domain of the organisation."),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. 'reporting script'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, initial=90, help_text=_("At most one year.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        from lenhub.accounts.tokens import SCOPES

        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [  # type: ignore[attr-defined]
            (name, f"{name}: {text}") for name, text in sorted(SCOPES.items())
        ]
        self.fields["days"].max_value = settings.TOKEN_MAX_DAYS  # type: ignore[attr-defined]
        self.fields["days"].validators.append(MaxValueValidator(settings.TOKEN_MAX_DAYS))
