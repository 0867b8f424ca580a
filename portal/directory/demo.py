"""Demo entries: the free national numbers (real), and a few local services marked as demo."""

from __future__ import annotations

from typing import Any

from portal.directory import editing, search
from portal.models import DirectoryEntry, utcnow

NATIONAL_AREA: dict[str, Any] = {
    "zone_eligibilite": ["france"],
    "fees": "gratuit",
    "open_24_7": True,
    "opening_hours": "24/7",
    "modes_accueil": ["a-distance"],
    "mobilisable_par": ["usagers"],
    "visibility": "public",
}

# The national numbers, as listed in portal/numbers.py and checked before each release.
NATIONAL: tuple[dict[str, Any], ...] = (
    {
        "uid": "national-17",
        "name": "Police secours – 17",
        "category": "emergency",
        "phone": "17",
        "description": "Police ou gendarmerie, en cas de danger immédiat.",
        "languages": ["fr"],
    },
    {
        "uid": "national-112",
        "name": "Numéro d'urgence européen – 112",
        "category": "emergency",
        "phone": "112",
        "languages": ["fr", "en"],
        "description": "Numéro d'urgence européen, gratuit depuis tout téléphone.",
    },
    {
        "uid": "national-114",
        "name": "Urgences par SMS – 114",
        "category": "emergency",
        "phone": "114",
        "sms_only": True,
        "languages": ["fr"],
        "publics": ["personnes-en-situation-de-handicap"],
        "description": "Urgences par SMS, application, tchat ou visio : pour les personnes sourdes "
        "ou malentendantes, et pour qui ne peut pas parler sans danger.",
        "website": "https://www.info.urgence114.fr/",
    },
    {
        "uid": "national-3919",
        "name": "Violences Femmes Info – 3919",
        "category": "helpline",
        "phone": "3919",
        "languages": ["fr"],
        "interpreting": True,
        "publics": ["femmes"],
        "description": "Écoute, information et orientation, anonyme et gratuit, jour et nuit. "
        "Ce n'est pas un numéro d'urgence.",
        "website": "https://arretonslesviolences.gouv.fr/",
    },
    {
        "uid": "national-116006",
        "name": "France Victimes – 116 006",
        "category": "victim_support",
        "phone": "116006",
        "open_24_7": False,
        "opening_hours": "Mo-Su 09:00-19:00",
        "languages": ["fr"],
        "description": "Aide à toutes les victimes d'infractions, gratuit, 7 jours sur 7.",
        "website": "https://www.france-victimes.fr/",
    },
    {
        "uid": "national-119",
        "name": "Allô Enfance en Danger – 119",
        "category": "family",
        "phone": "119",
        "languages": ["fr"],
        "publics": ["jeunes", "familles"],
        "description": "Enfants et adolescents en danger, ou adultes inquiets pour un enfant.",
        "website": "https://www.allo119.gouv.fr/",
    },
    {
        "uid": "national-115",
        "name": "Hébergement d'urgence (SIAO) – 115",
        "category": "housing",
        "phone": "115",
        "languages": ["fr"],
        "publics": ["personnes-en-situation-durgence"],
        "description": "Hébergement d'urgence, jour et nuit.",
    },
)

LOCAL_AREA: dict[str, Any] = {"zone_eligibilite": ["42"], "fees": "gratuit"}
# Fictional services (numbers from the range reserved for fiction): never a real address.
LOCAL: tuple[dict[str, Any], ...] = (
    {
        "uid": "demo-shelter",
        "name": "Maison d'accueil (démo)",
        "category": "housing",
        "description": "Fiche de démonstration : hébergement pour femmes et enfants, "
        "équipe présente jour et nuit.",
        "address": "12 impasse des Glycines",
        "postcode": "42100",
        "commune": "Saint-Étienne",
        "address_confidential": True,
        "pro_phone": "04 65 71 00 21",
        "open_24_7": True,
        "opening_hours": "24/7",
        "communes": ["Saint-Étienne", "Saint-Chamond", "Firminy"],
        "languages": ["fr", "ar"],
        "reception": "appointment",
        "visibility": "public",
        "mobilisable_par": ["professionnels"],
        "publics": ["femmes", "familles"],
        "referral_procedure": (
            "Par le 115 ou l'intervenante sociale ; place confirmée par téléphone."
        ),
        "modes_accueil": ["en-presentiel"],
    },
    {
        "uid": "demo-perpetrators",
        "name": "Stage de responsabilisation (démo)",
        "category": "perpetrators",
        "visibility": "professionals",
        "fees": "payant",
        "description": "Fiche de démonstration : stage pour auteurs de violences conjugales.",
        "pro_phone": "04 65 71 00 22",
        "pro_email": "stage@example.org",
        "communes": ["Saint-Étienne", "Roanne"],
        "languages": ["fr"],
        "mobilisable_par": ["professionnels"],
        "opening_hours": "Mo-Fr 09:00-17:00",
        "referral_procedure": "Sur prescription du parquet ou du juge.",
        "modes_accueil": ["en-presentiel"],
    },
    {
        "uid": "demo-legal-aid",
        "name": "Point-justice de Roanne (démo)",
        "category": "legal",
        "description": "Fiche de démonstration : information juridique gratuite avec des avocats.",
        "address": "2 place de l'Exemple",
        "postcode": "42300",
        "commune": "Roanne",
        "phone": "04 65 71 00 23",
        "email": "justice@example.org",
        "website": "https://example.org/point-justice",
        "opening_hours": "Tu,Th 09:00-12:00",
        "communes": ["Roanne"],
        "languages": ["fr", "en"],
        "reception": "appointment",
        "visibility": "public",
        "mobilisable_par": ["usagers", "professionnels"],
        "accessibility": "Accès de plain-pied, ascenseur.",
        "modes_accueil": ["en-presentiel"],
    },
    {
        "uid": "demo-victim-support",
        "name": "Association d'aide aux victimes (démo)",
        "category": "victim_support",
        "description": "Fiche de démonstration : écoute, aide au dépôt de plainte, "
        "accompagnement au procès.",
        "address": "3 cours de l'Exemple",
        "postcode": "42000",
        "commune": "Saint-Étienne",
        "phone": "04 65 71 00 24",
        "pro_phone": "04 65 71 00 25",
        "email": "aide@example.org",
        "opening_hours": "Mo-Fr 09:00-12:30,13:30-17:00",
        "reception": "both",
        "communes": ["Saint-Étienne", "Saint-Chamond", "Firminy", "Roanne"],
        "languages": ["fr", "tr", "pt"],
        "interpreting": True,
        "visibility": "public",
        "mobilisable_par": ["usagers", "professionnels"],
        "modes_accueil": ["en-presentiel", "a-distance"],
        "referral_procedure": "Fiche de liaison avec l'accord de la personne, par courriel ; "
        "réponse sous 48 h.",
    },
)


def create_demo_directory() -> list[DirectoryEntry]:
    """Add the demo entries that are missing (existing ones are left as they are); the caller
    commits."""
    made = []
    for defaults, items in ((NATIONAL_AREA, NATIONAL), (LOCAL_AREA, LOCAL)):
        for item in items:
            entry = search.entry_by_uid(item["uid"])
            if entry is None:
                entry = editing.create_entry({**defaults, **item}, None)
                entry.is_demo = True
                if item["uid"].startswith("national-"):
                    entry.verified_at = utcnow()
                    entry.verified_by = "demo"
            made.append(entry)
    return made
