"""The five programmes of the source articles.

With the figures the demo generator draws from.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class SeedProgramme:
    """One programme of a source article, as the demo registers and populates it."""

    code: str  # short uppercase code
    name: str  # the programme's name as in the article
    funder: str
    organisations: tuple[str, ...]  # partner organisations named in the article
    starts_on: date
    ends_on: date
    budget_eur: Decimal | None  # only where the article gives one
    min_age: int
    max_age: int
    session_cap: int | None  # sessions per participant per year, if implied
    coaches: tuple[str, ...]  # first names, named in the article or invented
    referral_sources: dict[str, float]  # weights over ReferralSource values
    expected_participants: int | None  # from the article, where it gives one
    placement_rate: float  # share of intakes reaching at least one placement
    dropout_rate: float  # share of intakes dropping out
    source: str  # seed file, and which figures are taken or assumed


SEED_PROGRAMMES: tuple[SeedProgramme, ...] = (
    SeedProgramme(
        code="BUSO-AALST",
        name="Van BUSO naar begeleid werken",
        funder="Vlaamse overheid (Plan Samenleven, via Stad Aalst)",
        organisations=("Stad Aalst", "Werkburo Oost-Vlaanderen", "Schoonderhage"),
        starts_on=date(2023, 4, 1),
        ends_on=date(2025, 9, 30),
        budget_eur=None,
        min_age=16,
        max_age=25,
        session_cap=36,
        coaches=("Hilde",),
        referral_sources={
            "school": 0.70,
            "clb": 0.10,
            "gtb": 0.05,
            "family_network": 0.05,
            "municipality": 0.05,
            "self": 0.05,
        },
        expected_participants=6,
        placement_rate=0.67,
        dropout_rate=0.17,
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
    SeedProgramme(
        code="UBUNTU-BW",
        name="Begeleid werken (Werkburo West-Vlaanderen)",
        funder="Vlaamse overheid (persoonsvolgende financiering)",
        organisations=("Groep Ubuntu x 8K", "Werkburo West-Vlaanderen"),
        starts_on=date(2022, 1, 1),
        ends_on=date(2029, 12, 31),
        budget_eur=None,
        min_age=18,
        max_age=64,
        session_cap=None,
        coaches=("Lien", "Bart", "Sofie", "Pieter"),
        referral_sources={
            "vdab": 0.30,
            "gtb": 0.15,
            "ggz": 0.15,
            "school": 0.10,
            "family_network": 0.10,
            "ocmw": 0.05,
            "caw": 0.05,
            "self": 0.05,
            "other": 0.05,
        },
        expected_participants=None,
        placement_rate=0.65,
        dropout_rate=0.20,
        source=(
            "001_b626c1849e73e131.txt: Groep Ubuntu x 8K (Zwevegem) doing begeleid"
            " werken with dedicated jobcoaches within Werkburo West-Vlaanderen,"
            " persoonsvolgende financiering, referrals from activation-trajectory"
            " casemanagers and target groups (ASS, GGZ, mentale beperking, NAH) are"
            " from the article, which gives no period, budget or figures; the name"
            " label, the period 2022-2029 (ongoing structural work), ages 18-64,"
            " the invented coach names, the referral mix and the placement and"
            " dropout rates are assumptions."
        ),
    ),
    SeedProgramme(
        code="ZORA-SAMENLEVEN",
        name="Plan Samenleven: jobateliers, brugfiguren en dialoogtafels (regio ZORA)",
        funder="Vlaamse overheid (Plan Samenleven)",
        organisations=("Lokaal bestuur Mortsel", "Regio ZORA"),
        starts_on=date(2023, 1, 1),
        ends_on=date(2025, 12, 31),
        budget_eur=None,
        min_age=16,
        max_age=64,
        session_cap=None,
        coaches=("Yasmina", "Jonas", "Elif", "Kobe", "Nadia"),
        referral_sources={
            "ocmw": 0.25,
            "vdab": 0.15,
            "youth_work": 0.15,
            "school": 0.10,
            "municipality": 0.10,
            "employer": 0.05,
            "family_network": 0.05,
            "self": 0.10,
            "other": 0.05,
        },
        expected_participants=None,
        placement_rate=0.35,
        dropout_rate=0.30,
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
        code="SAMENWERKT-HZ",
        name="SamenWerkt",
        funder="ESF (Europa WSE)",
        organisations=(
            "Lokaal bestuur Heusden-Zolder",
            "VDAB",
            "Arktos",
            "Emino",
            "CAW",
        ),
        starts_on=date(2021, 1, 1),
        ends_on=date(2023, 12, 31),
        budget_eur=None,
        min_age=18,
        max_age=30,
        session_cap=None,
        coaches=("Joyce", "Jana", "Wout", "Ilse"),
        referral_sources={
            "vdab": 0.25,
            "ocmw": 0.20,
            "youth_work": 0.15,
            "school": 0.10,
            "self": 0.10,
            "reception_centre": 0.08,
            "gtb": 0.07,
            "caw": 0.05,
        },
        expected_participants=70,
        placement_rate=0.40,
        dropout_rate=0.25,
        source=(
            "003_b9032b9f69780b2b.txt: name, ESF funding via WSE, start in January"
            " 2021, partners (lokaal bestuur, VDAB, Arktos, Emino, CAW), ages 18-30,"
            " trajectgezel Joyce, the referral channels and 70 young people in"
            " guidance by 4 May 2023 are from the article; the end date (31 December"
            " 2023, end of the ESF 2014-2020 period), using 70 as the participant"
            " figure, the extra coaches Jana, Wout and Ilse, the referral weights"
            " and the placement and dropout rates are assumptions."
        ),
    ),
    SeedProgramme(
        code="WWB-ESF",
        name="Gespecialiseerde begeleiding naar werk voor kwetsbare werkzoekenden",
        funder="ESF / Vlaamse overheid",
        organisations=("VDAB", "Groep Intro vzw", "Randstad Belgium"),
        starts_on=date(2020, 8, 1),
        ends_on=date(2022, 12, 31),
        budget_eur=Decimal(2479628),
        min_age=18,
        max_age=64,
        session_cap=None,
        coaches=("Annelies", "Stijn", "Katrien", "Mohamed", "Evelien", "Tom"),
        referral_sources={
            "vdab": 0.85,
            "ocmw": 0.06,
            "caw": 0.05,
            "justice": 0.02,
            "other": 0.02,
        },
        expected_participants=700,
        placement_rate=0.30,
        dropout_rate=0.30,
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
)
