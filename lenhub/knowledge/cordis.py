"""Import CORDIS project and participation exports (FP7 and Horizon 2020 column sets).

``cordis_import(projects=[...], participations=[...])`` reads the files, checks every
row, writes the good ones in one transaction and reports counts and every rejected row
with its file, line and reason. It is idempotent: a record whose values have not changed
is left alone (counted ``unchanged``), so importing the same files again changes
nothing. Organisations are de-duplicated on their CORDIS id; CORDIS country codes are
mapped to ISO 3166 (EL is Greece, UK the United Kingdom); law-enforcement participants
are recognised by ``lenhub.knowledge.lea``; each project's status is derived from its
dates together with the CORDIS code. Imported projects are public (TLP:CLEAR).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction
from django.utils import timezone

from lenhub.access.models import TLP
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import Organisation
from lenhub.audit.services import audit_log
from lenhub.knowledge.lea import fold, lea_basis
from lenhub.knowledge.models import (
    ActivityType,
    ParticipantRole,
    Participation,
    Project,
    ProjectStatus,
    ResearchOrganisation,
)

SOURCE = "cordis"
PROJECT_COLUMNS = ("id", "acronym", "status", "programme", "topics", "frameworkProgramme",
                   "title", "startDate", "endDate", "projectUrl", "objective", "totalCost",
                   "ecMaxContribution", "call", "fundingScheme")  # fmt: skip
PARTICIPATION_COLUMNS = ("projectID", "role", "id", "name", "shortName", "activityType",
                         "endOfParticipation", "ecContribution", "country", "city",
                         "organizationUrl")  # fmt: skip
CORDIS_TO_ISO = {"EL": "GR", "UK": "GB"}
STATUS_CODES = {"ONG", "SIGNED", "CLOSED", "TERMINATED", "CAN"}
ROLES = {role.value.lower(): role.value for role in ParticipantRole}


class CordisFileError(Exception):
    """A file that cannot be read at all (missing columns, not CSV, not UTF-8)."""


@dataclass(frozen=True)
class Rejected:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class CordisReport:
    projects: Counts = field(default_factory=Counts)
    participations: Counts = field(default_factory=Counts)
    organisations: Counts = field(default_factory=Counts)
    lea_organisations: int = 0
    linked_to_directory: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        def counts(c: Counts) -> dict[str, int]:
            return {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}

        return {
            "projects": counts(self.projects),
            "participations": counts(self.participations),
            "organisations": counts(self.organisations),
            "lea_organisations": self.lea_organisations,
            "linked_to_directory": self.linked_to_directory,
            "rejected": len(self.rejected),
        }


# --- reading ------------------------------------------------------------------------------


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CordisFileError(f"{path.name}: not UTF-8 text") from None
    except OSError as error:
        raise CordisFileError(f"{path.name}: cannot be read ({error.strerror})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    header = reader.fieldnames or []
    missing = [name for name in columns if name not in header]
    if missing:
        raise CordisFileError(
            f"{path.name}: not a CORDIS export: the header lacks {', '.join(missing)}"
        )
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise CordisFileError(f"{path.name}: not readable as CSV near line "
                              f"{reader.line_num}: {error}") from None  # fmt: skip
    return rows


def _text(row: dict[str, str], name: str) -> str:
    value = row.get(name)
    return (value or "").strip()


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _amount(value: str) -> Decimal | None:
    if not value:
        return None
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


def iso_country(code: str) -> str:
    """An ISO 3166-1 alpha-2 code for a CORDIS country code, or "" when unknown."""
    code = CORDIS_TO_ISO.get(code.upper(), code.upper())
    if code == "XK":  # Kosovo: user-assigned, used by the EU
        return code
    return code if pycountry.countries.get(alpha_2=code) is not None else ""


def derive_status(code: str, start: date | None, end: date | None, today: date) -> str:
    """Our status from CORDIS's code and the dates. CORDIS's codes lag: FP7 projects
    that ended years ago are still "ONG", and "SIGNED" says nothing about the dates."""
    if code == "CAN":
        return ProjectStatus.CANCELLED
    if code == "TERMINATED":
        return ProjectStatus.TERMINATED
    if code == "CLOSED":
        return ProjectStatus.ENDED
    if start is not None and start > today:
        return ProjectStatus.PLANNED
    if end is not None and end < today:
        return ProjectStatus.ENDED
    return ProjectStatus.ONGOING


@dataclass
class _ProjectRow:
    source_id: str
    fields: dict[str, Any]


def _project_row(file: str, line: int, row: dict[str, str], today: date,
                 rejected: list[Rejected]) -> _ProjectRow | None:  # fmt: skip
    def reject(reason: str) -> None:
        rejected.append(Rejected(file, line, reason))

    source_id = _text(row, "id")
    if not source_id.isdigit():
        reject(f"project id {source_id!r} is not a CORDIS id")
        return None
    acronym, title = _text(row, "acronym"), _text(row, "title")
    if not acronym or not title:
        reject(f"project {source_id}: acronym and title are required")
        return None
    code = _text(row, "status").upper()
    if code not in STATUS_CODES:
        reject(f"project {source_id}: unknown status {code!r}")
        return None
    try:
        start = _date(_text(row, "startDate")) if _text(row, "startDate") else None
        end = _date(_text(row, "endDate")) if _text(row, "endDate") else None
    except ValueError:
        reject(f"project {source_id}: dates must be YYYY-MM-DD")
        return None
    if start and end and end < start:
        reject(f"project {source_id}: ends ({end}) before it starts ({start})")
        return None
    try:
        total = _amount(_text(row, "totalCost"))
        contribution = _amount(_text(row, "ecMaxContribution"))
    except (InvalidOperation, ValueError):
        reject(f"project {source_id}: totalCost and ecMaxContribution must be amounts")
        return None
    limits = {"acronym": 60, "title": 500, "programme": 200, "call": 120, "topics": 300,
              "fundingScheme": 40, "projectUrl": 300}  # fmt: skip
    too_long = [name for name, size in limits.items() if len(_text(row, name)) > size]
    if too_long:
        reject(f"project {source_id}: too long: {', '.join(too_long)}")
        return None
    return _ProjectRow(
        source_id,
        {
            "acronym": acronym,
            "title": title,
            "framework": _text(row, "frameworkProgramme"),
            "programme": _text(row, "programme"),
            "call": _text(row, "call"),
            "topics": _text(row, "topics"),
            "funding_scheme": _text(row, "fundingScheme"),
            "start_date": start,
            "end_date": end,
            "total_cost": total,
            "eu_contribution": contribution,
            "source_status": code,
            "status": derive_status(code, start, end, today),
            "website": _text(row, "projectUrl"),
            "summary": _text(row, "objective"),
        },
    )


@dataclass
class _ParticipationRow:
    project_id: str
    organisation: dict[str, Any]
    fields: dict[str, Any]


def _participation_row(file: str, line: int, row: dict[str, str], known_projects: set[str],
                       rejected: list[Rejected]) -> _ParticipationRow | None:  # fmt: skip
    def reject(reason: str) -> None:
        rejected.append(Rejected(file, line, reason))

    project_id, org_id = _text(row, "projectID"), _text(row, "id")
    if project_id not in known_projects:
        reject(f"participation in unknown project {project_id!r}")
        return None
    if not org_id.isdigit():
        reject(f"organisation id {org_id!r} is not a CORDIS id")
        return None
    name = _text(row, "name")
    if not name or len(name) > 300:
        reject(f"organisation {org_id}: name missing or longer than 300 characters")
        return None
    role = ROLES.get(_text(row, "role").lower())
    if role is None:
        reject(f"organisation {org_id}: unknown role {_text(row, 'role')!r}")
        return None
    raw_country = _text(row, "country")
    country = iso_country(raw_country) if raw_country else ""
    if raw_country and not country:
        reject(f"organisation {org_id}: unknown country code {raw_country!r}")
        return None
    activity = _text(row, "activityType").upper()
    if activity and activity not in ActivityType.values:
        reject(f"organisation {org_id}: unknown activity type {activity!r}")
        return None
    try:
        contribution = _amount(_text(row, "ecContribution"))
    except (InvalidOperation, ValueError):
        reject(f"organisation {org_id}: ecContribution must be an amount")
        return None
    ended = _text(row, "endOfParticipation").lower()
    if ended not in ("", "true", "false"):
        reject(f"organisation {org_id}: endOfParticipation must be true or false")
        return None
    basis = lea_basis(name, activity)
    return _ParticipationRow(
        project_id,
        {
            "cordis_id": org_id,
            "name": name,
            "short_name": _text(row, "shortName")[:100],
            "activity_type": activity,
            "country_code": country,
            "city": _text(row, "city")[:120],
            "website": _text(row, "organizationUrl")[:300],
            "is_lea": bool(basis),
            "lea_basis": basis,
        },
        {"role": role, "eu_contribution": contribution, "ended": ended == "true"},
    )


# --- writing ------------------------------------------------------------------------------


def _apply(instance: Any, values: dict[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def _directory_match() -> dict[tuple[str, str], int]:
    """Directory organisations by folded name and country, to link research identities."""
    return {
        (fold(name), country or ""): pk
        for pk, name, country in Organisation.objects.values_list("pk", "name", "country_id")
    }


def cordis_import(
    *,
    projects: Iterable[Path],
    participations: Iterable[Path] = (),
    dry_run: bool = False,
    today: date | None = None,
) -> CordisReport:
    """Import CORDIS exports; see the module docstring."""
    today = today or timezone.localdate()
    report = CordisReport(dry_run=dry_run)
    project_rows: dict[str, _ProjectRow] = {}
    for path in projects:
        for line, row in _read(path, PROJECT_COLUMNS):
            parsed = _project_row(path.name, line, row, today, report.rejected)
            if parsed is None:
                continue
            if parsed.source_id in project_rows:
                report.rejected.append(
                    Rejected(path.name, line, f"project {parsed.source_id} is listed twice")
                )
                continue
            project_rows[parsed.source_id] = parsed
    known = set(project_rows) | set(
        Project.objects.filter(source=SOURCE).values_list("source_id", flat=True)
    )
    participation_rows: list[_ParticipationRow] = []
    seen: set[tuple[str, str]] = set()
    for path in participations:
        for line, row in _read(path, PARTICIPATION_COLUMNS):
            parsed_p = _participation_row(path.name, line, row, known, report.rejected)
            if parsed_p is None:
                continue
            key = (parsed_p.project_id, parsed_p.organisation["cordis_id"])
            if key in seen:
                report.rejected.append(
                    Rejected(
                        path.name,
                        line,
                        f"organisation {key[1]} is listed twice in project {key[0]}",
                    )
                )
                continue
            seen.add(key)
            participation_rows.append(parsed_p)
    with transaction.atomic():
        _write(report, project_rows, participation_rows)
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_log(action="knowledge.cordis_imported", data=report.as_dict())
    return report


def _write(report: CordisReport, project_rows: dict[str, _ProjectRow],
           participation_rows: list[_ParticipationRow]) -> None:  # fmt: skip
    existing = {p.source_id: p for p in Project.objects.filter(source=SOURCE)}
    projects: dict[str, Project] = {}
    for source_id, parsed in project_rows.items():
        project = existing.get(source_id)
        if project is None:
            project = Project.objects.create(source=SOURCE, source_id=source_id, **parsed.fields)
            restricted_set_audience(item=project, audience=["public"], tlp=TLP.CLEAR, actor=None)
            report.projects.created += 1
        elif _apply(project, parsed.fields):
            project.save()
            report.projects.updated += 1
        else:
            report.projects.unchanged += 1
        projects[source_id] = project
    for source_id, project in existing.items():
        projects.setdefault(source_id, project)

    directory = _directory_match()
    organisations = {o.cordis_id: o for o in ResearchOrganisation.objects.exclude(cordis_id=None)}
    links = {
        (p.project_id, p.organisation_id): p
        for p in Participation.objects.filter(project__source=SOURCE)
    }
    touched: set[str] = set()
    for parsed_p in participation_rows:
        values = dict(parsed_p.organisation)
        cordis_id = values.pop("cordis_id")
        match = directory.get((fold(values["name"]), values["country_code"]))
        organisation = organisations.get(cordis_id)
        if organisation is None:
            organisation = ResearchOrganisation.objects.create(
                cordis_id=cordis_id, directory_organisation_id=match, **values
            )
            organisations[cordis_id] = organisation
            report.organisations.created += 1
        elif cordis_id not in touched:
            if organisation.directory_organisation_id is None and match is not None:
                values["directory_organisation_id"] = match
            if _apply(organisation, values):
                organisation.save()
                report.organisations.updated += 1
            else:
                report.organisations.unchanged += 1
        touched.add(cordis_id)
        project = projects[parsed_p.project_id]
        participation = links.get((project.pk, organisation.pk))
        if participation is None:
            Participation.objects.create(
                project=project, organisation=organisation, **parsed_p.fields
            )
            report.participations.created += 1
        elif _apply(participation, parsed_p.fields):
            participation.save()
            report.participations.updated += 1
        else:
            report.participations.unchanged += 1
    report.lea_organisations = ResearchOrganisation.objects.filter(is_lea=True).count()
    report.linked_to_directory = ResearchOrganisation.objects.exclude(
        directory_organisation=None
    ).count()
