"""ISO 3166-1 countries: the EU member states and the partner countries that take part
in European police cooperation. Loaded by a data migration. The names are stored in
English and marked for translation: ``Country.__str__`` shows them in the reader's language."""

from typing import Any

from django.utils.translation import gettext_noop

EU = {
    "AT": gettext_noop("Austria"),
    "BE": gettext_noop("Belgium"),
    "BG": gettext_noop("Bulgaria"),
    "HR": gettext_noop("Croatia"),
    "CY": gettext_noop("Cyprus"),
    "CZ": gettext_noop("Czechia"),
    "DK": gettext_noop("Denmark"),
    "EE": gettext_noop("Estonia"),
    "FI": gettext_noop("Finland"),
    "FR": gettext_noop("France"),
    "DE": gettext_noop("Germany"),
    "GR": gettext_noop("Greece"),
    "HU": gettext_noop("Hungary"),
    "IE": gettext_noop("Ireland"),
    "IT": gettext_noop("Italy"),
    "LV": gettext_noop("Latvia"),
    "LT": gettext_noop("Lithuania"),
    "LU": gettext_noop("Luxembourg"),
    "MT": gettext_noop("Malta"),
    "NL": gettext_noop("Netherlands"),
    "PL": gettext_noop("Poland"),
    "PT": gettext_noop("Portugal"),
    "RO": gettext_noop("Romania"),
    "SK": gettext_noop("Slovakia"),
    "SI": gettext_noop("Slovenia"),
    "ES": gettext_noop("Spain"),
    "SE": gettext_noop("Sweden"),
}
PARTNERS = {
    "IS": gettext_noop("Iceland"),
    "LI": gettext_noop("Liechtenstein"),
    "NO": gettext_noop("Norway"),
    "CH": gettext_noop("Switzerland"),
    "GB": gettext_noop("United Kingdom"),
    "AL": gettext_noop("Albania"),
    "BA": gettext_noop("Bosnia and Herzegovina"),
    "ME": gettext_noop("Montenegro"),
    "MK": gettext_noop("North Macedonia"),
    "RS": gettext_noop("Serbia"),
    "MD": gettext_noop("Moldova"),
    "UA": gettext_noop("Ukraine"),
    "GE": gettext_noop("Georgia"),
    "TR": gettext_noop("Türkiye"),
    "AD": gettext_noop("Andorra"),
    "MC": gettext_noop("Monaco"),
    "SM": gettext_noop("San Marino"),
    "VA": gettext_noop("Holy See"),
    "IL": gettext_noop("Israel"),
    "US": gettext_noop("United States"),
    "CA": gettext_noop("Canada"),
    "AU": gettext_noop("Australia"),
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
