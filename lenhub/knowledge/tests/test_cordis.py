"""``lenhub import_cordis`` on the real CORDIS sample and on broken files."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lenhub.access.policy import ANONYMOUS, filter_visible, item_audience
from lenhub.audit.models import AuditEntry
from lenhub.knowledge.cordis import derive_status, iso_country
from lenhub.knowledge.models import Participation, Project, ProjectStatus, ResearchOrganisation

pytestmark = pytest.mark.django_db

FILES = (
    ("--projects", "fp7-security-projects.csv"),
    ("--projects", "h2020-secure-societies-projects.csv"),
    ("--participations", "fp7-security-participations.csv"),
    ("--participations", "h2020-secure-societies-participations.csv"),
)


def _import(*args: Any) -> str:
    out = io.StringIO()
    call_command("import_cordis", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def _all_four(directory: Path) -> list[str]:
    args: list[str] = []
    for flag, name in FILES:
        args += [flag, str(directory / name)]
    return args


def _state() -> list[Any]:
    return [
        sorted(Project.objects.values_list("source_id", "acronym", "status", "total_cost",
                                           "end_date", "summary")),
        sorted(Participation.objects.values_list("project__source_id", "organisation__cordis_id",
                                                 "role", "eu_contribution", "ended")),
        sorted(ResearchOrganisation.objects.values_list("cordis_id", "name", "country_code",
                                                        "is_lea")),
    ]  # fmt: skip


def test_the_four_real_files_import_712_projects_and_8366_participations(
    cordis_dir: Path,
) -> None:
    output = _import(*_all_four(cordis_dir))
    assert "projects: 712 imported (712 created, 0 updated, 0 unchanged)" in output
    assert "participations: 8366 imported (8366 created, 0 updated, 0 unchanged)" in output
    assert "rejected rows: 0" in output
    assert Project.objects.count() == 712
    assert Participation.objects.count() == 8366
    ileanet = Project.objects.get(source="cordis", source_id="740714")
    assert ileanet.acronym == "ILEAnet"
    assert ileanet.participations.filter(role="coordinator").count() == 1
    # imported records are public and TLP:CLEAR, visible to anonymous readers
    assert item_audience(ileanet) == {"public"} and ileanet.tlp == "CLEAR"
    assert filter_visible(ANONYMOUS, Project.objects.all()).count() == 712
    # organisations are de-duplicated on their CORDIS id
    assert ResearchOrganisation.objects.count() == len(
        set(Participation.objects.values_list("organisation__cordis_id", flat=True))
    )
    # CORDIS country codes become ISO codes
    codes = set(ResearchOrganisation.objects.values_list("country_code", flat=True))
    assert {"GR", "GB"} <= codes and not {"EL", "UK"} & codes
    [entry] = AuditEntry.objects.filter(action="knowledge.cordis_imported")
    assert entry.data["projects"]["created"] == 712


def test_a_second_import_changes_nothing_and_status_comes_from_the_dates(
    cordis_dir: Path,
) -> None:
    _import(*_all_four(cordis_dir))
    before = _state()
    output = _import(*_all_four(cordis_dir))
    assert "projects: 712 imported (0 created, 0 updated, 712 unchanged)" in output
    assert "participations: 8366 imported (0 created, 0 updated, 8366 unchanged)" in output
    assert _state() == before
    # FP7's sample marks every project "ONG", though all ended years ago
    fp7 = Project.objects.filter(framework="FP7")
    assert set(fp7.values_list("source_status", flat=True)) <= {"ONG", "CAN"}
    assert not fp7.filter(status=ProjectStatus.ONGOING).exists()
    assert fp7.filter(source_status="CAN").get().status == ProjectStatus.CANCELLED
    assert Project.objects.filter(source_status="TERMINATED").count() == 2
    assert set(Project.objects.filter(source_status="TERMINATED").values_list(
        "status", flat=True)) == {ProjectStatus.TERMINATED}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "start", "end", "expected"),
    [
        ("ONG", date(2012, 1, 1), date(2015, 1, 1), ProjectStatus.ENDED),
        ("ONG", date(2026, 1, 1), date(2028, 1, 1), ProjectStatus.ONGOING),
        ("SIGNED", date(2027, 6, 1), date(2029, 1, 1), ProjectStatus.PLANNED),
        ("SIGNED", date(2018, 1, 1), date(2021, 1, 1), ProjectStatus.ENDED),
        ("CLOSED", date(2018, 1, 1), date(2021, 1, 1), ProjectStatus.ENDED),
        ("TERMINATED", date(2026, 1, 1), date(2028, 1, 1), ProjectStatus.TERMINATED),
        ("CAN", date(2026, 1, 1), date(2028, 1, 1), ProjectStatus.CANCELLED),
    ],
)
def test_derive_status(code: str, start: date, end: date, expected: str) -> None:
    assert derive_status(code, start, end, today=date(2026, 11, 28)) == expected


def test_country_codes() -> None:
    assert iso_country("EL") == "GR"
    assert iso_country("UK") == "GB"
    assert iso_country("de") == "DE"
    assert iso_country("XK") == "XK"
    assert iso_country("ZZ") == ""


PROJECTS = """\
id,acronym,status,programme,topics,frameworkProgramme,title,startDate,endDate,projectUrl,\
objective,totalCost,ecMaxContribution,call,fundingScheme,coordinator,coordinatorCountry,\
participants,participantCountries
1001,GOOD,SIGNED,H2020-EU.3.7.,SEC,H2020,Good one,2018-01-01,2020-12-31,,T,100.5,90,C,RIA,X,DE,,
abc,BADID,SIGNED,H2020-EU.3.7.,SEC-1,H2020,Bad id,2018-01-01,2020-12-31,,T,1,1,C,RIA,X,DE,,
1002,,SIGNED,H2020-EU.3.7.,SEC-1,H2020,No acronym,2018-01-01,2020-12-31,,T,1,1,C,RIA,X,DE,,
1003,DATES,SIGNED,H2020-EU.3.7.,SEC-1,H2020,Backwards,2020-01-01,2018-12-31,,T,1,1,C,RIA,X,DE,,
1004,MONEY,SIGNED,H2020-EU.3.7.,SEC-1,H2020,Money,2018-01-01,2020-12-31,,T,lots,1,C,RIA,X,DE,,
1005,CODE,WHATEVER,H2020-EU.3.7.,SEC-1,H2020,Code,2018-01-01,2020-12-31,,T,1,1,C,RIA,X,DE,,
1001,TWICE,SIGNED,H2020-EU.3.7.,SEC-1,H2020,Twice,2018-01-01,2020-12-31,,T,1,1,C,RIA,X,DE,,
1006,BADDATE,SIGNED,H2020-EU.3.7.,SEC-1,H2020,Date,01/02/2018,2020-12-31,,T,1,1,C,RIA,X,DE,,
"""
PARTICIPATIONS = """\
projectID,projectAcronym,role,id,name,shortName,activityType,endOfParticipation,\
ecContribution,country,city,organizationUrl
1001,GOOD,coordinator,900000001,HELLENIC POLICE,HP,PUB,false,50,EL,Athens,
1001,GOOD,participant,900000002,POLITECNICO DI MILANO,POLIMI,HES,false,40,IT,Milano,
9999,NOPE,participant,900000003,Orphan,O,PRC,false,1,DE,Berlin,
1001,GOOD,participant,900000002,POLITECNICO DI MILANO,POLIMI,HES,false,40,IT,Milano,
1001,GOOD,boss,900000004,Role,R,PRC,false,1,DE,Berlin,
1001,GOOD,participant,900000005,Country,C,PRC,false,1,QQ,Nowhere,
1001,GOOD,participant,900000006,Kind,K,XYZ,false,1,DE,Berlin,
1001,GOOD,participant,x,Org id,I,PRC,false,1,DE,Berlin,
1001,GOOD,participant,900000007,Money,M,PRC,false,much,DE,Berlin,
"""


def test_a_file_with_broken_rows_names_each_one(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "q.csv").write_text(PARTICIPATIONS, encoding="utf-8")
    output = _import("--projects", tmp_path / "p.csv", "--participations", tmp_path / "q.csv")
    rejected = [line.strip() for line in output.splitlines() if "rejected:" in line]
    assert rejected == [
        "rejected: p.csv:3: project id 'abc' is not a CORDIS id",
        "rejected: p.csv:4: project 1002: acronym and title are required",
        "rejected: p.csv:5: project 1003: ends (2018-12-31) before it starts (2020-01-01)",
        "rejected: p.csv:6: project 1004: totalCost and ecMaxContribution must be amounts",
        "rejected: p.csv:7: project 1005: unknown status 'WHATEVER'",
        "rejected: p.csv:8: project 1001 is listed twice",
        "rejected: p.csv:9: project 1006: dates must be YYYY-MM-DD",
        "rejected: q.csv:4: participation in unknown project '9999'",
        "rejected: q.csv:5: organisation 900000002 is listed twice in project 1001",
        "rejected: q.csv:6: organisation 900000004: unknown role 'boss'",
        "rejected: q.csv:7: organisation 900000005: unknown country code 'QQ'",
        "rejected: q.csv:8: organisation 900000006: unknown activity type 'XYZ'",
        "rejected: q.csv:9: organisation id 'x' is not a CORDIS id",
        "rejected: q.csv:10: organisation 900000007: ecContribution must be an amount",
    ]
    assert "rejected rows: 14" in output
    # the good rows are in
    project = Project.objects.get(source_id="1001")
    assert (project.acronym, str(project.total_cost)) == ("GOOD", "100.50")
    police = ResearchOrganisation.objects.get(cordis_id="900000001")
    assert (police.country_code, police.is_lea, police.lea_basis) == ("GR", True, "police")
    assert not ResearchOrganisation.objects.get(cordis_id="900000002").is_lea
    assert Participation.objects.count() == 2


def test_a_file_that_is_not_a_cordis_export_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("name,kind\nA,B\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a CORDIS export: the header lacks id"):
        _import("--projects", tmp_path / "x.csv")
    (tmp_path / "y.csv").write_bytes(b"id,acronym\n\xff\xfe\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        _import("--projects", tmp_path / "y.csv")
    assert Project.objects.count() == 0


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(PROJECTS, encoding="utf-8")
    output = _import("--projects", tmp_path / "p.csv", "--dry-run")
    assert "projects: 1 would be (1 created, 0 updated, 0 unchanged)" in output
    assert Project.objects.count() == 0
    assert not AuditEntry.objects.filter(action="knowledge.cordis_imported").exists()


def test_a_changed_row_is_updated_in_place(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(PROJECTS, encoding="utf-8")
    _import("--projects", tmp_path / "p.csv")
    pk = Project.objects.get(source_id="1001").pk
    (tmp_path / "p.csv").write_text(PROJECTS.replace("Good one", "A better one"))
    output = _import("--projects", tmp_path / "p.csv")
    assert "projects: 1 imported (0 created, 1 updated, 0 unchanged)" in output
    assert Project.objects.get(source_id="1001").pk == pk
    assert Project.objects.get(pk=pk).title == "A better one"
