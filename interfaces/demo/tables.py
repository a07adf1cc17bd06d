"""The words, places and outcomes the generator draws from, with their weights."""

from __future__ import annotations

from collections.abc import Mapping

from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import SuspensionReason

BRUSSELS_POSTCODES = ("1000", "1030", "1080", "1210")
WALLOON_POSTCODES = ("1300", "7700", "4000")

GIVEN_NAMES: Mapping[Gender, tuple[str, ...]] = {
    Gender.F: (
        "Emma", "Louise", "Marie", "Elise", "Lotte", "Julie", "Hanne", "Lien",
        "Sarah", "Laura", "Fien", "Noor", "Amber", "Yasmine", "Fatima", "Sofie",
        "Kim", "Nathalie", "Ines", "Jana", "Lore", "Eline", "Charlotte", "Zeynep",
    ),
    Gender.M: (
        "Lucas", "Louis", "Arthur", "Noah", "Liam", "Jules", "Wout", "Thomas",
        "Pieter", "Jonas", "Bram", "Stijn", "Kevin", "Dries", "Mohamed", "Yusuf",
        "Ayoub", "Milan", "Senne", "Robbe", "Lars", "Tim", "Jeroen", "Mathias",
    ),
}  # fmt: skip
FAMILY_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
    "Goossens", "Wouters", "De Smet", "Vermeulen", "Van den Broeck", "Hermans",
    "Aerts", "Pauwels", "Verstraete", "De Clercq", "Claeys", "Desmet", "Van Damme",
    "De Backer", "Michiels", "Vandenberghe", "Lemmens", "Cools", "Dierickx",
    "Verhoeven", "El Amrani", "Bakkali", "Yilmaz", "Demir", "Kowalski",
)  # fmt: skip

EMPLOYERS: Mapping[PlacementType, tuple[str, ...]] = {
    PlacementType.REGULAR_JOB: (
        "Bakkerij Van Hove", "Logistiek Schelde-Oost", "Tuincentrum De Linde",
        "Schrijnwerkerij Verstraete", "Garage Demuynck", "Brasserie 't Pleintje",
        "Schoonmaakbedrijf Net & Fris", "Distributiecentrum Leiedal",
        "Metaalbewerking Callens", "Supermarkt Buurtwinkel Noord",
    ),
    PlacementType.REGULAR_JOB_WITH_SUPPORT: (
        "Drukkerij Vanneste", "Woonzorgcentrum Ter Beke", "Hotel De Zwaan",
        "Groendienst Vande Walle", "Wasserij Blanco",
    ),
    PlacementType.SUPPORTED_UNPAID: (
        "Dierenasiel De Ark", "Kinderboerderij Het Hof", "Woonzorgcentrum Ter Beke",
        "Gemeentelijke bibliotheek", "Sporthal De Meersen", "Kringwinkel Zuid",
    ),
    PlacementType.SOCIAL_ECONOMY: (
        "Maatwerkbedrijf De Loods", "Maatwerkbedrijf Atelier West",
        "Kringwinkel Zuid", "Groenatelier De Boomgaard",
    ),
    PlacementType.LOCAL_SERVICE_ECONOMY: (
        "Buurtdiensten Klusjesdienst", "Strijkatelier De Plooi",
    ),
    PlacementType.WIJK_WERKEN: ("Wijk-werkorganisatie", "OCMW Wijk-werken"),
    PlacementType.WORK_EXPERIENCE: (
        "OCMW Technische dienst", "Lokaal bestuur Groendienst",
        "Woonzorgcentrum Ter Beke",
    ),
    PlacementType.INTERNSHIP: (
        "Bakkerij Van Hove", "Garage Demuynck", "Tuincentrum De Linde",
        "Kinderdagverblijf 't Nestje",
    ),
    PlacementType.VOCATIONAL_TRAINING: (
        "VDAB Competentiecentrum", "Syntra opleiding", "Opleidingscentrum Logistiek",
    ),
    PlacementType.FORMAL_EDUCATION: (
        "Centrum voor Volwassenenonderwijs", "Centrum voor Deeltijds Onderwijs",
    ),
    PlacementType.VOLUNTEERING: (
        "Voedselbank", "Sociaal restaurant De Kom", "Jeugdhuis Den Tap",
    ),
    PlacementType.AMA: ("Dagcentrum De Brug", "Atelier Handwerk"),
    PlacementType.SELF_EMPLOYMENT: ("Eigen zaak",),
}  # fmt: skip

PAID = frozenset(
    {
        PlacementType.REGULAR_JOB,
        PlacementType.REGULAR_JOB_WITH_SUPPORT,
        PlacementType.SELF_EMPLOYMENT,
        PlacementType.SOCIAL_ECONOMY,
        PlacementType.LOCAL_SERVICE_ECONOMY,
        PlacementType.WORK_EXPERIENCE,
    }
)
HOURS: Mapping[PlacementType, tuple[float, ...]] = {
    PlacementType.REGULAR_JOB: (19.0, 24.0, 30.4, 38.0, 38.0),
    PlacementType.REGULAR_JOB_WITH_SUPPORT: (15.2, 19.0, 24.0, 30.4),
    PlacementType.SELF_EMPLOYMENT: (20.0, 30.0, 40.0),
    PlacementType.SOCIAL_ECONOMY: (19.0, 24.0, 30.4, 38.0),
    PlacementType.LOCAL_SERVICE_ECONOMY: (19.0, 24.0, 30.4),
    PlacementType.WORK_EXPERIENCE: (30.4, 38.0),
    PlacementType.SUPPORTED_UNPAID: (8.0, 12.0, 16.0, 20.0, 24.0),
    PlacementType.INTERNSHIP: (16.0, 24.0, 38.0),
    PlacementType.VOCATIONAL_TRAINING: (20.0, 30.0, 38.0),
    PlacementType.FORMAL_EDUCATION: (15.0, 20.0, 28.0),
    PlacementType.VOLUNTEERING: (4.0, 6.0, 8.0, 12.0),
    PlacementType.AMA: (8.0, 12.0, 16.0),
    PlacementType.WIJK_WERKEN: (8.0, 12.0, 16.0),
}
# The ladder rung each kind of placement lifts a participant towards.
RUNG_OF: Mapping[PlacementType, int] = {
    PlacementType.REGULAR_JOB: 6,
    PlacementType.SELF_EMPLOYMENT: 6,
    PlacementType.REGULAR_JOB_WITH_SUPPORT: 5,
    PlacementType.SOCIAL_ECONOMY: 5,
    PlacementType.LOCAL_SERVICE_ECONOMY: 5,
    PlacementType.WORK_EXPERIENCE: 5,
    PlacementType.SUPPORTED_UNPAID: 4,
    PlacementType.INTERNSHIP: 4,
    PlacementType.VOLUNTEERING: 4,
    PlacementType.AMA: 4,
    PlacementType.WIJK_WERKEN: 4,
    PlacementType.VOCATIONAL_TRAINING: 3,
    PlacementType.FORMAL_EDUCATION: 3,
}
DESTINATION_OF: Mapping[PlacementType, Destination] = {
    PlacementType.REGULAR_JOB: Destination.EMPLOYED,
    PlacementType.REGULAR_JOB_WITH_SUPPORT: Destination.EMPLOYED,
    PlacementType.SELF_EMPLOYMENT: Destination.SELF_EMPLOYED,
    PlacementType.SOCIAL_ECONOMY: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.LOCAL_SERVICE_ECONOMY: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.WORK_EXPERIENCE: Destination.EMPLOYED,
    PlacementType.SUPPORTED_UNPAID: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.AMA: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.WIJK_WERKEN: Destination.OTHER,
    PlacementType.INTERNSHIP: Destination.OTHER,
    PlacementType.VOCATIONAL_TRAINING: Destination.EDUCATION_TRAINING,
    PlacementType.FORMAL_EDUCATION: Destination.EDUCATION_TRAINING,
    PlacementType.VOLUNTEERING: Destination.VOLUNTEERING,
}
EXIT_STATUS_OF: Mapping[Destination, Mapping[ExitStatus, float]] = {
    Destination.EMPLOYED: {ExitStatus.EMPLOYED: 9, ExitStatus.UNKNOWN: 1},
    Destination.SELF_EMPLOYED: {ExitStatus.SELF_EMPLOYED: 9, ExitStatus.UNKNOWN: 1},
    Destination.SUPPORTED_EMPLOYMENT: {
        ExitStatus.EMPLOYED: 4,
        ExitStatus.INACTIVE: 4,
        ExitStatus.UNKNOWN: 1,
    },
    Destination.EDUCATION_TRAINING: {
        ExitStatus.IN_EDUCATION: 8,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 1,
    },
    Destination.VOLUNTEERING: {ExitStatus.INACTIVE: 6, ExitStatus.JOB_SEARCHING: 3},
    Destination.OTHER: {
        ExitStatus.JOB_SEARCHING: 5,
        ExitStatus.INACTIVE: 3,
        ExitStatus.UNKNOWN: 2,
    },
}
DROPOUT_EXIT_STATUS: Mapping[ExitStatus, float] = {
    ExitStatus.UNKNOWN: 5,
    ExitStatus.JOB_SEARCHING: 3,
    ExitStatus.INACTIVE: 3,
    ExitStatus.EMPLOYED: 1,
}
# How a status observed earlier tends to move by the next observation.
NEXT_STATUS: Mapping[ExitStatus, Mapping[ExitStatus, float]] = {
    ExitStatus.EMPLOYED: {
        ExitStatus.EMPLOYED: 8,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 1,
    },
    ExitStatus.SELF_EMPLOYED: {ExitStatus.SELF_EMPLOYED: 9, ExitStatus.UNKNOWN: 1},
    ExitStatus.IN_EDUCATION: {
        ExitStatus.IN_EDUCATION: 6,
        ExitStatus.EMPLOYED: 2,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 1,
    },
    ExitStatus.JOB_SEARCHING: {
        ExitStatus.JOB_SEARCHING: 5,
        ExitStatus.EMPLOYED: 3,
        ExitStatus.INACTIVE: 1,
        ExitStatus.UNKNOWN: 1,
    },
    ExitStatus.INACTIVE: {
        ExitStatus.INACTIVE: 7,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 2,
    },
    ExitStatus.UNKNOWN: {
        ExitStatus.UNKNOWN: 6,
        ExitStatus.JOB_SEARCHING: 2,
        ExitStatus.EMPLOYED: 1,
        ExitStatus.INACTIVE: 1,
    },
}
DECLINE_REASONS: Mapping[DeclineReason, float] = {
    DeclineReason.NOT_REACHED: 35,
    DeclineReason.REFUSED: 25,
    DeclineReason.INELIGIBLE: 15,
    DeclineReason.NO_CAPACITY: 15,
    DeclineReason.DUPLICATE: 10,
}
DROPOUT_REASONS: Mapping[DropoutReason, float] = {
    DropoutReason.LOST_CONTACT: 30,
    DropoutReason.WITHDREW: 15,
    DropoutReason.MENTAL_HEALTH: 12,
    DropoutReason.PHYSICAL_HEALTH: 8,
    DropoutReason.CARE_DUTIES: 6,
    DropoutReason.MOVED: 6,
    DropoutReason.NEEDS_NOT_MET: 6,
    DropoutReason.NON_COMPLIANCE: 5,
    DropoutReason.ADDICTION: 4,
    DropoutReason.INELIGIBLE_AFTER_INTAKE: 3,
    DropoutReason.DETENTION: 2,
    DropoutReason.OTHER: 2.5,
    DropoutReason.DECEASED: 0.5,
}
DROPOUT_WHEN_SUSPENDED: Mapping[SuspensionReason, DropoutReason] = {
    SuspensionReason.HOSPITALISATION: DropoutReason.PHYSICAL_HEALTH,
    SuspensionReason.DETENTION: DropoutReason.DETENTION,
    SuspensionReason.CARE: DropoutReason.CARE_DUTIES,
    SuspensionReason.WAITING_LIST: DropoutReason.NEEDS_NOT_MET,
}
SUSPENSION_REASONS: Mapping[SuspensionReason, float] = {
    SuspensionReason.HOSPITALISATION: 4,
    SuspensionReason.CARE: 3,
    SuspensionReason.WAITING_LIST: 2,
    SuspensionReason.DETENTION: 1,
}
PLACEMENT_END_REASONS: Mapping[PlacementEndReason, float] = {
    PlacementEndReason.CONTRACT_ENDED: 35,
    PlacementEndReason.PARTICIPANT_LEFT: 20,
    PlacementEndReason.CONVERTED_TO_REGULAR_CONTRACT: 15,
    PlacementEndReason.DISMISSED: 10,
    PlacementEndReason.HEALTH: 10,
    PlacementEndReason.OTHER: 10,
}
SETTINGS: Mapping[SessionSetting, float] = {
    SessionSetting.OFFICE: 45,
    SessionSetting.OUTREACH: 15,
    SessionSetting.HOME: 10,
    SessionSetting.ONLINE: 10,
}
NOTES: Mapping[SessionMode, tuple[str, ...]] = {
    SessionMode.INDIVIDUAL: (
        "Opvolggesprek: voortgang en afspraken overlopen.",
        "Vacatures samen bekeken.",
        "CV en motivatiebrief bijgewerkt.",
        "Sollicitatiegesprek voorbereid.",
        "Administratie en documenten in orde gebracht.",
        "Doelen voor de komende weken vastgelegd.",
        "Vervoer naar het werk besproken.",
    ),
    SessionMode.GROUP: (
        "Groepssessie rond solliciteren.",
        "Groepssessie over werkattitudes.",
    ),
    SessionMode.JOB_WORKSHOP: (
        "Jobatelier: sollicitatietraining.",
        "Jobatelier: kennismaking met een werkgever.",
    ),
    SessionMode.DIALOGUE_TABLE: ("Dialoogtafel met werkgevers en deelnemers.",),
}
WORKPLACE_NOTE = "Opvolging op de werkvloer met de werkgever."
REOPEN_REASONS = (
    "Nieuwe ondersteuning gevraagd na het verlies van de job.",
    "Deelnemer neemt opnieuw contact op en wil verder.",
    "Begeleiding op de werkvloer opnieuw nodig.",
)
RETRACT_REASONS = (
    "Sessie in het verkeerde dossier ingegeven.",
    "Sessie dubbel ingegeven.",
    "Afspraak ging niet door, per vergissing geregistreerd.",
)
