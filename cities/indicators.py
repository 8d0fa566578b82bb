"""The names and units of city indicators, in the reader's language.

An indicator's name and unit are stored as the city (or the demo corpus) wrote them, in
English, because peer matching compares indicators by name. The common ones are translated
here through the catalogues (`CityIndicator.label`, `.unit_label`); a name not listed shows as
stored. Adding a name here and to the catalogues is all a new common indicator needs.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

NAMES: dict[str, Promise] = {
    "Population": _("Population"),
    "Population density": _("Population density"),
    "Land area": _("Land area"),
    "Share of trips by public transport": _("Share of trips by public transport"),
    "Tram line length": _("Tram line length"),
    "Tree canopy cover (municipality)": _("Tree canopy cover (municipality)"),
    "Altitude of the city centre": _("Altitude of the city centre"),
    "Population of Greater Melbourne": _("Population of Greater Melbourne"),
    "Population of Greater Sydney": _("Population of Greater Sydney"),
    "Population of Lima province": _("Population of Lima province"),
    "Population of the 23 special wards": _("Population of the 23 special wards"),
    "Population of the Metropolitan Region": _("Population of the Metropolitan Region"),
    "Administrative districts": _("Administrative districts"),
    "Administrative zones of the Greater Chennai Corporation": _(
        "Administrative zones of the Greater Chennai Corporation"
    ),
    "Autonomous districts (gu)": _("Autonomous districts (gu)"),
    "Barangays": _("Barangays"),
    "Boroughs": _("Boroughs"),
    "Boroughs (alcaldías)": _("Boroughs (alcaldías)"),
    "Boroughs (arrondissements)": _("Boroughs (arrondissements)"),
    "City corporations": _("City corporations"),
    "Communes (comunas)": _("Communes (comunas)"),
    "Communes in the Metropolitan Region": _("Communes in the Metropolitan Region"),
    "Districts": _("Districts"),
    "Districts (kecamatan)": _("Districts (kecamatan)"),
    "Districts (khet)": _("Districts (khet)"),
    "Districts in Lima province": _("Districts in Lima province"),
    "Local administrative districts (localidades)": _(
        "Local administrative districts (localidades)"
    ),
    "Local boards": _("Local boards"),
    "Municipal districts": _("Municipal districts"),
    "Municipal wards": _("Municipal wards"),
    "Municipalities": _("Municipalities"),
    "Urban districts (comunas)": _("Urban districts (comunas)"),
}

UNITS: dict[str, Promise] = {
    "inhabitants": _("inhabitants"),
    "inhabitants/km²": _("inhabitants/km²"),
    "m above sea level": _("m above sea level"),
    "districts": _("districts"),
    "zones": _("zones"),
    "barangays": _("barangays"),
    "boroughs": _("boroughs"),
    "corporations": _("corporations"),
    "communes": _("communes"),
    "boards": _("boards"),
    "wards": _("wards"),
    "municipalities": _("municipalities"),
}


def indicator_label(name: str) -> str:
    return str(NAMES.get(name, name))


def unit_label(unit: str) -> str:
    return str(UNITS.get(unit, unit))
