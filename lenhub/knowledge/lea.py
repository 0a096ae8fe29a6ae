"""Recognise law-enforcement authorities among research participants by name.

CORDIS does not say which participants are law enforcement; its ``activityType`` is only
"public body", "research organisation" and the like. We match the organisation's name,
word by word after folding accents and case, against the words police forces, border and
coast guards, customs and interior ministries use for themselves in Europe's languages.
Matching whole words is what keeps POLITECNICO, METROPOLITAN and "policy institute" out:
a naive substring match on "POLI" catches them all.

What counts (the rule the hand-labelled list in ``data/lea_labels.csv`` follows):
police forces at every level and their academies, forensic services and governing
authorities; gendarmeries; border and coast guards; customs (also within tax-and-customs
agencies); national crime and investigation agencies; Europol and Interpol; ministries of
the interior, and justice ministries that run a police force, which take part in projects
on behalf of their forces. Not: civil protection, fire and rescue, the military,
intelligence services, prisons, courts, prosecutors, universities and research bodies
that study crime, and organisations that merely serve law enforcement.

Precision and recall against the labelled list are measured in
``tests/test_lea.py`` and ``bench/lea_recognition.py``.
"""

from __future__ import annotations

import re
import unicodedata

# Single words (after folding) that name a police force in some European language.
_POLICE_WORDS = frozenset(
    [
        "POLICE",
        "POLICES",
        "POLICING",
        "CONSTABULARY",
        "POLIZEI",
        "POLIZIA",
        "POLICIA",
        "POLICIE",
        "POLICEJNI",
        "POLICAJNEHO",
        "POLICAJNY",
        "POLITIE",
        "POLITI",
        "POLITIA",
        "POLITIEI",
        "POLITIEZONE",
        "POLITIEREGIO",
        "POLICJA",
        "POLICJI",
        "POLISEN",
        "POLIISI",
        "POLICIJA",
        "POLICIJOS",
        "POLICIJSKA",
        "POLICIJSKI",
        "POLICIJSKO",
        "POLITSEI",
        "POLITSIA",
        "POLICISE",
        "POLICIA",
        "RENDOR",
        "RENDORSEG",
        "GENDARMERIE",
        "GENDARMERIA",
        "CARABINIERI",
        "MARECHAUSSEE",
        "EUROPOL",
        "INTERPOL",
    ]
)
# Parts of compound words: BUNDESPOLIZEI, POLITIEACADEMIE, POLIISIHALLITUS,
# RIKSPOLISSTYRELSEN, LANDESKRIMINALAMT. POLITIE is not followed by K (POLITIEK is
# Dutch for "political").
_POLICE_PARTS = re.compile(
    r"POLIZEI|POLITIE(?!K)|POLIISI|POLICIJ|POLICJ|POLITSEI|RIKSPOLIS|POLISMYND|"
    r"KRIMINALAMT|KRIMINALPOLI|POLITIDIREKTORAT"
)

# (basis, pattern on the folded name with single spaces)
_PHRASES: list[tuple[str, re.Pattern[str]]] = [
    ("gendarmerie", re.compile(r"\bGUARDIA CIVIL\b|\bGUARDIA DI FINANZA\b|\bGUARDA NACIONAL")),
    ("police", re.compile(r"\bGARDA SIOCHANA\b|\bCHIEF CONSTABLE\b|\bPOLICE AUTHORITY\b")),
    (
        "border guard",
        re.compile(
            r"\bBORDER GUARD|\bBORDER POLICE\b|\bSTATE BORDER\b|\bSTRAZ[YA]? GRANICZN|"
            r"\bGRENZSCHUTZ|\bRAJAVARTIO|\bPIIRIVALVE|\bSIENOS APSAUGOS|\bGRANICHNA\b"
        ),
    ),
    ("coast guard", re.compile(r"\bCOAST GUARD\b|\bLANDHELGISG|\bKUSTBEVAKNING")),
    (
        "investigation agency",
        re.compile(
            r"\bNATIONAL CRIME AGENCY\b|\bBUREAU OF INVESTIGATION\b|\bNUSIKALTIMU TYRIMO\b|"
            r"\bORGANIZIRANATA PRESTUPNOST\b|\bKRIMINALINE TARNYBA\b|"
            r"\bINTERNAL SECURITY AGENCY\b|\bLAW ENFORCEMENT COOPERATION\b"
        ),
    ),
    (
        "interior ministry",
        re.compile(
            r"\bMINISTRY OF (THE )?INTERIOR\b|\bMINISTRY OF (ADMINISTRATION AND )?INTERIOR\b|"
            r"\bMINISTERIO DEL INTERIOR\b|\bMINISTERE DE L INTERIEUR\b|\bMINISTERO DELL INTERNO\b|"
            r"MINISTERIUM (DES INNERN|FU?E?R INNERES)\b|\bMINISTERSTVO VNUTRA\b|"
            r"\bMINISTERUL AFACERILOR INTERNE\b|\bMINISTERSTWO SPRAW WEWNETRZNYCH\b|"
            r"\bMINISTARSTVO UNUTRASNJIH POSLOVA\b|\bMINISTRSTVO ZA NOTRANJE ZADEVE\b|"
            r"\bSISAASIAINMINISTERIO\b|\bICISLERI BAKANLIGI\b|\bHOME OFFICE\b|"
            r"\bADMINISTRACAO INTERNA\b|\bSERVICE PUBLIC FEDERAL INTERIEUR\b|"
            r"\bDEPARTAMENT D INTERIOR\b|\bMINISTRY OF (PUBLIC )?SECURITY\b|"
            r"\bDEPARTAMENTO (DE )?SEGURIDAD\b|\bDEPARTMENT OF HOMELAND SECURITY\b|"
            r"\bSEGURETAT PUBLICA\b|"
            r"\bMINISTRY OF INTERIOR\b"
        ),
    ),
    (
        "justice ministry running a police force",
        re.compile(
            r"\bJUSTITIE EN VEILIGHEID\b|\bJUSTICE AND PUBLIC SAFETY\b|\bMINISTERIO DA JUSTICA\b"
        ),
    ),
    ("maritime law enforcement", re.compile(r"\bAUTORIDADE MARITIMA\b|\bMARITIMAS NARCOTICOS\b")),
]
# Customs and revenue: only public bodies (an association "for customs services" is not
# one).
_CUSTOMS = re.compile(
    r"\bCUSTOMS\b|\bDOUANES?\b|\bZOLL|\bDOGANE\b|\bADUANAS?\b|\bMUITINES?\b|\bTOLL(REGION|IAMET)|"
    r"\bAGENCIJA MITNICI\b|\bCARINSKA\b|\bVAMHIVATAL\b|\bREVENUE\b|\bIENEMUMU DIENESTS\b|"
    r"\bADMINISTRACION TRIBUTARIA\b|\bADMINISTRACJI SKARBOWEJ\b|\bFINANCIAL DIRECTORATE\b"
)
# Whatever the words, these are not law enforcement.
_NOT = re.compile(r"\bSECURITE CIVILE|\bSECURITE CIVILES\b|\bDEFENSE ET DE LA SECURITE\b")


def fold(name: str) -> str:
    """Upper case, accents removed, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.replace("ß", "SS").upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", ascii_only).split())


def lea_basis(name: str, activity_type: str = "") -> str:
    """Why ``name`` is a law-enforcement authority ("police", "customs", ...), or ""
    when it is not recognised as one."""
    folded = fold(name)
    if not folded or _NOT.search(folded):
        return ""
    words = folded.split()
    if any(word in _POLICE_WORDS for word in words):
        return "police"
    if any(_POLICE_PARTS.search(word) for word in words):
        return "police"
    for basis, pattern in _PHRASES:
        if pattern.search(folded):
            return basis
    if activity_type == "PUB" and _CUSTOMS.search(folded):
        return "customs"
    return ""


def naive_lea(name: str) -> bool:
    """The naive rule the issue warns about, kept for comparison in tests and bench."""
    return "POLI" in name.upper()
