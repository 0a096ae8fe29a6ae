"""ISO 3166-1 countries: the EU member states and the partner countries that take part
in European police cooperation. Loaded by a data migration."""

from typing import Any

EU = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
}
PARTNERS = {
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
    "CH": "Switzerland",
    "GB": "United Kingdom",
    "AL": "Albania",
    "BA": "Bosnia and Herzegovina",
    "ME": "Montenegro",
    "MK": "North Macedonia",
    "RS": "Serbia",
    "MD": "Moldova",
    "UA": "Ukraine",
    "GE": "Georgia",
    "TR": "Türkiye",
    "AD": "Andorra",
    "MC": "Monaco",
    "SM": "San Marino",
    "VA": "Holy See",
    "IL": "Israel",
    "US": "United States",
    "CA": "Canada",
}


def load_countries(country_model: Any) -> None:
    """Create or update the countries (works with the migration's historical model)."""
    for code, name in EU.items():
        country_model.objects.update_or_create(
            code=code, defaults={"name": name, "is_eu_member": True, "is_partner": False}
        )
    for code, name in PARTNERS.items():
        country_model.objects.update_or_create(
            code=code, defaults={"name": name, "is_eu_member": False, "is_partner": True}
        )
