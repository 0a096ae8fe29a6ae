"""Bottom-up (DESIGN §4): practitioners report needs, National Contacts curate them,
members support and comment, prioritisation rounds rank them, each need is linked to the
knowledge items that answer it (gap analysis), and a versioned roadmap is published.

A need is a restricted item (audience and TLP label). Comments, supports and state
changes live in their need and are read only through it. Ballots are secret: nobody but
the voter reads one, results are shown only in aggregate, and when a round closes the
link between a ballot and its voter is erased.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenhub.access.models import Restricted


class NeedKind(models.TextChoices):
    RESEARCH_CHALLENGE = "research_challenge", _("Research challenge")
    TECHNOLOGY_NEED = "technology_need", _("Technology need")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for curation")
    ACCEPTED = "accepted", _("Accepted")
    MERGED = "merged", _("Merged into another need")
    REJECTED = "rejected", _("Rejected")


class Urgency(models.TextChoices):
    LOW = "low", _("Low: within five years")
    MEDIUM = "medium", _("Medium: within two to three years")
    HIGH = "high", _("High: within a year")
    CRITICAL = "critical", _("Critical: now")


class CrimeArea(models.TextChoices):
    """Broad areas, close to the EU policy cycle's priorities."""

    CYBERCRIME = "cybercrime", _("Cybercrime")
    CHILD_ABUSE = "child_abuse", _("Child sexual abuse")
    DRUGS = "drugs", _("Drug trafficking")
    HUMAN_TRAFFICKING = "human_trafficking", _("Trafficking in human beings")
    MIGRANT_SMUGGLING = "migrant_smuggling", _("Migrant smuggling")
    FIREARMS = "firearms", _("Firearms and explosives")
    TERRORISM = "terrorism", _("Terrorism and violent extremism")
    ECONOMIC = "economic", _("Economic and financial crime")
    PROPERTY = "property", _("Organised property crime")
    ENVIRONMENTAL = "environmental", _("Environmental crime")
    BORDER = "border", _("Border security")
    PUBLIC_ORDER = "public_order", _("Public order and major events")
    TRANSPORT = "transport", _("Transport security (air, rail, sea)")
    FORENSICS = "forensics", _("Forensics")
    OTHER = "other", _("Other")


class Need(Restricted):
    """A challenge or need a practitioner reports for a network's roadmap."""

    network = models.ForeignKey(
        "networks.Network", verbose_name=_("network"), on_delete=models.PROTECT,
        related_name="needs",
    )  # fmt: skip
    kind = models.CharField(
        _("kind"), max_length=20, choices=NeedKind.choices, default=NeedKind.TECHNOLOGY_NEED
    )
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem"))
    current_practice = models.TextField(_("how it is done today"), blank=True)
    capability_wanted = models.TextField(_("the capability wanted"))
    operational_context = models.TextField(_("operational context"), blank=True)
    crime_area = models.CharField(_("crime area"), max_length=20, choices=CrimeArea.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    countries = models.ManyToManyField(
        "accounts.Country", verbose_name=_("countries affected"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.DRAFT
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="merged_needs",
    )  # fmt: skip
    decision_reason = models.TextField(_("reason"), blank=True)
    # The audience the reporter chose, space-separated. While the need is a draft its
    # audience is this one narrowed to named participants (the reporter alone), so the
    # one policy keeps drafts to their reporter; submitting gives it this audience.
    intended_audience = models.CharField(max_length=500, blank=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reporter_country = models.CharField(_("reported from"), max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("need")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["network", "status"], name="need_network_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("need_detail", args=[self.pk])


class NeedComment(models.Model):
    """A comment on a need; read only by those who may read the need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on need {self.need_id}"


class NeedSupport(models.Model):
    """A member says "this is my need too". The country is the supporter's organisation's
    at the time, for counts by country."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    country_code = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="need_support_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.need_id}"


class NeedEvent(models.Model):
    """The history of a need's state, shown on the need to those who may read it."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=NeedStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=NeedStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    other_need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("state change")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"need {self.need_id}: {self.from_status} -> {self.to_status}"


# --- gap analysis -----------------------------------------------------------------------


class Coverage(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested, not reviewed")
    ADDRESSED = "addressed", _("Addresses the need")
    PARTLY = "partly", _("Partly addresses the need")
    NOT_ADDRESSED = "not_addressed", _("Does not address the need")


class NeedLink(models.Model):
    """A knowledge-factory item that may answer a need. Suggested by similarity, then
    confirmed by a curator. The item is named by its search kind and id and is shown only
    to readers who may read both the need and the item."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="links")
    item_kind = models.CharField(max_length=30)
    item_id = models.PositiveBigIntegerField()
    coverage = models.CharField(
        _("coverage"), max_length=14, choices=Coverage.choices, default=Coverage.SUGGESTED
    )
    similarity = models.FloatField(default=0.0)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("knowledge link")
        ordering = ["-similarity", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "item_kind", "item_id"], name="need_link_unique"
            )
        ]

    def __str__(self) -> str:
        return f"need {self.need_id} -> {self.item_kind}:{self.item_id} ({self.coverage})"


# --- prioritisation rounds ---------------------------------------------------------------


class Method(models.TextChoices):
    POINTS = "points", _("Points budget")
    PAIRWISE = "pairwise", _("Pairwise comparison")
    CRITERIA = "criteria", _("Multi-criteria scoring")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for voting")
    CLOSED = "closed", _("Closed")


class ElectorateRole(models.TextChoices):
    MEMBERS = "members", _("Every member of the network")
    LEA = "lea", _("Law-enforcement practitioners only")
    NATIONAL_CONTACTS = "national_contacts", _("National Contacts only")


class Round(Restricted):
    """A time-boxed prioritisation round over a set of needs. Its audience says who may
    see the round and its aggregate results; its electorate says who may vote."""

    network = models.ForeignKey(
        "networks.Network", verbose_name=_("network"), on_delete=models.PROTECT,
        related_name="rounds",
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    needs: models.ManyToManyField[Need, RoundNeed] = models.ManyToManyField(
        Need, through="RoundNeed", related_name="rounds"
    )
    # Electorate: every condition must hold.
    electorate_role = models.CharField(
        _("who may vote"), max_length=20, choices=ElectorateRole.choices,
        default=ElectorateRole.MEMBERS,
    )  # fmt: skip
    electorate_groups = models.ManyToManyField(
        "networks.Group", verbose_name=_("only members of these groups"), blank=True,
        related_name="+",
    )  # fmt: skip
    electorate_countries = models.ManyToManyField(
        "accounts.Country", verbose_name=_("only people from these countries"), blank=True,
        related_name="+",
    )  # fmt: skip
    equal_country_weight = models.BooleanField(
        _("weigh countries equally"),
        default=False,
        help_text=_("Each country's voters together carry the same weight, however many "
                    "they are."),
    )  # fmt: skip
    points_budget = models.PositiveSmallIntegerField(_("points per voter"), default=100)
    # Multi-criteria: the weights the round publishes by default; readers may change them.
    weight_impact = models.FloatField(_("weight of impact"), default=0.4)
    weight_urgency = models.FloatField(_("weight of urgency"), default=0.3)
    weight_feasibility = models.FloatField(_("weight of feasibility"), default=0.2)
    weight_breadth = models.FloatField(_("weight of breadth across countries"), default=0.1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    voter_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("prioritisation round")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="round_closes_after_opens", condition=Q(
                closes_at__gt=models.F("opens_at"))),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("round_detail", args=[self.pk])


class RoundNeed(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_needs")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "need"], name="round_need_unique")]

    def __str__(self) -> str:
        return f"round {self.round_id}: need {self.need_id}"


class Ballot(models.Model):
    """One voter's ballot in a round; changeable until the round closes. Read only by its
    voter. ``voter`` is erased when the round closes; the country stays, for weighing
    countries equally."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    country_code = models.CharField(max_length=2, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ballot")
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="ballot_one_per_voter")
        ]

    def __str__(self) -> str:
        return f"ballot {self.pk} in round {self.round_id}"


class BallotPoints(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="points")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    points = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "need"], name="ballot_points_unique")
        ]

    def __str__(self) -> str:
        return f"ballot {self.ballot_id}: {self.points} to {self.need_id}"


class BallotPair(models.Model):
    """One comparison: the voter prefers ``winner`` to ``loser``."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="pairs")
    winner = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    loser = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "winner", "loser"], name="ballot_pair_unique"
            ),
            models.CheckConstraint(
                name="ballot_pair_distinct", condition=~Q(winner=models.F("loser"))
            ),
        ]

    def __str__(self) -> str:
        return f"ballot {self.ballot_id}: {self.winner_id} over {self.loser_id}"


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class BallotScore(models.Model):
    """Multi-criteria scores (1 to 5) a voter gives one need. Breadth across countries is
    not scored: it is counted from the need's countries and supporters."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="scores")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    impact = models.PositiveSmallIntegerField(_("impact"), validators=SCORE)
    urgency = models.PositiveSmallIntegerField(_("urgency"), validators=SCORE)
    feasibility = models.PositiveSmallIntegerField(_("feasibility"), validators=SCORE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "need"], name="ballot_score_unique")
        ]

    def __str__(self) -> str:
        return f"ballot {self.ballot_id}: scores for {self.need_id}"


class RoundResult(models.Model):
    """A need's aggregate result in a closed round: all anyone sees of the ballots.
    ``low``/``high`` bound the score (a 90% interval); ``criteria`` holds the mean score
    per criterion for multi-criteria rounds, so readers can weigh them again."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    criteria = models.JSONField(default=dict, blank=True)
    supporting_countries = models.JSONField(default=list, blank=True)
    voters = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "need"], name="round_result_unique")
        ]

    def __str__(self) -> str:
        return f"round {self.round_id}: #{self.rank} need {self.need_id}"


# --- roadmap ----------------------------------------------------------------------------


class Section(models.TextChoices):
    RESEARCH_CHALLENGES = "research_challenges", _("Research challenges")
    TECHNOLOGY_NEEDS = "technology_needs", _("Technology needs")
    GAPS = "gaps", _("Gaps")


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RoadmapVersion(Restricted):
    """One version of a network's roadmap, built from a closed round. Published versions
    are frozen; a new version is a new row (``version`` counts per network)."""

    network = models.ForeignKey(
        "networks.Network", verbose_name=_("network"), on_delete=models.PROTECT,
        related_name="roadmaps",
    )  # fmt: skip
    version = models.PositiveSmallIntegerField()
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="roadmaps")
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(
        max_length=10, choices=RoadmapStatus.choices, default=RoadmapStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roadmap version")
        ordering = ["network", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["network", "version"], name="roadmap_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("roadmap_version", args=[self.network.acronym, self.version])


class RoadmapEntry(models.Model):
    """A ranked need in a roadmap version. ``withheld`` entries (the need's audience does
    not include the roadmap's whole audience) are shown only to the secretariat, with the
    reason. Figures are frozen at publication; words are read from the need at read time
    and only while the need still reaches the roadmap's whole audience."""

    version = models.ForeignKey(RoadmapVersion, on_delete=models.CASCADE, related_name="entries")
    section = models.CharField(max_length=20, choices=Section.choices)
    position = models.PositiveSmallIntegerField()
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    supporting_countries = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=list, blank=True)  # [{"kind", "id", "coverage"}]
    withheld = models.BooleanField(default=False)
    withheld_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["section", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "need"], name="roadmap_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.section} #{self.position}"
