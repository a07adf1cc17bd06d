"""The programmes of the five source articles.

With the figures the demo generator draws from. Three are ongoing (no end date): Groep
Ubuntu x 8K's begeleid werken and its jobcoaching in Werkburo West-Vlaanderen, and
SamenWerkt, extended after its pilot; the others keep the periods their articles give.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.commands import ChangeProgrammePeriod
from domain.commands import RegisterProgramme
from domain.vocabulary import ReferralSource
from interfaces.demo.draws import weighted


@dataclass(frozen=True)
class SeedProgramme:
    """One programme of a source article, as the demo registers and populates it."""

    # As registered: the code, the name as in the article, the partner organisations
    # it names, the budget only where it gives one, a session cap where it implies one;
    # no end date for a programme that is ongoing.
    registration: RegisterProgramme
    coaches: tuple[str, ...]  # first names, named in the article or invented
    referral_sources: Mapping[ReferralSource, float]
    expected_participants: int | None  # from the article, where it gives one
    placement_rate: float  # share of intakes reaching at least one placement
    dropout_rate: float  # share of intakes dropping out
    source: str  # seed file, and which figures are taken or assumed
    # The organisations that keep the participants' dossiers, with their shares;
    # None: every organisation of the programme alike.
    holders: Mapping[str, float] | None = None
    # How the period changed after the registration (an extension, a closing).
    changes: tuple[ChangeProgrammePeriod, ...] = ()

    @property
    def code(self) -> str:
        return self.registration.code


# Groep Ubuntu x 8K's two programmes within Werkburo West-Vlaanderen share their
# partners, the start of the recorded history, the ages, the jobcoaches and the
# organisation keeping the dossiers.
UBUNTU_BW = SeedProgramme(
    registration=RegisterProgramme(
        code="UBUNTU-BW",
        name="Begeleid werken (Werkburo West-Vlaanderen)",
        funder="Vlaamse overheid (persoonsvolgende financiering)",
        organisations=["Groep Ubuntu x 8K", "Werkburo West-Vlaanderen"],
        starts_on=date(2022, 1, 1),
        min_age=18, max_age=64,
    ),
    coaches=("Lien", "Bart", "Sofie", "Pieter"),
    referral_sources=weighted(
        ReferralSource, vdab=0.30, gtb=0.15, ggz=0.15, school=0.10, family_network=0.10,
        ocmw=0.05, caw=0.05, self=0.05, other=0.05,
    ),
    expected_participants=None, placement_rate=0.65, dropout_rate=0.20,
    source=(
        "001_b626c1849e73e131.txt: Groep Ubuntu x 8K (Zwevegem) doing begeleid"
        " werken with dedicated jobcoaches within Werkburo West-Vlaanderen since"
        " 1999, persoonsvolgende financiering, no end (structural work, not a"
        " project) and target groups (ASS, GGZ, mentale beperking, NAH) are from"
        " the article, which gives no budget or figures; the name label, the"
        " start of the recorded history (1 January 2022), ages 18-64, the"
        " dossiers kept by Groep Ubuntu x 8K, the invented coach names, the"
        " referral mix and the placement and dropout rates are assumptions."
    ),
    holders={"Groep Ubuntu x 8K": 1.0},
)  # fmt: skip


SEED_PROGRAMMES: tuple[SeedProgramme, ...] = (
    SeedProgramme(
        registration=RegisterProgramme(
            code="BUSO-AALST",
            name="Van BUSO naar begeleid werken",
            funder="Vlaamse overheid (Plan Samenleven, via Stad Aalst)",
            organisations=["Stad Aalst", "Werkburo Oost-Vlaanderen", "Schoonderhage"],
            starts_on=date(2023, 4, 1), ends_on=date(2025, 9, 30),
            min_age=16, max_age=25, session_cap=36,
        ),
        coaches=("Hilde",),
        referral_sources=weighted(
            ReferralSource, school=0.70, clb=0.10, gtb=0.05, family_network=0.05,
            municipality=0.05, self=0.05,
        ),
        expected_participants=6, placement_rate=0.67, dropout_rate=0.17,
        source=(
            "000_2af1ac988b655d97.txt: name, Stad Aalst / Werkburo Oost-Vlaanderen /"
            " Schoonderhage, Flemish subsidy via the city's Plan Samenleven, jobcoach"
            " Hilde, about 6 trajectories with the two Aalst BUSO schools and the end"
            " in September 2025 are from the article; the start date (1 April 2023"
            " for 'sinds de lente van 2023'), the age range, the cap of 36 sessions a"
            " year (the article only says 'een vastgelegd aantal contacten'), the"
            " referral mix and the placement and dropout rates are assumptions."
        ),
    ),
    UBUNTU_BW,
    replace(
        UBUNTU_BW,
        registration=replace(
            UBUNTU_BW.registration,
            code="UBUNTU-JOBCOACHING",
            name="Jobcoaching in activeringstrajecten (Werkburo West-Vlaanderen)",
            funder="VDAB (activeringstrajecten)",
        ),
        referral_sources=weighted(
            ReferralSource, vdab=0.60, gtb=0.20, ggz=0.10, ocmw=0.05, self=0.05,
        ),
        expected_participants=None, placement_rate=0.70, dropout_rate=0.20,
        source=(
            "001_b626c1849e73e131.txt: jobcoaching offered by Groep Ubuntu x 8K"
            " within Werkburo West-Vlaanderen as part of the activeringstrajecten,"
            " asked for by their casemanagers ('veel vragen ... om"
            " jobcoachingstrajecten op te zetten'), and that it is ongoing are from"
            " the article, which gives no period, budget or figures; VDAB as the"
            " funder (it runs the activeringstrajecten), the start of the recorded"
            " history (1 January 2022), ages 18-64, the dossiers kept by Groep"
            " Ubuntu x 8K, the coaches (the same jobcoaches as its begeleid"
            " werken), the referral mix and the placement and dropout rates are"
            " assumptions."
        ),
    ),
    SeedProgramme(
        registration=RegisterProgramme(
            code="ZORA-SAMENLEVEN",
            name=(
                "Plan Samenleven: jobateliers, brugfiguren en dialoogtafels "
                "(regio ZORA)"
            ),
            funder="Vlaamse overheid (Plan Samenleven)",
            organisations=["Lokaal bestuur Mortsel", "Regio ZORA"],
            starts_on=date(2023, 1, 1), ends_on=date(2025, 12, 31),
            min_age=16, max_age=64,
        ),
        coaches=("Yasmina", "Jonas", "Elif", "Kobe", "Nadia"),
        referral_sources=weighted(
            ReferralSource, ocmw=0.25, vdab=0.15, youth_work=0.15, school=0.10,
            municipality=0.10, employer=0.05, family_network=0.05, self=0.10,
            other=0.05,
        ),
        expected_participants=None, placement_rate=0.35, dropout_rate=0.30,
        source=(
            "002_df4a366a971a32a3.txt: the Plan Samenleven intermunicipal cooperation"
            " of Mortsel and the eight ZORA local authorities with jobateliers (about"
            " 35 young people per youth atelier), brugfiguren, dialoogtafels and"
            " leefloners as a target group are from the article, which gives no"
            " period, budget or outcome figures; the period 2023-2025, ages 16-64,"
            " the invented brugfiguur names, the referral mix and the placement and"
            " dropout rates (low, as the article calls referral volume a weak point)"
            " are assumptions."
        ),
    ),
    SeedProgramme(
        registration=RegisterProgramme(
            code="SAMENWERKT-HZ",
            name="SamenWerkt",
            funder="ESF (Europa WSE)",
            organisations=[
                "Lokaal bestuur Heusden-Zolder",
                "VDAB",
                "Arktos",
                "Emino",
                "CAW",
            ],
            starts_on=date(2021, 1, 1), ends_on=date(2023, 12, 31),
            min_age=18, max_age=30,
        ),
        coaches=("Joyce", "Jana", "Wout", "Ilse"),
        referral_sources=weighted(
            ReferralSource, vdab=0.25, ocmw=0.20, youth_work=0.15, school=0.10,
            self=0.10, reception_centre=0.08, gtb=0.07, caw=0.05,
        ),
        expected_participants=70, placement_rate=0.40, dropout_rate=0.25,
        source=(
            "003_b9032b9f69780b2b.txt: name, ESF funding via WSE, start in January"
            " 2021 as a pilot, partners (lokaal bestuur, VDAB, Arktos, Emino, CAW),"
            " ages 18-30, trajectgezel Joyce (Emino) and the coordination by"
            " Arktos, the referral channels, 70 young people in guidance by 4 May"
            " 2023 and the look ahead 'om verder te kunnen groeien' are from the"
            " article; the pilot's first end date (31 December 2023, end of the ESF"
            " 2014-2020 period), its extension without an end date decided on 1"
            " December 2023, using 70 as the participant figure, the dossiers kept"
            " by Arktos and Emino, the extra coaches Jana, Wout and Ilse, the"
            " referral weights and the placement and dropout rates are assumptions."
        ),
        holders={"Arktos": 1.0, "Emino": 1.0},
        changes=(
            ChangeProgrammePeriod(
                on=date(2023, 12, 1),
                reason=(
                    "Pilootproject verlengd: SamenWerkt loopt verder, nog zonder"
                    " einddatum."
                ),
            ),
        ),
    ),
    SeedProgramme(
        registration=RegisterProgramme(
            code="WWB-ESF",
            name="Gespecialiseerde begeleiding naar werk voor kwetsbare werkzoekenden",
            funder="ESF / Vlaamse overheid", budget=Decimal(2479628),
            organisations=["VDAB", "Groep Intro vzw", "Randstad Belgium"],
            starts_on=date(2020, 8, 1), ends_on=date(2022, 12, 31),
            min_age=18, max_age=64,
        ),
        coaches=("Annelies", "Stijn", "Katrien", "Mohamed", "Evelien", "Tom"),
        referral_sources=weighted(
            ReferralSource, vdab=0.85, ocmw=0.06, caw=0.05, justice=0.02, other=0.02,
        ),
        expected_participants=700, placement_rate=0.30, dropout_rate=0.30,
        source=(
            "004_d4f2e0e70383f438.txt: the ESF call of minister Crevits with group"
            " trajectories by Groep Intro vzw (four provinces) and Randstad Belgium"
            " (Antwerpen, 'Samen naar Werk!') beside VDAB's werk-welzijnsbemiddelaars,"
            " start on 1 August, end in late 2022, the total budget of EUR 2,479,628"
            " and 'meer dan 700' jobseekers are from the article; the name (taken"
            " from the headline, as the article names only the five provincial"
            " projects), the year 2020 of the start, ages 18-64, the coach names,"
            " the referral mix and the placement and dropout rates are assumptions."
        ),
    ),
)  # fmt: skip
