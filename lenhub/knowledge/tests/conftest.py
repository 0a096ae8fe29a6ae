from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

from lenhub.access.policy import viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import User
from lenhub.conftest import World, build_world, client_sign_in
from lenhub.knowledge.models import BestPractice, Concept, Project, Result, TechWatch
from lenhub.knowledge.services import knowledge_item_create, uptake_record
from lenhub.search.indexing import reindex

REPO = Path(__file__).resolve().parents[3]


def shared_data() -> Path:
    """``../shared/data`` beside the repository (or ``LENHUB_SHARED_DATA``)."""
    return Path(os.environ.get("LENHUB_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def cordis_dir() -> Path:
    directory = shared_data() / "security-research"
    if not (directory / "fp7-security-projects.csv").exists():
        pytest.skip(f"the real CORDIS sample is not at {directory} (../shared/data absent)")
    return directory


# --- one world for the knowledge factory's pages, API and search ------------------------

CANARY = "zanzibarcanary"  # a word only the AMBER and RED canaries carry


@dataclass
class KnowledgeWorld:
    """People from ``build_world``, signed-in clients, and items of every kind at
    public, members, LEA, network AMBER and named-participant RED."""

    world: World
    clients: dict[str, Client]
    project: Project
    items: dict[str, Any] = field(default_factory=dict)  # "<kind>_<audience>" -> item

    def client(self, who: str) -> Client:
        return self.clients[who] if who != "anonymous" else Client()


def _viewer(user: User) -> Any:
    return viewer_for_user(user, mfa_verified=True)


def _make(model: Any, author: User, audience: list[str], tlp: str, **fields: Any) -> Any:
    return knowledge_item_create(
        model=model, viewer=_viewer(author), actor=author, fields=fields,
        audience=audience, tlp=tlp,
    )  # fmt: skip


def _red(model: Any, participant: User, **fields: Any) -> Any:
    """A RED item for named participants (the forms do not offer it: made directly)."""
    item = model.objects.create(tlp="RED", **fields)
    restricted_set_audience(item=item, audience=["participants"], tlp="RED", actor=None)
    item.participants.add(participant)
    return item


FIELDS: dict[str, tuple[Any, dict[str, Any]]] = {
    "result": (Result, {"kind": "tool", "title": "{t} result", "description": "{b}", "trl": 6}),
    "concept": (Concept, {"title": "{t} concept", "idea": "{b}", "seeking": "partners"}),
    "bestpractice": (
        BestPractice,
        {"title": "{t} practice", "topic": "Patrols", "country_code": "PL", "what_was_done": "{b}"},
    ),
    "techwatch": (TechWatch, {"technology": "{t} technology", "maturity": "emerging",
                              "assessment": "{b}"}),
}  # fmt: skip


def _fields(kind: str, title: str, body: str) -> dict[str, Any]:
    return {k: v.format(t=title, b=body) if isinstance(v, str) else v
            for k, v in FIELDS[kind][1].items()}  # fmt: skip


def _build(world: World) -> KnowledgeWorld:
    people = world.people
    project = Project.objects.create(acronym="KFTEST", title="A test project", tlp="CLEAR")
    restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    enlets = f"network:{world.enlets.pk}"
    kw = KnowledgeWorld(world=world, clients={}, project=project)
    for kind, (model, _fields_spec) in FIELDS.items():
        extra = {"project": project} if kind == "result" else {}
        kw.items[f"{kind}_public"] = _make(
            model, people["secretariat"], ["public"], "CLEAR",
            **_fields(kind, f"Open {kind}", "Anyone may read this."), **extra,
        )  # fmt: skip
        kw.items[f"{kind}_members"] = _make(
            model, people["stakeholder"], ["members"], "GREEN",
            **_fields(kind, f"Members {kind}", "For vetted members."), **extra,
        )  # fmt: skip
        kw.items[f"{kind}_amber"] = _make(
            model, people["lea_pl"], [enlets], "AMBER",
            **_fields(kind, f"Amber {kind}", f"{CANARY} for ENLETS members only."), **extra,
        )  # fmt: skip
        kw.items[f"{kind}_red"] = _red(
            model, people["nc_pl"],
            **_fields(kind, f"Red {kind}", f"{CANARY} for one named person."), **extra,
        )  # fmt: skip
    results = {k: v for k, v in kw.items.items() if k.startswith("result_")}
    for who, key, stage in (
        ("lea_pl", "result_public", "pilot"),
        ("lea_de", "result_public", "operational"),
        ("lea_fr_aquapol", "result_public", "interest"),
        ("lea_pl", "result_amber", "evaluation"),
        ("nc_pl", "result_red", "operational"),  # Polish Police again, another result
    ):
        person = people[who]
        uptake_record(viewer=_viewer(person), actor=person, result=results[key], stage=stage)
    # a narrower record of a public result: members only
    person = people["stakeholder"]
    uptake_record(
        viewer=_viewer(person), actor=person, result=results["result_public"],
        stage="evaluation", audience=["members"], tlp="GREEN",
    )  # fmt: skip
    reindex(["project", "result", "concept", "bestpractice", "techwatch"])
    return kw


@pytest.fixture(scope="module")
def kworld(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnowledgeWorld]:
    """Built once per module inside a transaction that is rolled back at the end; each
    test runs in a savepoint of it (pytest-django's ``db``)."""
    secrets = tmp_path_factory.mktemp("audit")
    settings = override_settings(
        PASSWORD_HASHERS=["lenhub.core.testing.hashers.FastArgon2PasswordHasher"],
        AUDIT_KEY_FILE=secrets / "audit.key",
        AUDIT_CHECKPOINT_FILE=secrets / "checkpoints.log",
    )
    with django_db_blocker.unblock(), settings:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            kw = _build(world)
            for who in ("stakeholder", "lea_pl", "lea_fr_aquapol", "registered", "nc_pl"):
                client = Client()
                client_sign_in(client, world.people[who].email, world.secrets[who])
                kw.clients[who] = client
            # Indexed above; the hooks waiting for a commit that never comes would
            # otherwise swallow the tests' own index updates.
            transaction.get_connection().run_on_commit.clear()
            yield kw
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
