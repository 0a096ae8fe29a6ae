"""Accessibility checks in browser tests with axe-core (Deque, MPL-2.0).

axe-core is vendored under ``vendor/`` (``axe.min.js`` with its licences; see
``vendor/README.md``): a test-only file that lenhub never serves, so no page needs to
allow it. It is injected with ``page.evaluate``, which runs through the DevTools
protocol and is not subject to the page's Content-Security-Policy: nothing about the
page, its headers or its CSP changes for the check.

By default only the WCAG 2.0 and 2.1 level A and AA rules run; lenhub's own browser
tests also run axe's best practices (``STRICT_TAGS``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from playwright.sync_api import Page

AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# WCAG 2.0/2.1 A and AA plus axe's best practices, which include the landmark rules
# (region, landmark-one-main, ...) and heading order: what lenhub's pages are held to.
STRICT_TAGS = (*WCAG_TAGS, "best-practice")

_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: 'tag', values: tags },
    resultTypes: ['violations'],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    tags: v.tags,
    nodes: v.nodes.map((n) => ({
      target: n.target,
      html: n.html,
      summary: n.failureSummary,
    })),
  }));
}"""


@cache
def axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Page, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict[str, Any]]:
    """The violations axe-core finds in the page as it is now, for the rules tagged with
    any of ``tags`` (by default WCAG 2.0/2.1 A and AA): each a dict with the rule ``id``,
    ``impact``, ``help``, ``helpUrl``, ``tags`` and the offending ``nodes`` (``target``
    selector, ``html``, failure ``summary``)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    violations: list[dict[str, Any]] = page.evaluate(_RUN, list(tags))
    return violations


def format_violations(found: Mapping[str, list[dict[str, Any]]]) -> str:
    """A readable report of :func:`axe_violations` results keyed by page."""
    lines: list[str] = []
    for where, violations in found.items():
        for violation in violations:
            lines.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
                summary = " ".join(str(node.get("summary") or "").split())
                if summary:
                    lines.append(f"        {summary[:300]}")
            if len(violation["nodes"]) > 5:
                lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
