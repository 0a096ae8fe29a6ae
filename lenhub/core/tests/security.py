"""Helpers for the security-baseline tests: header checks and an HTML asset scan."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.test import Client

# Sources that would let a script run from anywhere or from inline code.
UNSAFE_SCRIPT_SOURCES = {
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'unsafe-hashes'",
    "'wasm-unsafe-eval'",
    "*",
    "http:",
    "https:",
    "data:",
    "blob:",
}
WIDE_SOURCES = {"*", "http:", "https:"}
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}
# Attributes that make a browser fetch something (or send the form somewhere).
ASSET_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction"}


def csp_directives(header: str) -> dict[str, list[str]]:
    """``"script-src 'self'; img-src 'self' data:"`` -> {"script-src": ["'self'"], ...}."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def header_problems(headers: Mapping[str, str]) -> list[str]:
    """Everything wrong with the security headers of one response ([] when fine)."""
    problems: list[str] = []
    policy = headers.get("Content-Security-Policy")
    if not policy:
        return ["no Content-Security-Policy", *_other_header_problems(headers)]
    directives = csp_directives(policy)
    default = directives.get("default-src")
    if default is None:
        problems.append("CSP without default-src")
    elif WIDE_SOURCES & set(default):
        problems.append(f"CSP default-src is wide open: {default}")
    scripts = directives.get("script-src", default)
    if scripts is None:
        problems.append("CSP without script-src or default-src")
    elif UNSAFE_SCRIPT_SOURCES & set(scripts):
        problems.append(f"CSP script-src allows {sorted(UNSAFE_SCRIPT_SOURCES & set(scripts))}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"CSP frame-ancestors is {directives.get('frame-ancestors')}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"CSP object-src is {directives.get('object-src')}")
    if "base-uri" not in directives:
        problems.append("CSP without base-uri")
    if "form-action" not in directives or WIDE_SOURCES & set(directives["form-action"]):
        problems.append(f"CSP form-action is {directives.get('form-action')}")
    return problems + _other_header_problems(headers)


def _other_header_problems(headers: Mapping[str, str]) -> list[str]:
    problems = []
    if headers.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {headers.get('X-Frame-Options')!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options is {headers.get('X-Content-Type-Options')!r}")
    if headers.get("Referrer-Policy") not in {"same-origin", "no-referrer", "strict-origin"}:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    return problems


def cache_control_problems(headers: Mapping[str, str]) -> list[str]:
    """A response to a signed-in person must not be kept by any cache."""
    parts = {p.strip().split("=")[0].lower() for p in headers.get("Cache-Control", "").split(",")}
    missing = {"private", "no-store"} - parts
    return [f"Cache-Control {headers.get('Cache-Control')!r} lacks {sorted(missing)}"] * bool(
        missing
    )


class _AssetScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ASSET_ATTRIBUTES:
                for candidate in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((tag, name, candidate.strip().split(" ")[0]))
            if name.startswith("on"):
                self.inline.append(f"<{tag} {name}=...> (inline event handler)")
            if name == "style":
                self.inline.append(f"<{tag} style=...> (inline style)")
            if name == "href" and value.strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} href=javascript:...>")
        script = dict(attrs)
        if tag == "script" and not script.get("src"):
            # a data block (type="application/json") is never run; anything else would be
            self._in_script = (script.get("type") or "").lower() not in DATA_BLOCK_TYPES
        if tag == "style":
            self.inline.append("<style> element (inline style)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("<script> with inline code")


def html_problems(html: str, own_host: str) -> list[str]:
    """External assets (anything fetched from another host) and inline code or styles,
    which the Content-Security-Policy would block and so silently break the page."""
    scanner = _AssetScanner()
    scanner.feed(html)
    scanner.close()
    problems = list(scanner.inline)
    for tag, attribute, url in scanner.urls:
        parts = urlsplit(url)
        if parts.scheme in {"http", "https", ""} and parts.netloc and parts.netloc != own_host:
            problems.append(f"<{tag} {attribute}={url!r}> points to another host")
        elif parts.scheme not in {"http", "https", "", "data", "mailto"}:
            problems.append(f"<{tag} {attribute}={url!r}> uses scheme {parts.scheme!r}")
    return problems


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(client: Client, path: str) -> str:
    """The token from the form on ``path`` (every page has one: the language form)."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.content.decode())
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)
