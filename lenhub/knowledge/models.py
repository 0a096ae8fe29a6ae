"""The knowledge factory (DESIGN §4): research and innovation projects with their
participants, results, project concepts, best practices and technology watch entries,
and the uptake of results by law-enforcement organisations.

Every readable record is ``Restricted``: it carries an audience and a TLP label and is
read only through ``lenhub.access.policy``. Imported CORDIS projects are public
(audience ``public``, TLP:CLEAR); what members write defaults to members-only GREEN.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lenhub.access.models import Restricted


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Not started")
    ONGOING = "ongoing", _("Ongoing")
    ENDED = "ended", _("Ended")
    TERMINATED = "terminated", _("Terminated early")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityType(models.TextChoices):
    """CORDIS's kinds of organisation."""

    PUB = "PUB", _("Public body")
    HES = "HES", _("Higher education")
    REC = "REC", _("Research organisation")
    PRC = "PRC", _("Private company")
    OTH = "OTH", _("Other")


class ResearchOrganisation(models.Model):
    """An organisation taking part in research projects, de-duplicated on its CORDIS id;
    linked to the directory's organisation where lenhub knows it."""

    cordis_id = models.CharField(max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    activity_type = models.CharField(
        _("kind"), max_length=3, choices=ActivityType.choices, blank=True
    )
    country_code = models.CharField(_("country"), max_length=2, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.CharField(_("website"), max_length=300, blank=True)
    directory_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation in the directory"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="research_identities",
    )
    is_lea = models.BooleanField(_("law-enforcement authority"), default=False, db_index=True)
    lea_basis = models.CharField(_("why it counts as law enforcement"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("research organisation")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(Restricted):
    """A research and innovation project."""

    source = models.CharField(max_length=20, default="lenhub")  # "cordis" when imported
    source_id = models.CharField(_("source id"), max_length=40, blank=True)
    acronym = models.CharField(_("acronym"), max_length=60)
    title = models.CharField(_("title"), max_length=500)
    framework = models.CharField(_("framework programme"), max_length=20, blank=True)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    call = models.CharField(_("call"), max_length=120, blank=True)
    topics = models.CharField(_("topics"), max_length=300, blank=True)
    funding_scheme = models.CharField(_("funding scheme"), max_length=40, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    total_cost = models.DecimalField(
        _("total cost (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    eu_contribution = models.DecimalField(
        _("EU contribution (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    source_status = models.CharField(_("status at the source"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ONGOING
    )
    website = models.CharField(_("website"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("research project")
        ordering = ["-start_date", "acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="project_source_id_unique",
            ),
            models.CheckConstraint(
                name="project_dates_ordered",
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return self.acronym

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.pk])


class ParticipantRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTICIPANT = "participant", _("Participant")
    PARTNER = "partner", _("Partner")
    THIRD_PARTY = "thirdParty", _("Linked third party")
    ASSOCIATED = "associatedPartner", _("Associated partner")


class Participation(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        ResearchOrganisation, on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    eu_contribution = models.DecimalField(
        _("EU contribution (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    ended = models.BooleanField(_("left the project early"), default=False)

    class Meta:
        verbose_name = _("participation")
        constraints = [
            models.UniqueConstraint(fields=["project", "organisation"], name="participation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.project}"


class ResultKind(models.TextChoices):
    DELIVERABLE = "deliverable", _("Deliverable")
    TOOL = "tool", _("Tool")
    DATASET = "dataset", _("Dataset")
    PUBLICATION = "publication", _("Publication")
    STANDARD = "standard", _("Standard")


class Availability(models.TextChoices):
    OPEN = "open", _("Openly available")
    ON_REQUEST = "on_request", _("On request")
    LEA_ONLY = "lea_only", _("Law enforcement only")
    COMMERCIAL = "commercial", _("Commercial")
    NOT_AVAILABLE = "not_available", _("Not available")


TRL = [MinValueValidator(1), MaxValueValidator(9)]


class Result(Restricted):
    """What a project produced."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="results"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ResultKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"), null=True, blank=True, validators=TRL
    )
    availability = models.CharField(
        _("availability"), max_length=20, choices=Availability.choices, blank=True
    )
    licence = models.CharField(_("licence"), max_length=120, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("result")
        ordering = ["-published_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="result_trl_range",
                condition=Q(trl__isnull=True) | Q(trl__gte=1, trl__lte=9),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("result_detail", args=[self.pk])

    def access_container(self) -> Restricted | None:
        """A project's result is never wider, nor more lightly labelled, than the project."""
        return self.project


class Seeking(models.TextChoices):
    PARTNERS = "partners", _("Partners")
    FUNDING = "funding", _("Funding")
    BOTH = "both", _("Partners and funding")


class Concept(Restricted):
    """An idea for a project, looking for partners or funding."""

    title = models.CharField(_("title"), max_length=300)
    idea = models.TextField(_("the idea"))
    seeking = models.CharField(_("looking for"), max_length=10, choices=Seeking.choices)
    needs_addressed = models.TextField(_("needs it addresses"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project concept")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("concept_detail", args=[self.pk])


class BestPractice(Restricted):
    title = models.CharField(_("title"), max_length=300)
    topic = models.CharField(_("topic"), max_length=200)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    what_was_done = models.TextField(_("what was done"))
    lessons = models.TextField(_("lessons learned"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("best practice")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("bestpractice_detail", args=[self.pk])


class Maturity(models.TextChoices):
    EMERGING = "emerging", _("Emerging")
    MATURING = "maturing", _("Maturing")
    MATURE = "mature", _("Mature")
    DECLINING = "declining", _("Declining")


class TechWatch(Restricted):
    """A technology watch entry: a technology, how mature it is, who should care."""

    technology = models.CharField(_("technology"), max_length=200)
    maturity = models.CharField(_("maturity"), max_length=10, choices=Maturity.choices)
    relevant_groups = models.ManyToManyField(
        "networks.Group", verbose_name=_("relevant to"), blank=True, related_name="+"
    )
    assessment = models.TextField(_("assessment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_on = models.DateField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("technology watch entry")
        verbose_name_plural = _("technology watch entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.technology

    def get_absolute_url(self) -> str:
        return reverse("techwatch_detail", args=[self.pk])


class UptakeStage(models.TextChoices):
    INTEREST = "interest", _("Interest")
    EVALUATION = "evaluation", _("Evaluation")
    PILOT = "pilot", _("Pilot")
    PROCUREMENT = "procurement", _("Procurement")
    OPERATIONAL = "operational", _("Operational use")


class Uptake(Restricted):
    """A member records that their organisation took up a result, and how far."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="uptakes")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    country_code = models.CharField(_("country"), max_length=2)
    stage = models.CharField(_("stage"), max_length=12, choices=UptakeStage.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("uptake")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["result", "organisation"], name="uptake_unique")
        ]

    def access_container(self) -> Restricted | None:
        return self.result

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_stage_display()}"
