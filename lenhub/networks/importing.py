"""Import a network's member organisations and members from CSV (issue 4, items 5 and 7).

Two steps, always in this order:

1. ``csv_read`` turns the file into rows (UTF-8 with or without a BOM, ``,`` or ``;``
   as delimiter, blank lines skipped, cells trimmed) or refuses the whole file;
2. ``organisations_import`` / ``members_import`` validate **every** row against the file
   and the database, collecting each problem as (line, column, reason), and only then
   write, in one transaction: nothing at all when a row is bad (the default), or exactly
   the good rows with ``skip_invalid``. ``dry_run`` validates and counts, writes nothing.

Importing the same file again changes nothing. Each import that is carried out (not a
dry run, not one refused for bad rows) writes one ``directory.imported`` audit entry,
with counts only.

Imported people get an account with no usable password and an unverified address: they
set a password through "Forgot your password?", verify their address when they first
sign in, and add a second factor. The import never vets anyone: their National Contact
still attests who they are before they see anything beyond public pages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenhub.accounts.models import (
    Country,
    Organisation,
    OrganisationDomain,
    OrganisationKind,
    User,
)
from lenhub.accounts.services import organisation_change_kind, user_change_organisation
from lenhub.audit.services import audit_log
from lenhub.core.events import event_emit
from lenhub.networks.models import (
    CLOSED_GROUP_KINDS,
    Group,
    GroupMembership,
    MembershipStatus,
    Network,
    NetworkMembership,
    OrganisationMembership,
    OrganisationStatus,
)

ORGANISATION_COLUMNS = ("name", "kind", "country", "domains", "status")
MEMBER_COLUMNS = ("email", "display_name", "organisation", "country", "groups")

Outcome = Literal["created", "updated", "unchanged"]

_DOMAIN = re.compile(r"^(?=.{3,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_DOMAIN_SPLIT = re.compile(r"[;,\s]+")


class ImportFileError(ValueError):
    """The file as a whole cannot be read: no row is looked at."""


@dataclass(frozen=True, order=True)
class RowError:
    """A problem with one row: its line in the file, the column, and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return _("line %(line)d, %(column)s: %(reason)s") % {
                "line": self.line,
                "column": self.column,
                "reason": self.reason,
            }
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


@dataclass
class ImportReport:
    """What an import found and did (or, in a dry run, would do)."""

    what: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_records: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def bad_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})

    @property
    def good_rows(self) -> int:
        return self.rows - len(self.bad_lines)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "new_records": self.new_records,
            "bad_rows": len(self.bad_lines),
        }


# --- reading ----------------------------------------------------------------------------


def _sniff_delimiter(header_line: str) -> str:
    """``,`` or ``;``, as the header line uses (its column names contain neither)."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=",;").delimiter
    except csv.Error:
        return ";" if header_line.count(";") > header_line.count(",") else ","


def csv_read(data: bytes, *, columns: Iterable[str]) -> tuple[list[CsvRow], list[RowError]]:
    """The rows of a CSV file whose header names ``columns`` (in any order, any case).

    Rows with more values than the header has columns come back as errors; other rows
    are checked by the importer. Raises ``ImportFileError`` for a file that is not UTF-8
    text, is empty, cannot be parsed, or lacks a column.
    """
    wanted = tuple(columns)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (line %(line)d has a byte UTF-8 does not "
                "allow). Save it as “CSV UTF-8” and try again."
            )
            % {"line": line}
        ) from None
    if "\x00" in text:
        raise ImportFileError(_("The file is not text: it contains NUL characters."))
    header_line = next((line for line in text.splitlines() if line.strip()), None)
    if header_line is None:
        raise ImportFileError(_("The file is empty."))
    # strict: an unterminated quote is an error, not a cell that swallows the file's tail
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header_line), strict=True
    )
    header: list[str] | None = None
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    previous_end = 0
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                _check_header(header, wanted)
                continue
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            if extra:
                errors.append(
                    RowError(
                        line,
                        "",
                        _("%(found)d values where the header has %(columns)d columns")
                        % {"found": len(header) + len(extra), "columns": len(header)},
                    )
                )
            values = {
                name: (cells[index].strip() if index < len(cells) else "")
                for index, name in enumerate(header)
            }
            errors.extend(
                RowError(line, name, _("has a line break or a control character"))
                for name in wanted
                if _CONTROL.search(values.get(name, ""))
            )
            rows.append(CsvRow(line, {name: values.get(name, "") for name in wanted}))
    except csv.Error as error:
        raise ImportFileError(
            _("The file cannot be read as CSV near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows and not errors:
        raise ImportFileError(_("The file has no rows under its header."))
    return rows, errors


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _check_header(header: list[str], wanted: tuple[str, ...]) -> None:
    missing = [name for name in wanted if name not in header]
    if missing:
        raise ImportFileError(
            _("The header lacks the column(s) %(missing)s; it needs %(wanted)s.")
            % {"missing": ", ".join(missing), "wanted": ",".join(wanted)}
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise ImportFileError(
            _("The header names a column twice: %(columns)s.") % {"columns": ", ".join(repeated)}
        )


# --- shared checks ----------------------------------------------------------------------


def _choice(value: str, choices: type[OrganisationKind] | type[OrganisationStatus]) -> str | None:
    value = value.strip().lower()
    return value if value in choices.values else None


def _countries() -> set[str]:
    return set(Country.objects.values_list("code", flat=True))


def _required(row: CsvRow, column: str, errors: list[RowError]) -> str:
    value = row.values[column]
    if not value:
        errors.append(RowError(row.line, column, _("is empty")))
    return value


def _country(row: CsvRow, known: set[str], errors: list[RowError]) -> str:
    code = _required(row, "country", errors).upper()
    if code and code not in known:
        errors.append(
            RowError(
                row.line,
                "country",
                _("unknown country code “%(code)s” (ISO 3166-1 alpha-2, e.g. PL)")
                % {"code": row.values["country"]},
            )
        )
        return ""
    return code


def _split(value: str, pattern: str | re.Pattern[str]) -> list[str]:
    parts = re.split(pattern, value)
    return list(dict.fromkeys(part.strip() for part in parts if part.strip()))


def _finish(
    *,
    report: ImportReport,
    planned: list[Callable[[bool], Outcome]],
    network: Network,
    actor: User | None,
    dry_run: bool,
    skip_invalid: bool,
) -> ImportReport:
    """Write the good rows (or count what would be written) and audit the import."""
    report.errors.sort(key=lambda error: error.line)  # stable: columns in file order
    report.dry_run = dry_run
    if report.errors and not skip_invalid and not dry_run:
        return report
    with transaction.atomic():
        for row in planned:
            outcome = row(not dry_run)
            setattr(report, outcome, getattr(report, outcome) + 1)
        if not dry_run:
            audit_log(
                action="directory.imported",
                actor=actor,
                target=f"network:{network.pk}",
                data={"what": report.what, **report.counts()},
            )
            report.written = True
    return report


# --- organisations ----------------------------------------------------------------------


@dataclass(frozen=True)
class _OrganisationRow:
    line: int
    name: str
    kind: str
    country: str
    domains: tuple[str, ...]
    status: str


def organisations_import(
    *,
    network: Network,
    data: bytes,
    actor: User | None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    allow_kind_change: bool = False,
) -> ImportReport:
    """Create or update organisations, their email domains and their membership of
    ``network`` from a CSV with columns ``name,kind,country,domains,status``.

    Domains are added, never removed. A changed kind is a bad row unless
    ``allow_kind_change``: it goes through ``organisation_change_kind``, which resets the
    vetting of the organisation's people on every network, so one network's file must
    not do it by accident.
    Counts are per row: created (the organisation joins the network), updated (an
    existing member organisation changed), unchanged; ``new_records`` counts
    organisations that did not exist before.
    """
    rows, errors = csv_read(data, columns=ORGANISATION_COLUMNS)
    report = ImportReport(what="organisations", rows=len(rows), errors=errors)
    countries = _countries()
    seen_names: dict[tuple[str, str], int] = {}
    seen_domains: dict[str, int] = {}
    planned: list[Callable[[bool], Outcome]] = []
    bad_lines = {error.line for error in errors}
    for row in rows:
        row_errors: list[RowError] = []
        name = _required(row, "name", row_errors)
        if len(name) > 200:
            row_errors.append(RowError(row.line, "name", _("is longer than 200 characters")))
        kind = _required(row, "kind", row_errors)
        if kind and _choice(kind, OrganisationKind) is None:
            row_errors.append(
                RowError(
                    row.line,
                    "kind",
                    _("unknown kind “%(value)s” (one of: %(choices)s)")
                    % {"value": kind, "choices": ", ".join(OrganisationKind.values)},
                )
            )
        country = _country(row, countries, row_errors)
        status = _required(row, "status", row_errors)
        if status and _choice(status, OrganisationStatus) is None:
            row_errors.append(
                RowError(
                    row.line,
                    "status",
                    _("unknown status “%(value)s” (one of: %(choices)s)")
                    % {"value": status, "choices": ", ".join(OrganisationStatus.values)},
                )
            )
        existing = None
        if name and country:
            key = (name.casefold(), country)
            if key in seen_names:
                row_errors.append(
                    RowError(
                        row.line,
                        "name",
                        _("the same organisation is already on line %(line)d")
                        % {"line": seen_names[key]},
                    )
                )
            else:
                seen_names[key] = row.line
            same_name = Organisation.objects.filter(name__iexact=name, country_id=country)
            existing = next((org for org in same_name if org.name == name), None)
            if existing is None and same_name:
                row_errors.append(
                    RowError(
                        row.line,
                        "name",
                        _("“%(existing)s” exists; use its exact name")
                        % {"existing": same_name[0].name},
                    )
                )
        chosen_kind = _choice(kind, OrganisationKind) if kind else None
        changes_kind = existing is not None and chosen_kind and existing.kind != chosen_kind
        if changes_kind and not allow_kind_change:
            assert existing is not None
            row_errors.append(
                RowError(
                    row.line,
                    "kind",
                    _("%(organisation)s is “%(kind)s”: changing its kind resets the vetting "
                      "of all its people; give --allow-kind-change to do it")
                    % {"organisation": existing.name, "kind": existing.kind},
                )
            )  # fmt: skip
        domains = [d.lower().lstrip("@") for d in _split(row.values["domains"], _DOMAIN_SPLIT)]
        for domain in domains:
            if not _DOMAIN.match(domain):
                row_errors.append(
                    RowError(
                        row.line, "domains", _("“%(domain)s” is not a domain") % {"domain": domain}
                    )
                )
                continue
            if domain in seen_domains:
                row_errors.append(
                    RowError(
                        row.line,
                        "domains",
                        _("“%(domain)s” is already on line %(line)d")
                        % {"domain": domain, "line": seen_domains[domain]},
                    )
                )
                continue
            seen_domains[domain] = row.line
            owner = (
                OrganisationDomain.objects.filter(domain=domain)
                .select_related("organisation")
                .first()
            )
            if owner is not None and (existing is None or owner.organisation_id != existing.pk):
                row_errors.append(
                    RowError(
                        row.line,
                        "domains",
                        _("“%(domain)s” is registered by %(organisation)s")
                        % {"domain": domain, "organisation": owner.organisation.name},
                    )
                )
        if row_errors or row.line in bad_lines:
            report.errors.extend(row_errors)
            continue
        planned.append(
            _organisation_writer(
                _OrganisationRow(
                    line=row.line,
                    name=name,
                    kind=kind.lower(),
                    country=country,
                    domains=tuple(domains),
                    status=status.lower(),
                ),
                network=network,
                actor=actor,
                report=report,
            )
        )
    return _finish(
        report=report,
        planned=planned,
        network=network,
        actor=actor,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )


def _organisation_writer(
    row: _OrganisationRow, *, network: Network, actor: User | None, report: ImportReport
) -> Callable[[bool], Outcome]:
    def write(apply: bool) -> Outcome:
        organisation = Organisation.objects.filter(name=row.name, country_id=row.country).first()
        changed = False
        if organisation is None:
            report.new_records += 1
            if not apply:
                return "created"
            organisation = Organisation.objects.create(
                name=row.name, kind=row.kind, country_id=row.country
            )
        elif organisation.kind != row.kind:
            changed = True
            report.notes.append(
                RowError(
                    row.line,
                    "kind",
                    _("%(organisation)s changes kind: its people need to be vetted again")
                    % {"organisation": organisation.name},
                )
            )
            if apply:
                organisation_change_kind(organisation=organisation, kind=row.kind, actor=actor)
        known = set(
            OrganisationDomain.objects.filter(organisation=organisation).values_list(
                "domain", flat=True
            )
        )
        for domain in row.domains:
            if domain not in known:
                changed = True
                if apply:
                    OrganisationDomain.objects.create(organisation=organisation, domain=domain)
        membership = OrganisationMembership.objects.filter(
            network=network, organisation=organisation
        ).first()
        if membership is None:
            if apply:
                OrganisationMembership.objects.create(
                    network=network, organisation=organisation, status=row.status
                )
            return "created"
        if membership.status != row.status:
            changed = True
            if apply:
                membership.status = row.status
                membership.save(update_fields=["status"])
        return "updated" if changed else "unchanged"

    return write


# --- members ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _MemberRow:
    line: int
    email: str
    display_name: str
    organisation: Organisation
    groups: tuple[Group, ...]


def members_import(
    *,
    network: Network,
    data: bytes,
    actor: User | None,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Make people members of ``network`` from a CSV with columns
    ``email,display_name,organisation,country,groups``.

    A missing account is created with no usable password and an unverified address.
    An existing account keeps the display name and organisation its owner gave it (it
    gets the organisation only when it has none). The membership is made active for the
    network's ``membership_days``, and the person joins the listed groups and the
    network's default groups (groups are added, never removed). A person who left the
    network, was suspended from it or whose membership expired is not brought back by
    an import, and an existing account of another organisation is not made a member;
    core groups and secretariats are not joined by import. Counts are per
    row: created (a new membership), updated (renewed, or new groups), unchanged;
    ``new_records`` counts accounts that did not exist before. Nobody is vetted.
    """
    rows, errors = csv_read(data, columns=MEMBER_COLUMNS)
    report = ImportReport(what="members", rows=len(rows), errors=errors)
    countries = _countries()
    groups = {group.name.casefold(): group for group in network.groups.all()}
    defaults = tuple(
        group
        for group in groups.values()
        if group.is_default and group.kind not in CLOSED_GROUP_KINDS
    )
    seen: dict[str, int] = {}
    planned: list[Callable[[bool], Outcome]] = []
    bad_lines = {error.line for error in errors}
    for row in rows:
        row_errors: list[RowError] = []
        email = _required(row, "email", row_errors).lower()
        account = None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row_errors.append(
                    RowError(
                        row.line,
                        "email",
                        _("“%(email)s” is not an email address") % {"email": row.values["email"]},
                    )
                )
                email = ""
        if email:
            if email in seen:
                row_errors.append(
                    RowError(
                        row.line,
                        "email",
                        _("the same address is already on line %(line)d") % {"line": seen[email]},
                    )
                )
            else:
                seen[email] = row.line
            account = User.objects.filter(email__iexact=email).first()
            if account is None and EmailAddress.objects.filter(email__iexact=email).exists():
                row_errors.append(
                    RowError(row.line, "email", _("another account already uses this address"))
                )
        display_name = row.values["display_name"]
        if account is None and not display_name:
            row_errors.append(
                RowError(row.line, "display_name", _("is empty (a new account needs one)"))
            )
        if len(display_name) > 80:
            row_errors.append(RowError(row.line, "display_name", _("is longer than 80 characters")))
        country = _country(row, countries, row_errors)
        organisation_name = _required(row, "organisation", row_errors)
        organisation = None
        if organisation_name and country:
            organisation = Organisation.objects.filter(
                name=organisation_name, country_id=country
            ).first()
            if organisation is None:
                row_errors.append(
                    RowError(
                        row.line,
                        "organisation",
                        _(
                            "no organisation named “%(name)s” in %(country)s (import the "
                            "organisations first)"
                        )
                        % {"name": organisation_name, "country": country},
                    )
                )
        chosen: list[Group] = []
        for group_name in _split(row.values["groups"], ";"):
            group = groups.get(group_name.casefold())
            if group is None:
                row_errors.append(
                    RowError(
                        row.line,
                        "groups",
                        _("%(network)s has no group “%(group)s”")
                        % {"network": network.acronym, "group": group_name},
                    )
                )
            elif group.kind in CLOSED_GROUP_KINDS:
                row_errors.append(
                    RowError(
                        row.line,
                        "groups",
                        _("“%(group)s” is a %(kind)s: the secretariat adds its members one by one")
                        % {"group": group.name, "kind": group.get_kind_display()},
                    )
                )
            else:
                chosen.append(group)
        if account is not None:
            _check_account(row, account, network, organisation, row_errors, report.notes)
        if row_errors or row.line in bad_lines or organisation is None:
            report.errors.extend(row_errors)
            continue
        planned.append(
            _member_writer(
                _MemberRow(
                    line=row.line,
                    email=email,
                    display_name=display_name,
                    organisation=organisation,
                    groups=tuple(dict.fromkeys([*chosen, *defaults])),
                ),
                network=network,
                actor=actor,
                report=report,
            )
        )
    return _finish(
        report=report,
        planned=planned,
        network=network,
        actor=actor,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )


def _check_account(
    row: CsvRow,
    account: User,
    network: Network,
    organisation: Organisation | None,
    errors: list[RowError],
    notes: list[RowError],
) -> None:
    if not account.is_active:
        errors.append(RowError(row.line, "email", _("the account is deactivated")))
    membership = NetworkMembership.objects.filter(user=account, network=network).first()
    if membership is not None and membership.status == MembershipStatus.LEFT:
        errors.append(
            RowError(
                row.line,
                "email",
                _("the person left %(network)s; only they can apply again")
                % {"network": network.acronym},
            )
        )
    if membership is not None and membership.status == MembershipStatus.SUSPENDED:
        errors.append(
            RowError(
                row.line,
                "email",
                _("the person is suspended from %(network)s") % {"network": network.acronym},
            )
        )
    if membership is not None and (
        membership.status == MembershipStatus.EXPIRED
        or (membership.status == MembershipStatus.ACTIVE and membership.expires_at is not None
            and membership.expires_at <= timezone.now())
    ):  # fmt: skip
        errors.append(
            RowError(
                row.line,
                "email",
                _("the membership of %(network)s expired: a National Contact re-confirms "
                  "members, or the person applies again") % {"network": network.acronym},
            )
        )  # fmt: skip
    if (
        organisation is not None
        and account.organisation_id is not None
        and account.organisation_id != organisation.pk
    ):
        errors.append(
            RowError(
                row.line,
                "organisation",
                _("the account belongs to %(organisation)s, not to this one")
                % {"organisation": account.organisation},
            )
        )


def _member_writer(
    row: _MemberRow, *, network: Network, actor: User | None, report: ImportReport
) -> Callable[[bool], Outcome]:
    def write(apply: bool) -> Outcome:
        account = User.objects.filter(email__iexact=row.email).first()
        if account is None:
            report.new_records += 1
            if not apply:
                return "created"
            account = User.objects.create_user(
                row.email, None, display_name=row.display_name, organisation=row.organisation
            )
            EmailAddress.objects.create(user=account, email=row.email, primary=True, verified=False)
        gets_organisation = account.organisation_id is None
        if gets_organisation and apply:
            user_change_organisation(user=account, organisation=row.organisation, actor=actor)
        now = timezone.now()
        membership = NetworkMembership.objects.filter(user=account, network=network).first()
        outcome: Outcome = "unchanged"
        if membership is None:
            outcome = "created"
            if apply:
                NetworkMembership.objects.create(
                    user=account,
                    network=network,
                    status=MembershipStatus.ACTIVE,
                    joined_at=now,
                    confirmed_at=now,
                    expires_at=now + timedelta(days=network.membership_days),
                )
        have = set(
            GroupMembership.objects.filter(user=account, group__network=network).values_list(
                "group_id", flat=True
            )
        )
        missing = [group for group in row.groups if group.pk not in have]
        joined = outcome != "unchanged"
        if (missing or gets_organisation) and outcome == "unchanged":
            outcome = "updated"
        if apply:
            GroupMembership.objects.bulk_create(
                [GroupMembership(user=account, group=group) for group in missing]
            )
            if joined:  # subscribers (channels, newsletters) treat it as an approval
                event_emit("membership_approved", user_id=account.pk, network_id=network.pk)
        return outcome

    return write
