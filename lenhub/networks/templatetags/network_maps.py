"""``{% network_country_map members partners as country_map %}``: the map data for the
country lists of a network page (``NetworkCountry`` rows or ISO alpha-2 codes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import gettext

from lenhub.accounts.countries import EU, PARTNERS
from lenhub.networks.mapdata import CountryMap, country_map

register = template.Library()


def _codes_and_names(rows: Iterable[Any], names: dict[str, str]) -> list[str]:
    codes = []
    for row in rows or ():
        country = getattr(row, "country", None)
        if country is None:
            codes.append(str(row))
            continue
        codes.append(country.pk)
        names[country.pk] = str(country)
    return codes


@register.simple_tag
def network_country_map(members: Iterable[Any], partners: Iterable[Any]) -> CountryMap | None:
    names = {code: gettext(name) for code, name in {**EU, **PARTNERS}.items()}
    member_codes = _codes_and_names(members, names)
    partner_codes = _codes_and_names(partners, names)
    return country_map(members=member_codes, partners=partner_codes, names=names)
