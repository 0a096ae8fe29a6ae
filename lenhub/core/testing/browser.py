"""Browser-test helpers: a headless Chromium driven by Playwright and a real local SMTP
server that captures what the application sends. Also: signing in through the real
pages (:func:`sign_in`), watching pages for CSP violations and script errors
(:func:`watch`), refusing every request for another machine (:func:`keep_local`) and a
virtual security key (:func:`virtual_authenticator`). Accessibility checks are in
:mod:`lenhub.core.testing.axe`.

Playwright's own browser download is not used; tests run Debian's Chromium at
``/usr/bin/chromium`` (``LENHUB_CHROMIUM`` overrides the path). Tests that need it
should skip when :func:`chromium_available` is false.

Playwright's synchronous API keeps an asyncio event loop running in the test thread, so
Django would refuse ORM calls made from that thread while a browser is open; the fixtures
that open a browser set ``DJANGO_ALLOW_ASYNC_UNSAFE`` for the duration of the test (with
``monkeypatch``), never globally.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        CDPSession,
        ConsoleMessage,
        Error,
        Page,
        Request,
        Response,
        Route,
        WebSocketRoute,
    )

CHROMIUM = Path(os.environ.get("LENHUB_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- Chromium ---------------------------------------------------------------------------


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


CHROMIUM_MISSING = (
    f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium, or set "
    "LENHUB_CHROMIUM); Playwright's own browser download is not used"
)


def url_pattern(pattern: str) -> re.Pattern[str]:
    """A page URL on any host whose path matches the regular expression ``pattern``."""
    return re.compile(r"^https?://[^/]+" + pattern + r"$")


def field_label(text: str) -> re.Pattern[str]:
    """A form field's label, exactly, with or without Django's colon."""
    return re.compile(r"^\s*" + re.escape(text) + r":?\s*$")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium (a Playwright ``Browser``), closed on exit.

    Database connections the test opened while the browser ran are closed on exit too:
    Django keeps connections per (async) context, and ORM calls made while Playwright's
    event loop runs got connections that Django's own test teardown did not close (on
    PostgreSQL the test database could then not be dropped: "being accessed by other
    users"). Connections inside a transaction (``atomic``) are left alone."""
    from django.conf import settings
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()
            if settings.configured:
                for connection in connections.all(initialized_only=True):
                    if not connection.in_atomic_block:
                        connection.close()


def new_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A fresh browser context (its own cookies and storage) resolving relative URLs
    against ``base_url``, in British English, with a 15-second default timeout."""
    options.setdefault("locale", "en-GB")
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(15_000)
    return context


@dataclass
class Document:
    """An HTML page the browser received."""

    url: str
    status: int
    headers: dict[str, str]


@dataclass
class PageWatch:
    """What a page received and complained about while a test drove it."""

    documents: list[Document] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)


def watch(page: Page) -> PageWatch:
    """Record every HTML document ``page`` loads, every Content-Security-Policy
    violation it reports on the console and every uncaught script error."""
    seen = PageWatch()

    def on_response(response: Response) -> None:
        if response.request.resource_type != "document":
            return
        headers = response.headers  # no round trip: safe inside an event handler
        if headers.get("content-type", "").startswith("text/html"):
            seen.documents.append(Document(response.url, response.status, headers))

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.csp_violations.append(f"{page.url}: {message.text}")

    def on_page_error(error: Error) -> None:
        seen.script_errors.append(f"{page.url}: {error.name}: {error.message}")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return seen


def csp_directives(header: str) -> dict[str, list[str]]:
    """``"script-src 'self'; img-src 'self' data:"`` as a directive -> sources mapping."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def assert_strict_csp(document: Document) -> None:
    """The page carries a Content-Security-Policy whose scripts (script-src, or
    default-src where script-src is absent) exclude inline code."""
    header = document.headers.get("content-security-policy")
    assert header, f"no Content-Security-Policy on {document.url}"
    directives = csp_directives(header)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, f"no script-src or default-src on {document.url}: {header}"
    assert "'unsafe-inline'" not in scripts, f"'unsafe-inline' scripts on {document.url}"
    assert "'unsafe-eval'" not in scripts, f"'unsafe-eval' scripts on {document.url}"


# --- no request leaves the machine ---------------------------------------------------------

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class RequestLog:
    """Every request pages of a context made (``urls``), and those :func:`keep_local`
    refused because they were addressed to another machine (``refused``)."""

    urls: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname or urlsplit(url).scheme for url in self.urls}


def is_local(url: str) -> bool:
    """Whether ``url`` stays on this machine: an http(s)/ws(s) URL for 127.0.0.1 or
    localhost, or a URL that names no host at all (``data:``, ``blob:``, ``about:``)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOCAL_HOSTS


def keep_local(context: BrowserContext) -> RequestLog:
    """Intercept every request of ``context`` (``context.route``) and every WebSocket
    (``context.route_web_socket``): local ones go ahead, any other is aborted before it
    leaves and recorded in :attr:`RequestLog.refused`."""
    log = RequestLog()

    def on_request(route: Route, request: Request) -> None:
        log.urls.append(request.url)
        if is_local(request.url):
            route.continue_()
        else:
            log.refused.append(request.url)
            route.abort("blockedbyclient")

    def on_web_socket(socket: WebSocketRoute) -> None:
        log.urls.append(socket.url)
        if is_local(socket.url):
            socket.connect_to_server()
        else:
            log.refused.append(socket.url)
            socket.close(code=1008, reason="lenhub tests: no remote hosts")

    context.route("**/*", on_request)
    context.route_web_socket(re.compile(".*"), on_web_socket)
    return log


# --- security keys --------------------------------------------------------------------------


@dataclass
class VirtualAuthenticator:
    """A WebAuthn authenticator emulated by Chromium (DevTools' WebAuthn domain) for one
    page: ceremonies on that page talk to it instead of a USB or platform key."""

    cdp: CDPSession
    authenticator_id: str

    def credentials(self) -> list[dict[str, Any]]:
        result = self.cdp.send(
            "WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id}
        )
        return list(result["credentials"])


def virtual_authenticator(
    page: Page, options: Mapping[str, Any] | None = None
) -> VirtualAuthenticator:
    """Attach a virtual CTAP2 authenticator to ``page``: internal (platform) transport,
    resident keys, user verification that always succeeds, presence simulated."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    settings = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
        **(options or {}),
    }
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": settings})
    return VirtualAuthenticator(cdp, str(result["authenticatorId"]))


# --- TOTP -------------------------------------------------------------------------------


def totp_code_for_form(secret: str, *, not_code: str | None = None, margin: float = 3.0) -> str:
    """A TOTP code that stays valid while a browser types and submits it: the server
    accepts only the current 30-second period, so with fewer than ``margin`` seconds left
    wait for the next one. ``not_code`` (a code already used) is never returned."""
    import pyotp

    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < margin:
        time.sleep(left + 0.1)
    code = totp.now()
    while code == not_code:
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)
        code = totp.now()
    return code


_codes_used: dict[str, str] = {}


def sign_in(page: Page, email: str, password: str, totp_secret: str | None = None) -> None:
    """Sign in through the real pages: email and password, then, when ``totp_secret`` is
    given, a code from the authenticator app on the second-factor page (never one this
    process already used: the server refuses a code twice). Returns once the browser has
    left that page (or the sign-in page)."""
    main = page.locator("main")
    page.goto("/accounts/login/")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(password)
    main.get_by_role("button", name="Sign In").click()
    if totp_secret is None:
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    code = totp_code_for_form(totp_secret, not_code=_codes_used.get(totp_secret))
    _codes_used[totp_secret] = code
    main.get_by_label(re.compile(r"^Code:?$")).fill(code)
    main.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)


def adopt_session(context: BrowserContext, base_url: str, cookies: Any) -> None:
    """Give the browser ``context`` the cookies of a session signed in over plain HTTP
    (a ``requests`` cookie jar, e.g. from ``lenhub.conftest.http_sign_in``): quicker
    than signing in through the pages when the sign-in itself is not under test."""
    context.add_cookies(
        [
            {
                "name": cookie.name,
                "value": cookie.value or "",
                "url": base_url,
                "httpOnly": bool(cookie.has_nonstandard_attr("HttpOnly")),
                "sameSite": "Lax",
            }
            for cookie in cookies
        ]
    )


def confirm_password_if_asked(page: Page, password: str) -> None:
    """Sensitive pages (adding a second factor, recovery codes) first ask for the password
    again; answer if this page is that question."""
    if "/accounts/reauthenticate/" in page.url:
        main = page.locator("main")
        main.locator('input[name="password"]').fill(password)
        main.get_by_role("button", name="Confirm").click()
        page.wait_for_url(lambda url: "/accounts/reauthenticate/" not in url)


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        """The plain-text body (decoded)."""
        part = self.message.get_body(preferencelist=("plain",))
        return str(part.get_content()) if part is not None else ""

    def links(self, path_prefix: str = "") -> list[str]:
        """http(s) links in the text body whose path starts with ``path_prefix``."""
        pattern = re.compile(r"https?://[^/\s]+" + re.escape(path_prefix) + r"[^\s<>\"']*")
        return pattern.findall(self.text)


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.deliver(
            ReceivedMail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], message)
        )
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 and a free port, in its own thread. Whatever it
    receives is kept in :attr:`messages`; :meth:`wait_for` blocks until a match arrives."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        self._controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every line
        last_error: OSError | None = None
        for _attempt in range(5):  # the free port may be taken before we bind it again
            port = free_port(self.host)
            controller = Controller(
                _Handler(self), hostname=self.host, port=port, server_hostname="lenhub-test-smtp"
            )
            try:
                controller.start()
            except OSError as error:
                last_error = error
                continue
            self._controller, self.port = controller, port
            return
        raise RuntimeError(f"could not start the test SMTP server: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def deliver(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.messages.append(mail)
            self._arrived.notify_all()

    def wait_for(
        self,
        *,
        to: str | None = None,
        match: Callable[[ReceivedMail], bool] | None = None,
        timeout: float = 15.0,
    ) -> ReceivedMail:
        """The first message received (so far or within ``timeout`` seconds) that is
        addressed to ``to`` and satisfies ``match``."""

        def matches(mail: ReceivedMail) -> bool:
            if to is not None and to.lower() not in {r.lower() for r in mail.rcpt_tos}:
                return False
            return match is None or match(mail)

        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = next((m for m in self.messages if matches(m)), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    received = [(m.rcpt_tos, m.subject) for m in self.messages]
                    raise AssertionError(
                        f"no email to {to!r} within {timeout}s; received: {received}"
                    )
                self._arrived.wait(remaining)

    def configure_django(self, settings: Any) -> None:
        """Point Django's mail at this server (``settings`` is pytest-django's fixture)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = self.host
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10


@contextmanager
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
