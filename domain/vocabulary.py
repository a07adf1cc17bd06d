"""The codes trajectories are recorded in. Values are stored in events: keep them."""

from enum import Enum


class ReferralSource(Enum):
    VDAB = "vdab"
    OCMW = "ocmw"
    CAW = "caw"
    GGZ = "ggz"
    SCHOOL = "school"
    CLB = "clb"
    GTB = "gtb"
    YOUTH_WORK = "youth_work"
    JUSTICE = "justice"
    MUNICIPALITY = "municipality"
    RECEPTION_CENTRE = "reception_centre"
    EMPLOYER = "employer"
    FAMILY_NETWORK = "family_network"
    SELF = "self"
    OTHER = "other"


class DeclineReason(Enum):
    INELIGIBLE = "ineligible"
    NO_CAPACITY = "no_capacity"
    NOT_REACHED = "not_reached"
    REFUSED = "refused"
    DUPLICATE = "duplicate"


class LabourStatus(Enum):
    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed"
    INACTIVE = "inactive"


class EducationLevel(Enum):
    ISCED_0_2 = "isced_0_2"
    ISCED_3_4 = "isced_3_4"
    ISCED_5_8 = "isced_5_8"


class Barrier(Enum):
    HOUSING = "housing"
    MOBILITY = "mobility"
    CARE = "care"
    MENTAL_HEALTH = "mental_health"
    PHYSICAL_HEALTH = "physical_health"
    ADDICTION = "addiction"
    DUTCH_LANGUAGE = "dutch_language"
    LITERACY_NUMERACY = "literacy_numeracy"
    DIGITAL = "digital"
    QUALIFICATIONS = "qualifications"
    DEBT_INCOME = "debt_income"
    RESIDENCE_JUSTICE = "residence_justice"
    SOCIAL_ISOLATION = "social_isolation"
    CONFIDENCE_MOTIVATION = "confidence_motivation"
    DISCRIMINATION = "discrimination"
    ADMINISTRATIVE = "administrative"


class SessionMode(Enum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    JOB_WORKSHOP = "job_workshop"
    DIALOGUE_TABLE = "dialogue_table"


class SessionSetting(Enum):
    OFFICE = "office"
    OUTREACH = "outreach"
    HOME = "home"
    WORKPLACE = "workplace"
    ONLINE = "online"


class PlacementType(Enum):
    REGULAR_JOB = "regular_job"
    REGULAR_JOB_WITH_SUPPORT = "regular_job_with_support"
    SUPPORTED_UNPAID = "supported_unpaid"
    SOCIAL_ECONOMY = "social_economy"
    LOCAL_SERVICE_ECONOMY = "local_service_economy"
    WIJK_WERKEN = "wijk_werken"
    WORK_EXPERIENCE = "work_experience"
    INTERNSHIP = "internship"
    VOCATIONAL_TRAINING = "vocational_training"
    FORMAL_EDUCATION = "formal_education"
    VOLUNTEERING = "volunteering"
    AMA = "ama"
    SELF_EMPLOYMENT = "self_employment"


COMPETITIVE_PLACEMENT_TYPES = frozenset(
    {
        PlacementType.REGULAR_JOB,
        PlacementType.REGULAR_JOB_WITH_SUPPORT,
        PlacementType.SELF_EMPLOYMENT,
    }
)


class PlacementEndReason(Enum):
    CONTRACT_ENDED = "contract_ended"
    CONVERTED_TO_REGULAR_CONTRACT = "converted_to_regular_contract"
    PARTICIPANT_LEFT = "participant_left"
    DISMISSED = "dismissed"
    HEALTH = "health"
    OTHER = "other"


class SuspensionReason(Enum):
    HOSPITALISATION = "hospitalisation"
    DETENTION = "detention"
    CARE = "care"
    WAITING_LIST = "waiting_list"


class Destination(Enum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    EDUCATION_TRAINING = "education_training"
    SUPPORTED_EMPLOYMENT = "supported_employment"
    VOLUNTEERING = "volunteering"
    OTHER = "other"


class DropoutReason(Enum):
    LOST_CONTACT = "lost_contact"
    WITHDREW = "withdrew"
    PHYSICAL_HEALTH = "physical_health"
    MENTAL_HEALTH = "mental_health"
    ADDICTION = "addiction"
    CARE_DUTIES = "care_duties"
    MOVED = "moved"
    DETENTION = "detention"
    NEEDS_NOT_MET = "needs_not_met"
    INELIGIBLE_AFTER_INTAKE = "ineligible_after_intake"
    PROGRAMME_ENDED = "programme_ended"
    NON_COMPLIANCE = "non_compliance"
    DECEASED = "deceased"
    OTHER = "other"


class ExitStatus(Enum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    IN_EDUCATION = "in_education"
    JOB_SEARCHING = "job_searching"
    INACTIVE = "inactive"
    UNKNOWN = "unknown"


class Gender(Enum):
    F = "F"
    M = "M"
    X = "X"
    UNKNOWN = "unknown"


class AgeBand(Enum):
    UNDER_18 = "<18"
    FROM_18_TO_24 = "18-24"
    FROM_25_TO_29 = "25-29"
    FROM_30_TO_54 = "30-54"
    FROM_55 = "55+"

    @classmethod
    def of(cls, age: int) -> "AgeBand":
        if age < 18:
            return cls.UNDER_18
        if age < 25:
            return cls.FROM_18_TO_24
        if age < 30:
            return cls.FROM_25_TO_29
        if age < 55:
            return cls.FROM_30_TO_54
        return cls.FROM_55


class Stage(Enum):
    REFERRED = "referred"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    DECLINED = "declined"


class ProfileField(Enum):
    """The parts of the entry profile that EntryProfileCorrected may change."""

    RUNG = "rung"
    LABOUR_STATUS = "labour_status"
    EDUCATION_LEVEL = "education_level"
    BARRIERS = "barriers"
    DISABILITY = "disability"
    POSTCODE = "postcode"


class Province(Enum):
    """Where a participant lives, from the intake postcode (Belgian ranges)."""

    BRUSSELS = "brussels"
    WALLOON_BRABANT = "walloon_brabant"
    FLEMISH_BRABANT = "flemish_brabant"
    ANTWERP = "antwerp"
    LIMBURG = "limburg"
    LIEGE = "liege"
    NAMUR = "namur"
    HAINAUT = "hainaut"
    LUXEMBOURG = "luxembourg"
    WEST_FLANDERS = "west_flanders"
    EAST_FLANDERS = "east_flanders"

    @classmethod
    def of(cls, postcode: str) -> "Province | None":
        """The province of a Belgian postcode, or None for one outside the ranges."""
        if not (len(postcode) == 4 and postcode.isdigit()):
            return None
        number = int(postcode)
        for first, last, province in _POSTCODE_RANGES:
            if first <= number <= last:
                return province
        return None


_POSTCODE_RANGES = (
    (1000, 1299, Province.BRUSSELS),
    (1300, 1499, Province.WALLOON_BRABANT),
    (1500, 1999, Province.FLEMISH_BRABANT),
    (2000, 2999, Province.ANTWERP),
    (3000, 3499, Province.FLEMISH_BRABANT),
    (3500, 3999, Province.LIMBURG),
    (4000, 4999, Province.LIEGE),
    (5000, 5999, Province.NAMUR),
    (6000, 6599, Province.HAINAUT),
    (6600, 6999, Province.LUXEMBOURG),
    (7000, 7999, Province.HAINAUT),
    (8000, 8999, Province.WEST_FLANDERS),
    (9000, 9999, Province.EAST_FLANDERS),
)


def cohort_of(day: str) -> str:
    """The quarter an ISO date falls in, as outcome cohorts name it: ``2024Q1``."""
    return f"{day[:4]}Q{(int(day[5:7]) + 2) // 3}"


FOLLOW_UP_MILESTONES = (6, 12)

ALL_ENUMS: tuple[type[Enum], ...] = (
    ReferralSource,
    DeclineReason,
    LabourStatus,
    EducationLevel,
    Barrier,
    SessionMode,
    SessionSetting,
    PlacementType,
    PlacementEndReason,
    SuspensionReason,
    Destination,
    DropoutReason,
    ExitStatus,
    Gender,
    AgeBand,
    Stage,
    ProfileField,
)
