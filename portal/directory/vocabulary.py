"""The directory's controlled values, their translated labels and their data·inclusion codes."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# Our categories, in the order the public page lists them, with their labels and the
# data·inclusion `thematiques` an entry of that category gets when none is given.
CATEGORIES: dict[str, LazyString] = {
    "emergency": _l("Emergency and safety"),
    "helpline": _l("Helplines"),
    "housing": _l("Emergency housing"),
    "legal": _l("Legal information and rights"),
    "victim_support": _l("Victim support"),
    "medical": _l("Medical and forensic care"),
    "mental_health": _l("Mental health"),
    "family": _l("Children and families"),
    "social": _l("Social services"),
    "foreign_nationals": _l("Foreign nationals"),
    "digital": _l("Digital tools"),
    "perpetrators": _l("Programmes for perpetrators"),
}

# Categories that professionals alone may ever see.
PROFESSIONAL_CATEGORIES = frozenset({"perpetrators"})

DEFAULT_THEMATIQUES: dict[str, tuple[str, ...]] = {
    "emergency": ("acces-aux-droits-et-citoyennete--aide-aux-victimes",),
    "helpline": ("acces-aux-droits-et-citoyennete--aide-aux-victimes",),
    "housing": ("logement-hebergement--mal-loges-sans-logis",),
    "legal": (
        "acces-aux-droits-et-citoyennete--accompagnement-juridique",
        "acces-aux-droits-et-citoyennete--connaitre-ses-droits",
    ),
    "victim_support": ("acces-aux-droits-et-citoyennete--aide-aux-victimes",),
    "medical": ("sante--acces-aux-soins",),
    "mental_health": ("sante--bien-etre-psychologique", "sante--accompagner-les-traumatismes"),
    "family": ("famille--violences-intrafamiliales",),
    "social": ("accompagnement-social-et-professionnel-personnalise",),
    "foreign_nationals": ("acces-aux-droits-et-citoyennete--demandeurs-dasile-et-naturalisation",),
    "digital": ("numerique",),
    "perpetrators": ("famille--violences-intrafamiliales",),
}

# data·inclusion `thematiques` accepted here: the ones that fit this directory.
THEMATIQUES = frozenset(
    {value for values in DEFAULT_THEMATIQUES.values() for value in values}
    | {
        "acces-aux-droits-et-citoyennete",
        "acces-aux-droits-et-citoyennete--accompagnement-dans-les-demarches-administratives",
        "famille",
        "famille--soutien-aux-familles",
        "famille--soutien-a-la-parentalite",
        "famille--accompagnement-femme-enceinte-bebe-jeune-enfant",
        "logement-hebergement",
        "logement-hebergement--etre-accompagne-pour-se-loger",
        "sante",
        "sante--accompagnement-de-la-femme-enceinte-du-bebe-et-du-jeune-enfant",
        "sante--faire-face-a-une-situation-daddiction",
        "gestion-financiere--beneficier-daides-financieres",
    }
)

# data·inclusion `publics`.
PUBLICS: dict[str, LazyString] = {
    "femmes": _l("Women"),
    "familles": _l("Families"),
    "jeunes": _l("Young people"),
    "personnes-en-situation-durgence": _l("People in an emergency"),
    "personnes-en-situation-de-handicap": _l("People with disabilities"),
    "personnes-exilees": _l("Exiles, refugees and migrants"),
    "seniors": _l("Older people"),
}

# data·inclusion `modes_accueil`.
MODES_ACCUEIL: dict[str, LazyString] = {
    "en-presentiel": _l("In person"),
    "a-distance": _l("By phone or online"),
}

# data·inclusion `mobilisable_par`: who can ask for the service.
MOBILISABLE_PAR: dict[str, LazyString] = {
    "usagers": _l("The person herself"),
    "professionnels": _l("A professional"),
}

# data·inclusion `frais`.
FRAIS: dict[str, LazyString] = {
    "gratuit": _l("Free"),
    "payant": _l("Fees apply"),
}

# How people are received (our extension).
RECEPTION: dict[str, LazyString] = {
    "": _l("Not stated"),
    "appointment": _l("By appointment"),
    "walk_in": _l("Walk-in, no appointment"),
    "both": _l("Walk-in or by appointment"),
}

# Who may see the entry (our extension).
VISIBILITY: dict[str, LazyString] = {
    "public": _l("Everyone (public page)"),
    "professionals": _l("Professionals only"),
}

# The zone covered, as data·inclusion `zone_eligibilite` codes: a country, a département or a
# commune's INSEE code.
ZONE_RE = r"^(france|99100|\d{2}|2[AB]|\d{5}|2[AB]\d{3})$"


def category_label(code: str) -> str:
    """The translated name of a category, or the code itself if unknown."""
    label = CATEGORIES.get(code)
    return str(label) if label is not None else code


def labels(mapping: dict[str, LazyString], codes: list[str]) -> list[str]:
    """Translated labels for a list of controlled values, unknown ones left as they are."""
    return [str(mapping[c]) if c in mapping else c for c in codes]
