"""Monitoring's part of the access matrix: following, the timeline, notifications and the
emails they send, judged with the knowledge matrix's canaries (DESIGN §2: notifications
and emails are read surfaces; titles of AMBER and RED items appear in no email).

Every signed-in persona follows the public seed project and a topic made of words every
canary's title carries (``TOPIC``), through ``follow_add``, before any canary is planted
(``plant_knowledge(world, follow=follow_seed)``). The result canaries are results of the
seed and the technology watch canaries carry the topic in their technology, so planting
them publishes them the real way: on commit, ``result_published`` and
``techwatch_published`` record an update and notify each follower the policy lets see it,
with an email unless they opted out. Who may see each canary is ``EXPECTED`` (written by
hand in the knowledge matrix), less the visitor, who cannot follow.

Judged for every persona and every result and technology watch canary:

- ``/monitoring/`` (one fetch), its notifications (and unread count) and its timeline;
- the timeline and the unread notifications (``total`` is the unread count) in the API,
  by session and by token (scope ``monitoring:read``);
- the emails the persona got: a TLP:CLEAR or TLP:GREEN canary is named (title and link)
  exactly when allowed, once; an AMBER or RED canary is named in nobody's email, neither
  by title nor by its link, and the persona gets exactly one unnamed "something new"
  email per such canary they may see.

Guidance canaries (``NOTIFIED``) reach no followers: publishing notifies, on commit, the
active members of their network (ENLETS) whom the policy lets see them. They are judged
on the notifications (page and API: listed with their label exactly when allowed, and
counted in the unread total), never on the timeline, and by their own emails (full
content for TLP:CLEAR and TLP:GREEN, only "new guidance" with a link otherwise).

A new monitored kind: add it to ``MONITORED`` once its planter makes it reach followers
of the seed or the topic. A new surface: a row in ``SURFACES`` and, if it reads unlike
the others, a branch in ``_judge``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lenhub.access.policy import viewer_for_user
from lenhub.access.tests.matrix import ENLETS_MEMBERS, PERSONAS, TOKEN, TOKEN_REFUSED, Fetch
from lenhub.access.tests.matrix_knowledge import EXPECTED, KINDS, THEME, Canary, Case, Planted
from lenhub.conftest import World
from lenhub.knowledge.models import Project
from lenhub.monitoring.models import FollowKind
from lenhub.monitoring.services import follow_add

# Two words of THEME, which every canary's title carries: a whole-word topic match.
TOPIC = "sonar buoys"
assert f" {TOPIC} " in f" {THEME} "
MONITORED = ("result", "techwatch")  # the canary kinds that reach followers
NOTIFIED = ("guidance",)  # the kinds that reach the members of their network instead
# Active members of ENLETS, whatever their vetting or second factor (the leaver left).
ENLETS_ACTIVE = ENLETS_MEMBERS | {"vetted_no_mfa", "expired"}
GUIDANCE_EMAIL_LINE = "as a member of a network on lenhub"  # in every guidance email
FOLLOWERS = [p for p in PERSONAS if p != "anonymous"]  # a visitor follows nothing

PAGE = "/monitoring/"
TIMELINE_API = "/api/v1/monitoring/timeline?limit=100"
UNREAD_API = "/api/v1/monitoring/notifications?unread=true&limit=100"
EMAIL = "email"  # not a path: the messages sent to the persona
SURFACES: dict[str, str] = {
    "notifications_page": PAGE,
    "timeline_page": PAGE,
    "timeline_api": TIMELINE_API,
    "token_timeline_api": TOKEN + TIMELINE_API,
    "notifications_api": UNREAD_API,
    "token_notifications_api": TOKEN + UNREAD_API,
    "email": EMAIL,
}
MONITORING_SURFACES = SURFACES
FOLLOWING_PAGE_LINE = "is on your Following page:"  # in every update email


def follow_seed(world: World, seed: Project, personas: list[str] = FOLLOWERS) -> None:
    """Every signed-in persona (of ``personas``) follows the seed project and the topic, as
    they could on the page (the seed is public: anyone signed in may follow it)."""
    for persona in personas:
        if persona not in FOLLOWERS:
            continue
        user = world.people[persona]
        viewer = viewer_for_user(user, mfa_verified=True)
        follow_add(user=user, viewer=viewer, kind=FollowKind.PROJECT, project_id=seed.pk)
        follow_add(user=user, viewer=viewer, kind=FollowKind.TOPIC, topic=TOPIC)


def allowed(persona: str, canary: Canary, surface: str = "") -> bool:
    if canary.kind in NOTIFIED:
        if "timeline" in surface:
            return False
        return persona in EXPECTED[canary.name] and persona in ENLETS_ACTIVE
    return persona in EXPECTED[canary.name] and persona in FOLLOWERS


def _monitored(planted: Planted) -> list[Canary]:
    return [c for c in planted.canaries if c.kind in MONITORED]


def _judged(planted: Planted) -> list[Canary]:
    return [c for c in planted.canaries if c.kind in MONITORED + NOTIFIED]


def cases_per_persona(planted: Planted, surfaces: list[str] | None = None) -> int:
    return len(surfaces or SURFACES) * len(_judged(planted))


def _nameable(canary: Canary) -> bool:
    return canary.tlp in ("CLEAR", "GREEN")


def _emails_of(
    world: World, persona: str, outbox: list[Any], line: str = FOLLOWING_PAGE_LINE
) -> list[str]:
    """The update (or guidance) emails the persona got, each as its subject and body."""
    if persona not in world.people:
        return []
    address = world.people[persona].email
    return [f"{m.subject}\n{m.body}" for m in outbox if address in m.to and line in m.body]


def run_monitoring_matrix(
    fetch: Fetch,
    world: World,
    planted: Planted,
    outbox: list[Any],
    surfaces: list[str] | None = None,
    personas: list[str] = PERSONAS,
) -> list[Case]:
    """One request per (persona, distinct path), judged for every monitored canary."""
    cases = []
    for persona in personas:
        answers: dict[str, tuple[int, str]] = {}
        for surface in surfaces or list(SURFACES):
            path = SURFACES[surface]
            if path not in answers:
                if path == EMAIL:
                    answers[path] = (0, "\n\n".join(_emails_of(world, persona, outbox)))
                else:
                    answers[path] = fetch(persona, path)
            status, body = answers[path]
            for canary in _judged(planted):
                case = Case(persona, surface, canary.kind, canary.name,
                            allowed(persona, canary, surface), status, False, False)  # fmt: skip
                if path == EMAIL and canary.kind in NOTIFIED:
                    emails = _emails_of(world, persona, outbox, GUIDANCE_EMAIL_LINE)
                    _judge_guidance_email(case, canary, planted, emails)
                elif path == EMAIL:
                    _judge_email(case, canary, planted, _emails_of(world, persona, outbox))
                else:
                    _judge(case, canary, planted, status, body)
                cases.append(case)
    return cases


def _visible(persona: str, planted: Planted, surface: str) -> int:
    return sum(allowed(persona, c, surface) for c in _judged(planted))


def _section(body: str, start: str, end: str) -> str:
    begin = body.find(f'id="{start}"')
    return body[begin : body.find(f'id="{end}"', begin)] if begin >= 0 else ""


def _judge(case: Case, canary: Canary, planted: Planted, status: int, body: str) -> None:
    persona, surface = case.persona, case.surface
    wanted = _visible(persona, planted, surface)
    label = f"TLP:{canary.tlp}"
    if surface.startswith("token_") and persona in TOKEN_REFUSED:
        case.seen = canary.word in body
        case.ok = status == 401 and not case.seen
        return
    if persona == "anonymous":  # no account: the page asks to sign in, the API refuses
        case.seen = canary.word in body
        case.ok = status == (302 if surface.endswith("_page") else 401) and not case.seen
        return
    problems = []
    if surface.endswith("_page"):
        if surface == "notifications_page":
            part = _section(body, "notifications-heading", "timeline-heading")
            count = re.search(r'<span class="badge">(\d+) unread</span>', part)
            total = int(count.group(1)) if count else None
        else:
            part = _section(body, "timeline-heading", "follows-heading")
            total = part.count("<li>")
        items = re.findall(r"<li>(.*?)</li>", part, re.S)
        entries = [item for item in items if canary.word in item]
        case.seen = canary.word in part
        labelled = all(label in entry for entry in entries)
    else:
        data = json.loads(body) if status == 200 else {"results": [], "total": None}
        rows = [row.get("update", row) for row in data["results"]]
        entries = [row for row in rows if canary.word in row["title"]]
        total = data["total"]
        case.seen = canary.word in body
        labelled = all(row["tlp"] == label for row in entries)
    if total != wanted:
        problems.append(f"total {total} not {wanted}")
    if case.seen and len(entries) != 1:
        problems.append(f"{len(entries)} entries")
    if not labelled:
        problems.append("label")
    case.detail = ", ".join(problems)
    case.ok = status == 200 and case.seen == case.allowed and not problems


def _judge_email(case: Case, canary: Canary, planted: Planted, emails: list[str]) -> None:
    """Named (title or link) exactly when allowed and the label lets email name it; an
    unnamed email for each AMBER or RED canary the persona may see."""
    link = KINDS[canary.kind].page.format(pk=canary.pk)
    naming = [e for e in emails if canary.word in e or f"{link}\n" in e or f"{link} " in e]
    case.seen = bool(naming)
    problems = []
    if case.allowed and _nameable(canary) and len(naming) != 1:
        problems.append(f"named in {len(naming)} emails")
    unnamed = sum(1 for e in emails if not any(c.word in e for c in _monitored(planted)))
    strict = sum(allowed(case.persona, c) and not _nameable(c) for c in _monitored(planted))
    if unnamed != strict:
        problems.append(f"{unnamed} unnamed emails not {strict}")
    case.detail = ", ".join(problems)
    case.ok = case.seen == (case.allowed and _nameable(canary)) and not problems


def _judge_guidance_email(case: Case, canary: Canary, planted: Planted, emails: list[str]) -> None:
    """TLP:CLEAR and TLP:GREEN: the title and link in one email exactly when allowed.
    AMBER and RED: the title in nobody's email; the link in one "new guidance" email
    exactly when allowed. And no more unnamed emails than AMBER and RED canaries the
    persona may see."""
    link = KINDS[canary.kind].page.format(pk=canary.pk)
    guidance = [c for c in planted.canaries if c.kind in NOTIFIED]
    titled = [e for e in emails if canary.word in e]
    linked = [e for e in emails if f"{link}\n" in e]
    wanted = 1 if case.allowed else 0
    problems = []
    if _nameable(canary):
        case.seen = bool(titled or linked)
        if (len(titled), len(linked)) != (wanted, wanted):
            problems.append(f"titled in {len(titled)}, linked in {len(linked)} emails")
    else:
        case.seen = bool(titled)
        if len(linked) != wanted:
            problems.append(f"linked in {len(linked)} emails")
    unnamed = sum(1 for e in emails if not any(c.word in e for c in guidance))
    strict = sum(allowed(case.persona, c) and not _nameable(c) for c in guidance)
    if unnamed != strict:
        problems.append(f"{unnamed} unnamed emails not {strict}")
    case.detail = ", ".join(problems)
    case.ok = case.seen == (case.allowed and _nameable(canary)) and not problems


def summarise_monitoring(cases: list[Case]) -> str:
    bad = [c for c in cases if not c.ok]
    lines = [f"{len(cases)} cases, {len(bad)} failed"]
    lines += [
        f"  {c.persona:<16} {c.surface:<24} {c.kind}:{c.item:<22} allowed={c.allowed} "
        f"status={c.status} seen={c.seen} {c.detail}"
        for c in bad[:40]
    ]
    return "\n".join(lines)
