"""From what a practitioner types to the terms the engines search for.

Words are folded to lower case without accents; question words and other stop words are
dropped; each remaining word may bring synonyms practitioners and research projects use
for the same thing (a bomb is an improvised explosive device, a drone is an unmanned
aerial vehicle). Each typed word and its synonyms form a group; a document must match
every group (``strict``), and when too few do, the engines fall back to any group
(``loose``; on a large index, any of the rarest words only: the ``anchors``), ranking
the documents that match every group first.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

MAX_TERMS = 24
MAX_WORDS = 12

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "more",
        "most",
        "my",
        "new",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "us",
        "use",
        "used",
        "using",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "within",
        "would",
        "you",
        "your",
        "help",
        "helps",
        "need",
        "needs",
        "want",
        "way",
        "ways",
        "better",
        "find",
        "finding",
        "tool",
        "tools",
        "project",
        "projects",
        "research",
    ]
)

# word -> more words or phrases meaning the same to a practitioner (one direction each;
# the list is short on purpose: it names lenhub's field, not the whole language). Only
# true equivalents: a related idea ("money" -> "laundering") or a word every document of
# the field contains ("police" -> "law enforcement") only adds noise to the ranking.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "bomb": ("explosive", "ied"),
    "bombs": ("explosive", "ied"),
    "explosive": ("explosives", "ied", "bomb"),
    "explosives": ("explosive", "ied", "bomb"),
    "ied": ("improvised explosive", "explosive"),
    "drone": ("uav", "uas", "unmanned aerial"),
    "drones": ("uav", "uas", "unmanned aerial"),
    "uav": ("drone", "unmanned aerial"),
    "crowd": ("crowded", "mass gathering", "public space"),
    "crowded": ("crowd", "mass gathering", "public space"),
    "crowds": ("crowd", "mass gathering"),
    "soft": ("public space",),
    "cyber": ("cybercrime", "cybersecurity"),
    "cybercrime": ("cyber crime", "cyber attack"),
    "hacking": ("cyber attack", "cybercrime"),
    "cross": ("cross-border",),
    "border": ("frontier", "border control"),
    "borders": ("border", "border control"),
    "exchange": ("sharing", "interoperability"),
    "sharing": ("exchange", "interoperability"),
    "radicalisation": ("radicalization", "extremism"),
    "radicalization": ("radicalisation", "extremism"),
    "terrorism": ("terrorist", "counter-terrorism"),
    "terrorist": ("terrorism",),
    "trafficking": ("smuggling",),
    "smuggling": ("trafficking",),
    "firearms": ("weapons", "guns"),
    "guns": ("firearms", "weapons"),
    "cbrn": ("chemical", "biological", "radiological", "nuclear"),
    "forensic": ("forensics", "crime scene"),
    "forensics": ("forensic", "crime scene"),
    "ship": ("vessel", "maritime"),
    "ships": ("vessel", "maritime"),
    "sea": ("maritime",),
    "maritime": ("sea", "vessel"),
    "cctv": ("video surveillance", "camera"),
    "camera": ("video surveillance", "cctv"),
    "cameras": ("video surveillance", "cctv"),
    "disaster": ("crisis", "emergency"),
    "crisis": ("emergency", "disaster"),
    "fake": ("counterfeit", "forged"),
    "disinformation": ("fake news", "misinformation"),
    "fingerprints": ("biometric", "fingerprint"),
    "face": ("facial", "biometric"),
    "railway": ("rail", "train"),
    "trains": ("rail", "railway"),
    "airport": ("aviation", "air transport"),
    "cargo": ("container", "supply chain"),
    "containers": ("container", "cargo"),
}

# two words typed together -> what projects call that
PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("counter", "drone"): ("anti-drone", "drone detection", "drone alarm", "counter-uas",
                           "c-uas", "drone neutralisation"),
    ("counter", "drones"): ("anti-drone", "drone detection", "drone alarm", "counter-uas",
                            "c-uas", "drone neutralisation"),
    ("electronic", "evidence"): ("e-evidence", "digital evidence", "digital forensics"),
    ("digital", "evidence"): ("e-evidence", "electronic evidence", "digital forensics"),
    ("public", "spaces"): ("public space", "soft targets", "mass gatherings"),
    ("small", "boats"): ("small vessels", "small boat", "go-fast"),
}  # fmt: skip

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class _Combining(dict[int, int | None]):
    """For ``str.translate``: drops combining characters, keeps the others (each
    character is looked up once)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_COMBINING = _Combining()


def fold(text: str) -> str:
    if text.isascii():  # nothing to decompose
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_DROP_COMBINING).lower()


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  # what the reader typed, minus stop words
    terms: tuple[str, ...]  # words and their synonyms; a term may be a phrase
    # one group per typed word: the word, then its synonyms (any of them will do)
    groups: tuple[tuple[str, ...], ...] = ()
    # what projects call two typed words together ("counter drone" -> "anti-drone"):
    # each stands for both words' groups at once
    phrases: tuple[str, ...] = ()
    # loose matching: when set, a document must have one of these terms; the engines
    # rank the first documents again by all terms (``Engine.rerank``)
    anchors: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def can_relax(self) -> bool:
        """Whether requiring every group is narrower than requiring any."""
        return len(self.groups) > 1


def parse(text: str, *, expand: bool = True) -> ParsedQuery:
    words: list[str] = []
    for word in _WORD.findall(fold(text or "")):
        if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if word not in words:
            words.append(word)
    words = words[:MAX_WORDS]
    terms = list(words)
    phrases: list[str] = []
    groups: list[tuple[str, ...]] = [(word,) for word in words]
    if expand:
        for pair in itertools.pairwise(words):
            for phrase in PHRASES.get(pair, ()):
                if phrase not in terms:
                    terms.append(phrase)
                    phrases.append(phrase)
        for index, word in enumerate(words):
            synonyms = [s for s in SYNONYMS.get(word, ()) if s not in terms]
            terms += synonyms
            groups[index] = (word, *synonyms)
    kept = set(terms[:MAX_TERMS])
    return ParsedQuery(
        words=tuple(words),
        terms=tuple(terms[:MAX_TERMS]),
        groups=tuple(tuple(t for t in group if t in kept) for group in groups),
        phrases=tuple(p for p in phrases if p in kept),
    )


def fts5_term(term: str) -> str:
    return '"' + " ".join(re.findall(r"[a-z0-9]+", term)) + '"'


def fts5_match(query: ParsedQuery, *, strict: bool = False) -> str:
    """An FTS5 MATCH expression. Loose: any term (or phrase), joined by OR (any anchor,
    when there are anchors). Strict: every group (a word or one of its synonyms), or one
    of the phrases."""
    if not strict or not query.can_relax:
        terms = query.anchors or query.terms  # the engine ranks the first again by all
        return " OR ".join(fts5_term(t) for t in terms if re.search("[a-z0-9]", t))
    groups = [
        "(" + " OR ".join(fts5_term(t) for t in group) + ")" for group in query.groups if group
    ]
    return " OR ".join(["(" + " AND ".join(groups) + ")", *map(fts5_term, query.phrases)])
