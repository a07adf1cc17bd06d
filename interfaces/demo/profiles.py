"""What each seed programme's trajectories look like, and the words and figures the
generator draws from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.vocabulary import Barrier
from domain.vocabulary import EducationLevel
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementType
from domain.vocabulary import SessionMode
from interfaces.demo.draws import weighted


@dataclass(frozen=True, kw_only=True)
class Profile:
    age_mode: int  # most common age at referral
    intake_days: tuple[int, int, int]  # referral to intake: low, high, most common
    months: tuple[int, int]  # intake to the planned exit, in months
    decline: float  # share of referrals declined
    suspension: float  # share of intakes suspended once
    disability: float
    session_days: tuple[int, int]  # days between sessions
    modes: Mapping[SessionMode, float]
    rungs: Mapping[int, float]
    labour: Mapping[LabourStatus, float]
    education: Mapping[EducationLevel, float]
    barriers: Mapping[Barrier, float]
    postcodes: tuple[str, ...]
    placements: Mapping[PlacementType, float]


COMMON_BARRIERS = weighted(
    Barrier,
    confidence_motivation=8, qualifications=7, mobility=6, mental_health=5,
    debt_income=5, dutch_language=4, social_isolation=4, housing=3, digital=3,
    administrative=3, physical_health=3, literacy_numeracy=2, care=2, addiction=1,
    residence_justice=1, discrimination=1,
)  # fmt: skip

# Where Groep Ubuntu x 8K's two programmes find their participants.
ZWEVEGEM_AND_AROUND = tuple(
    "8550 8550 8500 8500 8510 8530 8540 8560 8790 8800 8870 8900".split()
)

PROFILES: Mapping[str, Profile] = {
    "BUSO-AALST": Profile(
        age_mode=18, intake_days=(5, 45, 14), months=(6, 18),
        decline=0.08, suspension=0.08, disability=0.85,
        session_days=(11, 21), modes=weighted(SessionMode, individual=8, group=1),
        rungs={2: 2, 3: 5, 4: 3},
        labour=weighted(LabourStatus, inactive=8, unemployed=2),
        education=weighted(EducationLevel, isced_0_2=9, isced_3_4=1),
        barriers=weighted(
            Barrier, mobility=6, confidence_motivation=5, qualifications=5,
            literacy_numeracy=4, social_isolation=3, digital=2, mental_health=2,
            administrative=2,
        ),
        postcodes=("9300", "9300", "9308", "9310", "9320", "9340", "9280", "9400"),
        placements=weighted(
            PlacementType, supported_unpaid=45, internship=20, social_economy=15,
            regular_job_with_support=15, regular_job=5,
        ),
    ),
    "UBUNTU-BW": Profile(
        age_mode=24, months=(6, 24),
        intake_days=(7, 120, 30),  # begeleid werken has waiting lists
        decline=0.10, suspension=0.25, disability=0.7,
        session_days=(7, 21), modes=weighted(SessionMode, individual=9, group=1),
        rungs={1: 1, 2: 4, 3: 5, 4: 2},
        labour=weighted(LabourStatus, inactive=5, long_term_unemployed=3, unemployed=2),
        education=weighted(EducationLevel, isced_0_2=6, isced_3_4=3, isced_5_8=1),
        barriers=weighted(
            Barrier, mental_health=8, confidence_motivation=6, social_isolation=5,
            mobility=4, physical_health=3, administrative=3, debt_income=2, digital=2,
        ),
        postcodes=ZWEVEGEM_AND_AROUND,
        placements=weighted(
            PlacementType, supported_unpaid=40, regular_job_with_support=20,
            social_economy=15, regular_job=10, volunteering=5, ama=5, internship=5,
        ),
    ),
    "UBUNTU-JOBCOACHING": Profile(
        age_mode=30, intake_days=(5, 45, 14), months=(4, 12),
        decline=0.08, suspension=0.15, disability=0.5,
        session_days=(7, 14),  # coaching on the workplace, often
        modes=weighted(SessionMode, individual=1),
        rungs={2: 2, 3: 4, 4: 3, 5: 1},
        labour=weighted(LabourStatus, long_term_unemployed=4, unemployed=4, inactive=2),
        education=weighted(EducationLevel, isced_0_2=5, isced_3_4=4, isced_5_8=1),
        barriers=weighted(
            Barrier, mental_health=8, confidence_motivation=6, physical_health=4,
            mobility=4, social_isolation=3, administrative=2, debt_income=2,
        ),
        postcodes=ZWEVEGEM_AND_AROUND,
        placements=weighted(
            PlacementType, regular_job_with_support=35, regular_job=20,
            social_economy=15, supported_unpaid=15, internship=10, ama=5,
        ),
    ),
    "ZORA-SAMENLEVEN": Profile(
        age_mode=22, intake_days=(2, 40, 10), months=(3, 12),
        decline=0.15, suspension=0.10, disability=0.12,
        session_days=(7, 18),
        modes=weighted(
            SessionMode, individual=5, job_workshop=3, group=1, dialogue_table=1
        ),
        rungs={1: 3, 2: 4, 3: 3, 4: 1},
        labour=weighted(
            LabourStatus, unemployed=4, long_term_unemployed=3, inactive=3,
            employed=0.5,
        ),
        education=weighted(EducationLevel, isced_0_2=5, isced_3_4=4, isced_5_8=1),
        barriers=COMMON_BARRIERS,
        postcodes=tuple(
            "2640 2640 2630 2530 2150 2650 2540 2550 2547 2160 2520".split()
        ),
        placements=weighted(
            PlacementType, regular_job=25, vocational_training=20, work_experience=15,
            wijk_werken=10, volunteering=10, internship=10, formal_education=5,
            local_service_economy=5,
        ),
    ),
    "SAMENWERKT-HZ": Profile(
        age_mode=21, intake_days=(3, 45, 12), months=(4, 18),
        decline=0.10, suspension=0.10, disability=0.1,
        session_days=(7, 17),
        modes=weighted(SessionMode, individual=7, group=2, job_workshop=1),
        rungs={1: 2, 2: 5, 3: 4, 4: 1},
        labour=weighted(LabourStatus, unemployed=4, inactive=4, long_term_unemployed=2),
        education=weighted(EducationLevel, isced_0_2=6, isced_3_4=4, isced_5_8=0.5),
        barriers=COMMON_BARRIERS,
        postcodes=tuple("3550 3550 3550 3560 3580 3530 3500 3583".split()),
        placements=weighted(
            PlacementType, regular_job=30, vocational_training=20,
            formal_education=10, internship=10, work_experience=10,
            regular_job_with_support=10, volunteering=5, self_employment=5,
        ),
    ),
    "WWB-ESF": Profile(
        age_mode=35, intake_days=(3, 50, 14), months=(6, 18),
        decline=0.10, suspension=0.15, disability=0.2,
        session_days=(7, 21), modes=weighted(SessionMode, individual=6, group=3),
        rungs={1: 2, 2: 4, 3: 4, 4: 1},
        labour=weighted(LabourStatus, long_term_unemployed=6, unemployed=3, inactive=1),
        education=weighted(EducationLevel, isced_0_2=5, isced_3_4=4, isced_5_8=1),
        barriers=COMMON_BARRIERS,
        postcodes=tuple(
            "2000 2060 2100 2800 2300 9000 9000 9100 9200"
            " 8000 8400 8500 8800 3500 3600 3000 1800 1500".split()
        ),
        placements=weighted(
            PlacementType, regular_job=30, regular_job_with_support=15,
            work_experience=15, social_economy=10, vocational_training=10,
            local_service_economy=5, wijk_werken=5, volunteering=5, ama=5,
        ),
    ),
}  # fmt: skip
# For a programme added to the catalogue without a profile of its own.
DEFAULT_PROFILE = PROFILES["WWB-ESF"]
DEFAULT_SIZE = 150  # the size assumed for a programme whose article gives none
RUNNING_BOOST = 2.0  # programmes running at the horizon carry today's caseload
REFERRAL_STOP_DAYS = 30  # a programme takes no referrals in its last month
RETURN_SHARE = 0.06  # trajectories of a participant seen before
CASELOAD = 20  # open trajectories per coach (the fidelity benchmark)
