"""Demo data for `make run`, loaded idempotently: a few accounts, an open call with a form,
and a call in judging (screened entries, a panel, a blind round with its assignment run and
most scorecards in)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.challenges.content import render_markdown
from app.core.config import Settings
from app.core.db import make_engine, utcnow
from app.core.security import PasswordHasher
from app.entries.views import entry_snapshot
from app.judging.assigning import apply_assignment
from app.models import (
    Assignment,
    Challenge,
    ChallengeReport,
    ChallengeRole,
    ChallengeTranslation,
    CommitteeMember,
    ConflictSource,
    Criterion,
    Eligibility,
    Entry,
    EntryRevision,
    EntryStatus,
    FieldType,
    FormField,
    Judge,
    JudgeStatus,
    Membership,
    Round,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
    TeamMember,
    User,
)
from app.models import Conflict as ConflictOfInterest

DEMO_PASSWORD = "opencall-demo"  # noqa: S105 (demo accounts, never in production)

DEMO_USERS = [
    ("admin@demo.example.org", "Ada Admin", True),
    ("organiser@demo.example.org", "Oluwaseun Organiser", False),
    ("judge@demo.example.org", "Joy Judge", False),
    ("entrant@demo.example.org", "Esi Entrant", False),
    ("screener@demo.example.org", "Sani Screener", False),
    ("kofi@demo.example.org", "Kofi Mensah", False),
    ("amina@demo.example.org", "Amina Bello", False),
    ("wanjiru@demo.example.org", "Wanjiru Kamau", False),
    ("nurse@demo.example.org", "Naledi Nurse", False),
    ("researcher@demo.example.org", "Rashid Researcher", False),
    ("youth@demo.example.org", "Yemi Youth", False),
]

DEMO_SLUG = "hiv-testing-youth"
DEMO_DESCRIPTION = """\
Young people in Nigeria are less likely to test for HIV than any other age group. We are
looking for **creative, practical ideas** that make testing easier, more private and more
welcoming for people aged 14–24.

Entries may be a written idea, a poster or a short video. Finalists join a three-day
designathon and the best ideas are piloted in youth clinics.
"""

DEMO_FORM: list[tuple[FieldType, str, str, bool, dict[str, Any], dict[str, bool]]] = [
    (FieldType.long_text, "idea", "Describe your idea", True, {"max_words": 500}, {}),
    (FieldType.country, "country", "Country where the idea was conceived", True, {}, {}),
    (
        FieldType.file,
        "poster",
        "Poster or picture (optional)",
        False,
        {"accept": ["pdf", "image"], "max_size_mb": 5, "max_files": 1},
        {},
    ),
    (
        FieldType.checkbox,
        "consent",
        "I agree that my entry may be shared openly under its licence",
        True,
        {},
        {},
    ),
    (
        FieldType.choice,
        "gender",
        "Gender (optional)",
        False,
        {"choices": ["Woman", "Man", "Non-binary", "Prefer not to say"]},
        {"demographic": True, "show_to_judges": False},
    ),
    (
        FieldType.choice,
        "age_band",
        "Age band (optional)",
        False,
        {"choices": ["Under 18", "18–24", "25–34", "35 or older"]},
        {"demographic": True, "show_to_judges": False},
    ),
]

# The open call is also given in French (readers choose it with ?lang=fr or their settings).
DEMO_FRENCH_DESCRIPTION = """\
Les jeunes au Nigeria se font moins dépister pour le VIH que toute autre tranche d’âge. Nous
cherchons des **idées créatives et concrètes** qui rendent le dépistage plus simple, plus
discret et plus accueillant pour les 14–24 ans.

Une participation peut être une idée écrite, une affiche ou une courte vidéo. Les finalistes
participent à un designathon de trois jours et les meilleures idées sont testées dans des
centres de santé pour les jeunes.
"""
DEMO_FRENCH: dict[str, Any] = {
    "title": "Rendre le dépistage du VIH plus simple pour les jeunes",
    "prompt": "Comment rendre le dépistage du VIH plus simple et plus accueillant pour les jeunes ?",
    "description_md": DEMO_FRENCH_DESCRIPTION,
    "eligibility_text": "Ouvert aux personnes de 14 à 35 ans vivant au Nigeria. Équipes de 5 au plus.",
    "formats_text": "Un texte de 500 mots au plus ; une affiche ou une image facultative (PDF ou "
    "image, 5 Mo au plus).",
    "prizes_text": "Trois prix de 500 000 ₦ et une place au designathon pour dix finalistes.",
    "recognition_text": "Les finalistes sont nommés dans le rapport et invités à le co-signer.",
    "consent_text": "Les moins de 18 ans ont besoin de l’accord d’un parent ou d’un tuteur.",
    "form": {
        "idea": {"label": "Décrivez votre idée"},
        "country": {"label": "Pays où l’idée est née"},
        "poster": {"label": "Affiche ou image (facultative)"},
        "consent": {
            "label": "J’accepte que ma participation soit partagée librement sous sa licence"
        },
        "gender": {
            "label": "Genre (facultatif)",
            "choices": {
                "Woman": "Femme",
                "Man": "Homme",
                "Non-binary": "Non binaire",
                "Prefer not to say": "Je préfère ne pas répondre",
            },
        },
        "age_band": {
            "label": "Tranche d’âge (facultative)",
            "choices": {"Under 18": "Moins de 18 ans", "35 or older": "35 ans ou plus"},
        },
    },
}

DEMO_COMMITTEE = [
    ("Chiamaka Obi", "Youth advisory board", "Chair, community member", True),
    ("Dr. Ibrahim Musa", "Lagos University Teaching Hospital", "Clinician", True),
    ("Funmi Adeyemi", "Network of People Living with HIV", "Community representative", True),
    ("Grace Health Foundation", "Funder", "Observer", False),
]


def _challenge(session: Session, organiser: User, created: list[str]) -> Challenge:
    challenge = session.exec(select(Challenge).where(Challenge.slug == DEMO_SLUG)).first()
    if challenge is not None:
        return challenge
    now = utcnow()
    challenge = Challenge(
        slug=DEMO_SLUG,
        title="Make HIV testing easier for young people",
        prompt="How might we make HIV testing easier and more welcoming for young people?",
        description_md=DEMO_DESCRIPTION,
        description_html=render_markdown(DEMO_DESCRIPTION),
        eligibility_text="Open to people aged 14 to 35 living in Nigeria. Teams of up to 5.",
        categories=["Community outreach", "Clinic services", "Digital tools"],
        languages=["en", "yo", "ha", "ig"],
        formats_text="Text up to 500 words; an optional poster or picture (PDF or image, up to 5 MB).",
        prizes_text="Three prizes of ₦500,000 and a place at the designathon for ten finalists.",
        recognition_text="Finalists are named in the report and invited to co-author it.",
        consent_text="Entrants under 18 need the consent of a parent or guardian.",
        contact_email="organiser@demo.example.org",
        timezone="Africa/Lagos",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=60),
        grace_minutes=15,
        published_at=now - timedelta(days=7),
        reference_prefix="HIV",
        max_team_size=5,
        eligibility_rules=[
            {
                "kind": "country_in",
                "field": "country",
                "countries": ["NG"],
                "enforce": "flag",
                "label": "The idea was conceived in Nigeria",
            }
        ],
        screening_reasons=["Not from Nigeria", "Off topic", "Incomplete entry", "Duplicate"],
        created_by_id=organiser.id,
    )
    session.add(challenge)
    session.flush()
    assert challenge.id is not None
    for position, (kind, key, label, required, config, extra) in enumerate(DEMO_FORM):
        session.add(
            FormField(
                challenge_id=challenge.id,
                key=key,
                type=kind,
                label=label,
                required=required,
                config=dict(config),
                position=position,
                demographic=extra.get("demographic", False),
                show_to_judges=extra.get("show_to_judges", True),
            )
        )
    for position, (name, affiliation, role, voting) in enumerate(DEMO_COMMITTEE):
        session.add(
            CommitteeMember(
                challenge_id=challenge.id,
                name=name,
                affiliation=affiliation,
                role=role,
                voting=voting,
                position=position,
            )
        )
    session.add(
        ChallengeTranslation(
            challenge_id=challenge.id,
            language="fr",
            **DEMO_FRENCH,
            description_html=render_markdown(DEMO_FRENCH_DESCRIPTION),
        )
    )
    created.append(f"challenge {DEMO_SLUG}")
    return challenge


# --- A call in judging ------------------------------------------------------------------------

JUDGING_SLUG = "malaria-nets-schools"
JUDGING_DESCRIPTION = """\
Most families in our districts own a bed net, yet on a given night many children still sleep
without one: nets are torn, hard to hang over a mat, too hot, or kept for a visitor. Schools
reach almost every family every day. We asked pupils, teachers and parents for **ideas a
school can run** that keep nets in use, every night, all year.

Entries are a written idea of up to 300 words. Ten schools will pilot the three ideas the
judges rank highest next term.
"""

JUDGING_FORM: list[tuple[FieldType, str, str, bool, dict[str, Any], dict[str, bool]]] = [
    (FieldType.long_text, "idea", "Describe your idea", True, {"max_words": 300}, {}),
    (FieldType.country, "country", "Country of your school", True, {}, {}),
    (
        FieldType.short_text,
        "school",
        "Name of your school (hidden from judges in a blind round)",
        False,
        {},
        {"identifying": True},
    ),
]


@dataclass(frozen=True)
class DemoEntry:
    owner: str
    title: str
    summary: str
    category: str
    country: str
    school: str
    idea: str
    quality: float  # how good the demo judges find it, on the 1–10 scale
    team: tuple[str, ...] = ()


JUDGING_ENTRIES = [
    DemoEntry(
        "entrant@demo.example.org",
        "Net check Fridays",
        "Each Friday pupils mark on a class chart whether they slept under a net every night "
        "that week; the class with the best month wins a football.",
        "School",
        "GH",
        "Tamale Central Primary",
        "Every Friday morning the class teacher asks who slept under a net every night that "
        "week. Pupils answer privately on a slip, and the class monitor adds the slips to a "
        "chart on the wall. Children who could not use a net say why (torn, too hot, no hook) "
        "and the head teacher passes those reasons to the health volunteer each month. The "
        "class with the highest share over a month wins a football for break time. It costs "
        "chalk, paper and one ball a month, and pupils remind their parents because they want "
        "their class to win.",
        8.2,
    ),
    DemoEntry(
        "kofi@demo.example.org",
        "Hang-it-right workshops",
        "Older pupils learn to hang a net over a sleeping mat, a bunk or a room without a bed "
        "frame, then teach their families at a Saturday workshop.",
        "Community",
        "GH",
        "Bolgatanga Junior High",
        "Many nets stay in their bags because families sleep on mats and have nowhere to tie "
        "them. In science lessons pupils in Form 2 practise four ways of hanging a net with "
        "string, nails and sticks. Each pupil then runs a short workshop at home or for "
        "neighbours on a Saturday, with a one-page picture guide they drew themselves. A "
        "health volunteer checks a sample of homes a month later.",
        7.4,
    ),
    DemoEntry(
        "amina@demo.example.org",
        "Repair corners",
        "The school sewing club mends torn nets brought in by families, with donated thread "
        "and pieces of old nets.",
        "School",
        "NG",
        "Government Girls Secondary School, Kano",
        "A torn net is often put away rather than used. Our sewing club will open a repair "
        "corner every Wednesday after school. Families drop torn nets at the gate in the "
        "morning and collect them mended in the afternoon. Patches come from nets too damaged "
        "to use. The club keeps a register of repairs so the health office can see how many "
        "nets were saved.",
        6.5,
    ),
    DemoEntry(
        "wanjiru@demo.example.org",
        "Mosquito Mo: a school radio drama",
        "Pupils write and record a weekly five-minute drama about a mosquito who cannot get "
        "past the nets of one family, broadcast on community radio.",
        "Community",
        "KE",
        "Kisumu Lakeside Primary",
        "Drama club pupils write short episodes in which Mosquito Mo tries every night to bite "
        "the children of one family and fails because the nets are hung and tucked in. The "
        "local community station has offered a free slot after the Saturday football. Each "
        "episode ends with one practical tip. Teachers use the episode in class the following "
        "Monday.",
        5.6,
    ),
    DemoEntry(
        "entrant@demo.example.org",
        "Text reminders from the school",
        "The school's parent SMS list sends a short reminder at the start of the rainy season "
        "and whenever nets are distributed.",
        "Community",
        "GH",
        "Tamale Central Primary",
        "The school already texts parents about fees and meetings. We would add four messages "
        "a year: at the start of the rainy season, after a net distribution, before the "
        "holidays and when malaria cases rise in the district. Messages are written with "
        "pupils in the local language.",
        4.6,
    ),
    DemoEntry(
        "kofi@demo.example.org",
        "Cool nights",
        "Pupils measure which ways of hanging a net keep a room coolest and share the results, "
        "because 'too hot' is the reason most families give for not using one.",
        "School",
        "GH",
        "Bolgatanga Junior High",
        "In a science project, pupils hang nets in different ways in classrooms at night and "
        "record temperatures with simple thermometers; they also test opening windows behind "
        "the net. The best set-ups are shown at the parents' day and printed as a poster for "
        "the clinic. Other schools can repeat the experiment with the same worksheet.",
        7.1,
        ("Abena Owusu", "Yaw Boateng"),
    ),
    DemoEntry(
        "amina@demo.example.org",
        "Sleep-under-it pledge wall",
        "Pupils and parents sign a pledge wall at the school gate promising to use a net every "
        "night.",
        "School",
        "NG",
        "Government Girls Secondary School, Kano",
        "At the start of term we paint a wall at the gate and invite each family to sign "
        "their pledge to sleep under a net every night. Signing takes place on the first "
        "parents' day, with a nurse on hand to answer questions.",
        3.4,
    ),
    DemoEntry(
        "wanjiru@demo.example.org",
        "Old nets, new uses, after the new net is up",
        "When new nets arrive, pupils collect the old ones for garden fences, so families do "
        "not keep the new net for best and sleep under the old.",
        "Community",
        "KE",
        "Kisumu Lakeside Primary",
        "Families often keep a new net in its bag and go on using an old torn one. Pupils "
        "offer to take the old net for the school garden only once the new one is hanging; "
        "a pupil visits to see it up and takes the old net away. The garden shows what the "
        "nets became.",
        5.4,
    ),
]

# Each judge: (e-mail, affiliation, tags, how far their scores sit from the others').
JUDGING_PANEL = [
    ("judge@demo.example.org", "District Health Directorate", ["community", "policy"], 0.0),
    ("nurse@demo.example.org", "Tamale Teaching Hospital", ["clinician"], 0.5),
    ("researcher@demo.example.org", "Malaria Research Unit", ["researcher"], -2.0),
    ("youth@demo.example.org", "Young Health Champions", ["youth", "community"], 0.5),
]
HARSH_JUDGE = "researcher@demo.example.org"
BEHIND_JUDGE = "judge@demo.example.org"  # leaves a draft and an untouched entry
SCORE_SEED = 2024

COMMENTS = {
    "high": [
        "Simple and cheap; the school already has everything it needs to start.",
        "Tackles the real reason nets go unused. I would fund the pilot.",
        "Builds on a habit the school has already; likely to last past the first term.",
    ],
    "mid": [
        "Plausible, but the plan for keeping it going after the first term is thin.",
        "Good idea; it depends on one keen teacher, which worries me.",
        "Would help some families; I doubt it reaches those who need it most.",
    ],
    "low": [
        "Well meant, but I cannot see how it changes what happens at bedtime.",
        "Awareness alone; families already know nets prevent malaria.",
        "Hard to tell whether anything changes; no way to measure use.",
    ],
}
FEEDBACK = {
    "high": [
        "A practical idea that goes straight at the reasons nets are not used. Well done.",
        "Clear and easy to copy in other schools. Think about how you will count its effect.",
    ],
    "mid": [
        "A promising start. Say more about who runs it after the first term.",
        "Try to reach the families who do not come to school events as well.",
    ],
    "low": [
        "Consider what a family would do differently at night because of your idea.",
        "Think about how you would know whether more children sleep under a net.",
    ],
}
DISAGREEMENT_COMMENTS = (
    "Exactly the kind of idea a school can run tomorrow; I scored it near the top.",
    "I do not see how this keeps nets in use; it reads as a one-off event.",
)


def _judging_challenge(session: Session, users: dict[str, User], created: list[str]) -> None:
    """The call in judging; if its slug exists, nothing is added for it. The assignment
    commits what comes before it, so were the scorecards to fail, a fresh database is the
    way back (the call would be skipped by the next run)."""
    if session.exec(select(Challenge.id).where(Challenge.slug == JUDGING_SLUG)).first():
        return
    now = utcnow()
    organiser = users["organiser@demo.example.org"]
    challenge = Challenge(
        slug=JUDGING_SLUG,
        title="Keeping bed nets in use: ideas from schools",
        prompt="How might schools help families sleep under their bed nets every night?",
        description_md=JUDGING_DESCRIPTION,
        description_html=render_markdown(JUDGING_DESCRIPTION),
        eligibility_text="Open to pupils, teachers and parents of schools in Ghana, Kenya and "
        "Nigeria. Teams of up to 4.",
        categories=["Community", "School"],
        languages=["en"],
        formats_text="Text up to 300 words.",
        prizes_text="Three ideas piloted in ten schools next term, with a grant of $2,000 each.",
        recognition_text="Every entrant is named in the pilot report unless they ask not to be.",
        contact_email="organiser@demo.example.org",
        timezone="Africa/Accra",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=10),
        judging_opens_at=now - timedelta(days=9),
        judging_closes_at=now + timedelta(days=12),
        published_at=now - timedelta(days=61),
        reference_prefix="MAL",
        entry_counter=len(JUDGING_ENTRIES),
        max_team_size=4,
        screening_reasons=["Off topic", "Incomplete entry", "Duplicate"],
        created_by_id=organiser.id,
    )
    session.add(challenge)
    session.flush()
    assert challenge.id is not None and organiser.id is not None
    for position, (kind, key, label, required, config, extra) in enumerate(JUDGING_FORM):
        session.add(
            FormField(
                challenge_id=challenge.id,
                key=key,
                type=kind,
                label=label,
                required=required,
                config=dict(config),
                position=position,
                identifying=extra.get("identifying", False),
            )
        )
    for email, role in (
        ("organiser@demo.example.org", ChallengeRole.organiser),
        ("screener@demo.example.org", ChallengeRole.screener),
    ):
        user_id = users[email].id
        assert user_id is not None
        session.add(Membership(challenge_id=challenge.id, user_id=user_id, role=role))
    entries = _judging_entries(session, challenge, users, now)
    judges = _judging_panel(session, challenge, users, now)
    # The nurse knows one entrant's school: recorded before assignment, which respects it.
    nurse_id, entry_id = judges["nurse@demo.example.org"].id, entries[2].id
    assert nurse_id is not None and entry_id is not None
    session.add(
        ConflictOfInterest(
            challenge_id=challenge.id,
            judge_id=nurse_id,
            entry_id=entry_id,
            source=ConflictSource.organiser,
            reason="Her daughter attends the entrant's school.",
            created_by_id=organiser.id,
        )
    )
    # What the organisers reported for the dashboard: reach and costs, in the call's currency.
    session.add(
        ChallengeReport(
            challenge_id=challenge.id,
            events=6,
            attendance=540,
            social_reach=12_000,
            partners=3,
            currency="USD",
            prize_costs=Decimal("6000"),
            staff_costs=Decimal("2500"),
            promotion_costs=Decimal("400"),
            notes="School assemblies in three regions and a radio spot.",
            updated_by_id=organiser.id,
        )
    )
    round_ = _judging_round(session, challenge, now)
    # The real algorithm, as `POST /api/rounds/{id}/assign` runs it; it takes the eligible
    # entries into the round and commits.
    report = apply_assignment(session, round_, organiser)
    submitted = _scorecards(session, round_, entries, judges, now)
    session.commit()
    created.append(
        f"challenge {JUDGING_SLUG} ({len(entries)} entries, {len(judges)} judges, "
        f"{report.pairs} assignments, {submitted} scorecards submitted)"
    )


def _judging_entries(
    session: Session, challenge: Challenge, users: dict[str, User], now: datetime
) -> list[Entry]:
    """Submitted entries with references handed out in order, all screened eligible."""
    assert challenge.id is not None and challenge.opens_at is not None
    screener = users["screener@demo.example.org"]
    entries: list[Entry] = []
    for number, demo in enumerate(JUDGING_ENTRIES, start=1):
        owner = users[demo.owner]
        submitted_at = challenge.opens_at + timedelta(days=5 * number, hours=number)
        entry = Entry(
            challenge_id=challenge.id,
            reference=f"{challenge.reference_prefix}-{number:04d}",
            owner_id=owner.id,
            created_by_id=owner.id,
            title=demo.title,
            summary=demo.summary,
            category=demo.category,
            language="en",
            answers={"idea": demo.idea, "country": demo.country, "school": demo.school},
            licence_accepted=True,
            licence=challenge.licence.value,
            status=EntryStatus.submitted,
            eligibility=Eligibility.eligible,
            screened_by_id=screener.id,
            screened_at=now - timedelta(days=9, hours=12 - number),
            created_at=submitted_at - timedelta(days=2),
            updated_at=submitted_at,
            submitted_at=submitted_at,
        )
        session.add(entry)
        session.flush()
        assert entry.id is not None
        team = [{"name": name, "email": None} for name in demo.team]
        for position, name in enumerate(demo.team):
            session.add(TeamMember(entry_id=entry.id, name=name, position=position))
        session.add(
            EntryRevision(
                entry_id=entry.id,
                number=1,
                kind="submit",
                author_id=owner.id,
                created_at=submitted_at,
                snapshot=entry_snapshot(entry, team, []),
            )
        )
        entries.append(entry)
    return entries


def _judging_panel(
    session: Session, challenge: Challenge, users: dict[str, User], now: datetime
) -> dict[str, Judge]:
    """Four judges who accepted their invitations, each with a judge's membership."""
    assert challenge.id is not None
    judges: dict[str, Judge] = {}
    for email, affiliation, tags, _ in JUDGING_PANEL:
        user = users[email]
        assert user.id is not None
        judge = Judge(
            challenge_id=challenge.id,
            user_id=user.id,
            email=email,
            display_name=user.display_name,
            affiliation=affiliation,
            tags=tags,
            languages=["en"],
            status=JudgeStatus.active,
            invited_at=now - timedelta(days=20),
            accepted_at=now - timedelta(days=18),
        )
        session.add(judge)
        session.add(
            Membership(challenge_id=challenge.id, user_id=user.id, role=ChallengeRole.judge)
        )
        judges[email] = judge
    session.flush()
    return judges


def _judging_round(session: Session, challenge: Challenge, now: datetime) -> Round:
    """Round 1, open for scoring: blind, normalised, two judges an entry, top 3 advance."""
    assert challenge.id is not None
    round_ = Round(
        challenge_id=challenge.id,
        position=1,
        name="First round",
        opens_at=now - timedelta(days=9),
        closes_at=now + timedelta(days=5),
        judges_per_entry=2,
        blind=True,
        normalise=True,
        advancement={"kind": "top_n", "n": 3},
    )
    session.add(round_)
    session.flush()
    assert round_.id is not None
    impact = Criterion(
        round_id=round_.id,
        position=0,
        name="Impact",
        description="How much it would raise the share of children sleeping under a net "
        "every night.",
        weight=2,
    )
    criteria = [
        impact,
        Criterion(
            round_id=round_.id,
            position=1,
            name="Feasibility",
            description="Could a school run it with what it has, within one term?",
        ),
        Criterion(
            round_id=round_.id,
            position=2,
            name="Reach",
            description="How many families it could reach, and how easily other schools "
            "could copy it.",
            allow_na=True,
        ),
    ]
    session.add_all(criteria)
    session.flush()
    round_.tie_breaks = [
        {"kind": "criterion", "criterion_id": impact.id},
        {"kind": "scorecards"},
        {"kind": "organiser"},
    ]
    session.add(round_)
    return round_


def _scorecards(
    session: Session, round_: Round, entries: list[Entry], judges: dict[str, Judge], now: datetime
) -> int:
    """Scorecards from a seeded generator: each entry has a quality, each judge a bias (one is
    harsh, so normalisation shows), and the judges of one entry disagree sharply. The behind
    judge leaves one scorecard in draft and one entry untouched. Returns those submitted."""
    rng = random.Random(SCORE_SEED)  # noqa: S311 - reproducible demo scores, not a secret
    criteria = session.exec(
        select(Criterion).where(Criterion.round_id == round_.id).order_by(col(Criterion.position))
    ).all()
    quality = {e.id: demo.quality for e, demo in zip(entries, JUDGING_ENTRIES, strict=True)}
    email_of = {j.id: email for email, j in judges.items()}
    bias = {email: b for email, _, _, b in JUDGING_PANEL}
    pairs = session.exec(
        select(Assignment)
        .where(Assignment.round_id == round_.id)
        .order_by(col(Assignment.entry_id), col(Assignment.judge_id))
    ).all()
    behind = [a for a in pairs if email_of[a.judge_id] == BEHIND_JUDGE]
    draft, untouched = behind[2].id, behind[3].id
    by_entry: dict[int, list[Assignment]] = {}
    for a in pairs:
        by_entry.setdefault(a.entry_id, []).append(a)
    # The sharp disagreement: an entry both of whose judges submit, neither the harsh one, of
    # middling quality, so neither score is simply the entry being good or bad.
    disputed = min(
        (
            entry_id
            for entry_id, pair in by_entry.items()
            if all(a.id not in (draft, untouched) for a in pair)
            and all(email_of[a.judge_id] != HARSH_JUDGE for a in pair)
        ),
        key=lambda entry_id: (abs(quality[entry_id] - 5.5), entry_id),
    )
    reach_na = next(a.id for a in pairs if email_of[a.judge_id] == "nurse@demo.example.org")
    opened = round_.opens_at or now
    submitted = 0
    for a in pairs:
        if a.id is None or a.id == untouched:
            continue
        email = email_of[a.judge_id]
        if a.entry_id == disputed:
            centre = 8.5 if a is by_entry[a.entry_id][0] else 2.5
            comment = DISAGREEMENT_COMMENTS[0 if centre > 5 else 1]
        else:
            centre = quality[a.entry_id] + bias[email]
            comment = ""
        values = [
            None
            if a.id == reach_na and c.allow_na
            else float(min(10, max(1, round(centre + rng.choice((-1, 0, 0, 1))))))
            for c in criteria
        ]
        level = "high" if centre >= 7 else "mid" if centre >= 4.5 else "low"
        comment = comment or rng.choice(COMMENTS[level])
        started = opened + timedelta(days=rng.randint(0, 7), hours=rng.randint(1, 20))
        scorecard = Scorecard(
            assignment_id=a.id,
            comment=comment,
            feedback=rng.choice(FEEDBACK[level]),
            created_at=started,
            updated_at=started + timedelta(minutes=25),
        )
        if a.id == draft:
            # Half done: Impact scored, the rest and the feedback still to write.
            values = values[:1]
            scorecard.feedback = ""
        else:
            scorecard.status = ScorecardStatus.submitted
            scorecard.submitted_at = scorecard.updated_at
            submitted += 1
        session.add(scorecard)
        session.flush()
        assert scorecard.id is not None
        for criterion, value in zip(criteria, values, strict=False):
            assert criterion.id is not None
            session.add(
                ScoreValue(scorecard_id=scorecard.id, criterion_id=criterion.id, value=value)
            )
    return submitted


def seed(settings: Settings) -> list[str]:
    """Add whatever part of the demo data is missing; return what was added."""
    created: list[str] = []
    hasher = PasswordHasher(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        users: dict[str, User] = {}
        password_hash: str | None = None
        for email, name, is_admin in DEMO_USERS:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is None:
                # Hashing is deliberately slow: once for every new account is enough.
                password_hash = password_hash or hasher.hash(DEMO_PASSWORD)
                user = User(
                    email=email,
                    display_name=name,
                    password_hash=password_hash,
                    is_admin=is_admin,
                    email_verified_at=utcnow(),
                )
                session.add(user)
                session.flush()
                created.append(email)
            users[email] = user
        challenge = _challenge(session, users["organiser@demo.example.org"], created)
        for email, role in (
            ("organiser@demo.example.org", ChallengeRole.organiser),
            ("screener@demo.example.org", ChallengeRole.screener),
            ("judge@demo.example.org", ChallengeRole.judge),
        ):
            user_id = users[email].id
            exists = session.exec(
                select(Membership.id).where(
                    Membership.challenge_id == challenge.id,
                    Membership.user_id == user_id,
                    Membership.role == role,
                )
            ).first()
            if exists is None:
                assert challenge.id is not None and user_id is not None
                session.add(Membership(challenge_id=challenge.id, user_id=user_id, role=role))
                created.append(f"{role.value} {email}")
        _judging_challenge(session, users, created)
        session.commit()
    engine.dispose()
    return created
