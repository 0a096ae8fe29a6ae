"""Languages: the French and German catalogues are complete, current and compiled; pages
come in the reader's language, chosen by the browser or by the language switcher; and the
fonts lenhub serves itself cover Latin with its diacritics, Greek and Cyrillic.

The catalogues are made with ``make messages`` (Django's makemessages with the options in
MAKEMESSAGES below); the .mo files are committed, so running lenhub needs no gettext.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from fontTools.ttLib import TTFont

from lenhub.accounts.models import Country
from lenhub.conftest import client_sign_in, make_org, make_user

LENHUB = Path(settings.BASE_DIR)
LOCALE = LENHUB / "locale"
LANGUAGES = ("fr", "de")
STATIC = LENHUB / "core" / "static" / "lenhub"
# The options `make messages` gives makemessages (run in lenhub/).
MAKEMESSAGES: dict[str, Any] = {
    "no_location": True,
    "no_obsolete": True,
    "ignore_patterns": ["tests", "testing", "static"],
}
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
PLACEHOLDER = re.compile(r"%\((\w+)\)[srd]|\{\w*\}")

Key = tuple[str | None, str, str]  # msgctxt, msgid, msgid_plural


def _po(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def _key(entry: polib._BaseEntry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


# --- the catalogues -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete(lang: str) -> None:
    """Every entry is translated, none is fuzzy, and placeholders survive translation."""
    po = _po(lang)
    assert len(_live(po)) > 100, "the catalogue looks empty"
    assert po.metadata.get("Language") == lang
    assert not po.metadata_is_fuzzy, "the catalogue header is still marked fuzzy"
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    assert not untranslated, f"{lang}: untranslated: {untranslated}"
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy}"
    obsolete = [entry.msgid for entry in po.obsolete_entries()]
    assert not obsolete, f"{lang}: obsolete entries left in the file: {obsolete}"
    broken = []
    for entry in _live(po):
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        # a plural form may follow either English form ("one country" / "%(count)d")
        wanted = [sorted(PLACEHOLDER.findall(entry.msgid))]
        if entry.msgid_plural:
            wanted.append(sorted(PLACEHOLDER.findall(entry.msgid_plural)))
        broken += [
            (entry.msgid, text)
            for text in translations
            if sorted(PLACEHOLDER.findall(text)) not in wanted or not text.strip()
        ]
    assert not broken, f"{lang}: placeholders differ: {broken}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[Key]]:
    """The msgids that makemessages finds in lenhub's code now, extracted from a copy of
    the code into a scratch catalogue (the committed one stays untouched)."""
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"GNU gettext is not installed (no {', '.join(missing)})")
    scratch = tmp_path_factory.mktemp("makemessages")
    source = scratch / "src" / "lenhub"
    shutil.copytree(
        LENHUB,
        source,
        ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "static", ".*"),
    )
    out = scratch / "out" / "locale"
    out.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[str(out)]):
        patch.chdir(source)
        call_command("makemessages", locale=["fr"], verbosity=0, **MAKEMESSAGES)
    po = polib.pofile(str(out / "fr" / "LC_MESSAGES" / "django.po"))
    yield {_key(entry) for entry in _live(po)}


def test_extraction_finds_the_strings(extracted: set[Key]) -> None:
    """A guard on the check below: the scratch extraction really saw lenhub's code."""
    msgids = {msgid for _ctx, msgid, _plural in extracted}
    assert {"Skip to content", "Display name", "National Contact", "Poland"} <= msgids


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_up_to_date(lang: str, extracted: set[Key]) -> None:
    """The committed catalogue holds exactly the strings the code has now: run
    ``make messages`` and translate the new entries when this fails."""
    committed = {_key(entry) for entry in _live(_po(lang))}
    new = sorted(extracted - committed, key=str)
    assert not new, f"{lang}: strings missing from the catalogue (run `make messages`): {new}"
    stale = sorted(committed - extracted, key=str)
    assert not stale, f"{lang}: strings no longer in the code (run `make messages`): {stale}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(lang: str) -> None:
    """The committed .mo file is the compiled form of the committed .po file."""
    mo_path = LOCALE / lang / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    po, mo = _po(lang), polib.mofile(str(mo_path))

    def table(catalogue: Any) -> dict[Key, Any]:
        rows: dict[Key, Any] = {}
        for entry in catalogue:
            if entry.obsolete or "fuzzy" in entry.flags:
                continue  # msgfmt leaves fuzzy entries out
            if entry.msgid_plural:
                rows[_key(entry)] = {int(n): text for n, text in entry.msgstr_plural.items()}
            else:
                rows[_key(entry)] = entry.msgstr
        return rows

    assert table(mo) == table(po), f"{mo_path} is out of date: run `make messages`"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


# --- pages in the reader's language ---------------------------------------------------

SAMPLES = {
    "en": ("Skip to content", "Sign in", "Language"),
    "fr": ("Aller au contenu", "Se connecter", "Langue"),
    "de": ("Zum Inhalt springen", "Anmelden", "Sprache"),
}


def _html_lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, "no <html lang>"
    return found.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/news/"])
def test_pages_follow_the_browser_language(client: Client, lang: str, path: str) -> None:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=f"{lang},en;q=0.5")
    assert response.status_code == 200
    html = response.content.decode()
    assert _html_lang(html) == lang
    for text in SAMPLES[lang]:
        assert text in html, f"{text!r} missing from {path} in {lang}"
    assert "Skip to content" not in html


@pytest.mark.django_db
def test_other_languages_fall_back_to_english(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="pl,cs;q=0.8").content.decode()
    assert _html_lang(html) == "en"
    assert "Skip to content" in html


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_switcher_sets_the_language(client: Client, lang: str) -> None:
    """A plain form post (no JavaScript) stores the choice, which then beats the browser's
    own preference, and returns the reader to the page they were on."""
    response = client.post("/i18n/setlang/", {"language": lang, "next": "/news/"})
    assert response.status_code == 302
    assert response["Location"] == "/news/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == lang
    html = client.get("/news/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _html_lang(html) == lang
    assert SAMPLES[lang][0] in html
    back = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert back.status_code == 302
    assert _html_lang(client.get("/").content.decode()) == "en"


@pytest.mark.django_db
def test_language_switcher_refuses_an_outside_next(client: Client) -> None:
    response = client.post(
        "/i18n/setlang/", {"language": "de", "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302
    assert "elsewhere" not in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_language_switcher_markup(client: Client, lang: str) -> None:
    """Labelled, the current language selected, each language named in its own language
    and marked with its lang, and a submit button with its own accessible name."""
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    form = re.search(
        r'<form action="/i18n/setlang/" method="post" class="language">(.*?)</form>', html, re.S
    )
    assert form, "no language form posting to /i18n/setlang/"
    markup = form.group(1)
    assert '<label for="language-select">' in markup
    assert '<select name="language" id="language-select">' in markup
    assert 'name="next" type="hidden" value="/"' in markup
    options = re.findall(r'<option value="(\w+)" lang="(\w+)"( selected)?>([^<]+)</option>', markup)
    assert [(code, name) for code, _lang, _sel, name in options] == [
        ("en", "English"),
        ("fr", "Français"),
        ("de", "Deutsch"),
    ]
    assert all(code == option_lang for code, option_lang, _sel, _name in options)
    assert [code for code, _lang, selected, _name in options if selected] == [lang]
    button = re.search(
        r'<button type="submit" id="language-submit" aria-label="([^"]+)">([^<]+)</button>',
        markup,
    )
    assert button, "the switcher's button lost its id or accessible name"
    accessible_name, visible = button.group(1), button.group(2)
    # WCAG 2.5.3: the accessible name contains the visible text.
    assert visible.strip().lower() in accessible_name.lower()
    assert accessible_name != visible


@pytest.mark.django_db
def test_signed_in_pages_and_messages_are_translated(client: Client) -> None:
    """Template text, model field labels, choices and messages from views, in German."""
    org = make_org("Bundespolizei", country="DE", domain="bundespolizei.de.test")
    make_user("beamtin@bundespolizei.de.test", organisation=org, vetted=True)
    client_sign_in(client, "beamtin@bundespolizei.de.test", None)
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    dashboard = client.get("/dashboard/").content.decode()
    assert _html_lang(dashboard) == "de"
    assert "Ihr Zugang" in dashboard
    assert "Zweiter Faktor" in dashboard
    profile = client.get("/profile/").content.decode()
    assert "Anzeigename" in profile  # a model field's verbose name
    assert "Sitzungen" in profile
    response = client.post(
        "/profile/", {"display_name": "Beamtin", "organisation": org.pk}, follow=True
    )
    assert "Ihr Profil wurde gespeichert." in response.content.decode()


@pytest.mark.django_db
def test_country_names_are_translated() -> None:
    poland = Country.objects.get(pk="PL")
    with translation.override("fr"):
        assert str(poland) == "Pologne"
    with translation.override("de"):
        assert str(poland) == "Polen"
    with translation.override("en"):
        assert str(poland) == "Poland"


def test_tlp_labels_stay_in_english() -> None:
    """TLP labels are never translated (FIRST TLP 2.0)."""
    for lang in LANGUAGES:
        for entry in _live(_po(lang)):
            for label in re.findall(r"TLP:[A-Z+]+", entry.msgid):
                assert label in entry.msgstr, f"{lang}: {label} changed in {entry.msgstr!r}"


# --- fonts ----------------------------------------------------------------------------

SCRIPTS = {
    "Greek": "Ελληνική Αστυνομία",
    "Cyrillic": "Национална полиция, Національна поліція, Полиција Србије",
    "Latin": "Policja Państwowa, Policie České republiky, Poliția Română, Rendőrség, "
    "Valsts policija, Policijos departamentas, Straße, Sécurité « publique »",
}


@dataclass(frozen=True)
class Face:
    weight: int
    url: str
    ranges: tuple[tuple[int, int], ...]

    def covers(self, char: str) -> bool:
        return any(low <= ord(char) <= high for low, high in self.ranges)


def _faces() -> list[Face]:
    css = (STATIC / "app.css").read_text()
    faces = []
    for block in re.findall(r"@font-face\s*{([^}]*)}", css):
        weight = re.search(r"font-weight:\s*(\d+)", block)
        url = re.search(r'src:\s*url\("([^"]+)"\)\s*format\("woff2"\)', block)
        ranges = re.search(r"unicode-range:\s*([^;]+);", block)
        assert weight and url and ranges, f"incomplete @font-face: {block}"
        spans = []
        for part in ranges.group(1).split(","):
            low, _dash, high = part.strip().removeprefix("U+").partition("-")
            spans.append((int(low, 16), int(high or low, 16)))
        faces.append(Face(int(weight.group(1)), url.group(1), tuple(spans)))
    return faces


@pytest.fixture(scope="module")
def served_fonts() -> dict[str, set[int]]:
    """Each @font-face's file, fetched from lenhub itself: url -> its character map."""
    client = Client()
    maps = {}
    for face in _faces():
        assert not re.match(r"^(https?:)?//", face.url), f"font from another host: {face.url}"
        response = client.get(f"{settings.STATIC_URL}lenhub/{face.url}")
        assert response.status_code == 200, face.url
        assert response["Content-Type"] == "font/woff2"
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert body == (STATIC / face.url).read_bytes()
        maps[face.url] = set(TTFont(io.BytesIO(body)).getBestCmap())
    return maps


def test_stylesheet_uses_the_served_font_and_nothing_from_outside() -> None:
    css = (STATIC / "app.css").read_text()
    family = re.search(r":root\s*{[^}]*font-family:\s*([^;]+);", css)
    assert family and family.group(1).startswith('"Noto Sans"')
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", css)
    assert "@import" not in css
    assert {face.weight for face in _faces()} == {400, 700}
    fonts = STATIC / "fonts"
    assert "SIL Open Font License" in (fonts / "OFL.txt").read_text()
    assert "@fontsource/noto-sans" in (fonts / "README.md").read_text()


@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("weight", [400, 700])
def test_served_fonts_cover_european_scripts(
    served_fonts: dict[str, set[int]], script: str, weight: int
) -> None:
    """Every letter of the samples falls in a face's unicode-range, and every face that
    claims it has a glyph for it, so no browser falls back to a system font."""
    faces = [face for face in _faces() if face.weight == weight]
    for char in sorted(set(SCRIPTS[script]) - {" "}):
        claiming = [face for face in faces if face.covers(char)]
        assert claiming, f"no {weight} face's unicode-range covers {char!r} (U+{ord(char):04X})"
        for face in claiming:
            assert ord(char) in served_fonts[face.url], f"{face.url} lacks {char!r}"
