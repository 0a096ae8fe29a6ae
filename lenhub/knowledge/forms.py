"""Forms for the knowledge factory: list filters, contributions and uptake."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lenhub.access.choices import AUTHOR_LABELS, audience_options
from lenhub.access.models import TLP
from lenhub.access.policy import AudienceError, Viewer, validate_audience_for_label
from lenhub.knowledge.models import (
    Availability,
    Maturity,
    ResultKind,
    Seeking,
    UptakeStage,
)

ANY = [("", _("Any"))]

# --- list filters -----------------------------------------------------------------------


class ResultFilter(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + ResultKind.choices)
    trl = forms.TypedChoiceField(
        label=_("Technology readiness level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=ANY + [(n, str(n)) for n in range(1, 10)],
    )
    availability = forms.ChoiceField(
        label=_("Availability"), required=False, choices=ANY + Availability.choices
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


class ConceptFilter(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    seeking = forms.ChoiceField(
        label=_("Looking for"), required=False, choices=ANY + Seeking.choices
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


class BestPracticeFilter(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    topic = forms.CharField(label=_("Topic"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False, choices=ANY)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = ANY + countries  # type: ignore[attr-defined]


class TechWatchFilter(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    maturity = forms.ChoiceField(
        label=_("Maturity"), required=False, choices=ANY + Maturity.choices
    )
    group = forms.TypedChoiceField(
        label=_("Relevant to"), required=False, coerce=int, empty_value=None, choices=ANY
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = ANY + groups  # type: ignore[attr-defined]


# --- contributions ----------------------------------------------------------------------


class AudienceForm(forms.Form):
    """Audience and label, among those this author may address (``audience_options``)."""

    audience = forms.ChoiceField(
        label=_("Who may read it"),
        help_text=_("Only the audiences you belong to are offered."),
    )
    tlp = forms.ChoiceField(
        label=_("TLP label"),
        choices=[(label, TLP(label).label) for label in AUTHOR_LABELS],
        initial=TLP.GREEN,
        help_text=_(
            "TLP:CLEAR may be public; TLP:GREEN stays in the community; TLP:AMBER and "
            "TLP:AMBER+STRICT need a network or a group as audience."
        ),
    )

    def __init__(self, *args: Any, viewer: Viewer, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = audience_options(viewer=viewer, actor=actor)
        self.fields["audience"].choices = [(o.value, o.label) for o in options]  # type: ignore[attr-defined]
        if "audience" not in self.initial and options:
            members = [o.value for o in options if o.value == "members"]
            self.initial["audience"] = members[0] if members else options[0].value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") and data.get("tlp"):
            try:
                validate_audience_for_label(data["audience"].split(), data["tlp"])
            except AudienceError as error:
                self.add_error("tlp", str(error))
        return data

    def audience_atoms(self) -> list[str]:
        return str(self.cleaned_data["audience"]).split()


class ResultForm(AudienceForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResultKind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    trl = forms.IntegerField(
        label=_("Technology readiness level"),
        required=False,
        min_value=1,
        max_value=9,
        help_text=_("From 1 (basic principles observed) to 9 (proven in operational use)."),
    )
    availability = forms.ChoiceField(
        label=_("Availability"), choices=[("", "—"), *Availability.choices], required=False
    )
    licence = forms.CharField(label=_("Licence"), max_length=120, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    url = forms.URLField(label=_("Link"), max_length=300, required=False, assume_scheme="https")
    published_on = forms.DateField(
        label=_("Published"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    field_order = [
        "title", "kind", "description", "trl", "availability", "licence", "contact", "url",
        "published_on", "audience", "tlp",
    ]  # fmt: skip


class ConceptForm(AudienceForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    idea = forms.CharField(label=_("The idea"), widget=forms.Textarea)
    seeking = forms.ChoiceField(label=_("Looking for"), choices=Seeking.choices)
    needs_addressed = forms.CharField(
        label=_("Needs it addresses"), widget=forms.Textarea, required=False
    )
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)

    field_order = ["title", "idea", "seeking", "needs_addressed", "contact", "audience", "tlp"]


class BestPracticeForm(AudienceForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    country_code = forms.ChoiceField(label=_("Country"), required=False)
    what_was_done = forms.CharField(label=_("What was done"), widget=forms.Textarea)
    lessons = forms.CharField(label=_("Lessons learned"), widget=forms.Textarea, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)

    field_order = [
        "title", "topic", "country_code", "what_was_done", "lessons", "contact", "audience", "tlp",
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from lenhub.accounts.models import Country

        super().__init__(*args, **kwargs)
        self.fields["country_code"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.code, c.name) for c in Country.objects.order_by("name")
        ]


class TechWatchForm(AudienceForm):
    technology = forms.CharField(label=_("Technology"), max_length=200)
    maturity = forms.ChoiceField(label=_("Maturity"), choices=Maturity.choices)
    assessment = forms.CharField(label=_("Assessment"), widget=forms.Textarea)
    relevant_groups: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Relevant to"), queryset=None, required=False
    )
    reviewed_on = forms.DateField(
        label=_("Reviewed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = [
        "technology", "maturity", "assessment", "relevant_groups", "reviewed_on", "audience",
        "tlp",
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from lenhub.networks.models import Group

        super().__init__(*args, **kwargs)
        field = self.fields["relevant_groups"]
        field.queryset = Group.objects.select_related("network").order_by(  # type: ignore[attr-defined]
            "network__acronym", "name"
        )
        field.label_from_instance = lambda g: f"{g.network.acronym}: {g.name}"  # type: ignore[attr-defined]


class UptakeForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=UptakeStage.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
