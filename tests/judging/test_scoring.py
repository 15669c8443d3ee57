"""A round's scores, checked against numbers worked out by hand (DOMAIN.md "The numbers,
exactly"). Rows go in through the ORM; every expected value is derived in the comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import sqrt

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app.judging.scoring import (
    Stats,
    from_shown,
    round_scores,
    scorecard_scores,
    to_shown,
)
from app.models import Challenge, Entry, User
from app.models.judging import (
    Assignment,
    Criterion,
    Judge,
    Round,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
)


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-15)


@dataclass
class Builder:
    """A challenge with entries, judges and rounds, written straight to the database."""

    session: Session
    challenge_id: int = 0
    judges: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        user = User(email="org@example.org", display_name="Org", password_hash="x")
        self.session.add(user)
        self.session.flush()
        challenge = Challenge(slug="scores", title="Scores", created_by_id=user.id)
        self.session.add(challenge)
        self.session.flush()
        assert challenge.id is not None
        self.challenge_id = challenge.id

    def entry(self, name: str, category: str | None = "Community") -> int:
        if name not in self.entries:
            entry = Entry(challenge_id=self.challenge_id, title=name, category=category)
            self.session.add(entry)
            self.session.flush()
            assert entry.id is not None
            self.entries[name] = entry.id
        return self.entries[name]

    def judge(self, name: str) -> int:
        if name not in self.judges:
            judge = Judge(
                challenge_id=self.challenge_id, email=f"{name}@example.org", display_name=name
            )
            self.session.add(judge)
            self.session.flush()
            assert judge.id is not None
            self.judges[name] = judge.id
        return self.judges[name]

    def round(
        self, position: int, criteria: list[tuple[float, float, float]], **fields: object
    ) -> tuple[int, list[int]]:
        """A round with criteria given as (weight, scale_min, scale_max)."""
        rnd = Round(challenge_id=self.challenge_id, position=position, name=f"R{position}")
        for key, value in fields.items():
            setattr(rnd, key, value)
        self.session.add(rnd)
        self.session.flush()
        assert rnd.id is not None
        ids = []
        for i, (weight, low, high) in enumerate(criteria):
            c = Criterion(
                round_id=rnd.id,
                position=i,
                name=f"C{i}",
                weight=weight,
                scale_min=low,
                scale_max=high,
                allow_na=True,
            )
            self.session.add(c)
            self.session.flush()
            assert c.id is not None
            ids.append(c.id)
        return rnd.id, ids

    def scorecard(
        self,
        round_id: int,
        entry: str,
        judge: str,
        values: list[float | None] | None,
        *,
        criteria: list[int],
        status: ScorecardStatus = ScorecardStatus.submitted,
    ) -> int:
        """An assignment and, unless `values` is None, its scorecard (None in values = N/A)."""
        assignment = Assignment(
            round_id=round_id, entry_id=self.entry(entry), judge_id=self.judge(judge)
        )
        self.session.add(assignment)
        self.session.flush()
        if values is None:
            return 0
        assert assignment.id is not None
        card = Scorecard(assignment_id=assignment.id, status=status)
        self.session.add(card)
        self.session.flush()
        assert card.id is not None
        for criterion_id, value in zip(criteria, values, strict=True):
            self.session.add(
                ScoreValue(scorecard_id=card.id, criterion_id=criterion_id, value=value)
            )
        self.session.flush()
        return card.id


@pytest.fixture
def session(app: FastAPI):
    with Session(app.state.engine) as session:
        yield session


# Round A, criteria C1 on 1–10 weight 2 and C2 on 0–2 weight 1:
#   x1 = (s − 1)/9, x2 = s/2, score = (2·x1 + x2)/3, or x1 alone when C2 is N/A.
#   J1 (harsh-ish, 3 cards): E1 (10, 1) → (2·1 + .5)/3 = 5/6;  E2 (1, 2) → (0 + 1)/3 = 1/3;
#                            E3 (4, N/A) → x1 = 1/3 (N/A left out; counted as 0 it would be 2/9)
#   J2 (lenient, 2 cards):   E1 (10, 2) → 1;  E2 (7, 0) → (2·2/3)/3 = 4/9;
#                            E3 (N/A, N/A) → no score, left out;  E4 draft (1, 0) → ignored
#   J3 (one card):           E4 (10, 2) → 1
#   J4 (no spread):          E1 (4, N/A) → 1/3;  E2 (1, 2) → 1/3
#   E5 is assigned to J3 and has no scorecard.
def build_round_a(b: Builder) -> tuple[int, list[int]]:
    round_id, crit = b.round(
        1, [(2.0, 1.0, 10.0), (1.0, 0.0, 2.0)], normalise=True, disagreement_share=0.25
    )
    card = lambda e, j, v, **kw: b.scorecard(round_id, e, j, v, criteria=crit, **kw)  # noqa: E731
    card("E1", "J1", [10, 1])
    card("E2", "J1", [1, 2])
    card("E3", "J1", [4, None])
    card("E1", "J2", [10, 2])
    card("E2", "J2", [7, 0])
    card("E3", "J2", [None, None])
    card("E4", "J2", [1, 0], status=ScorecardStatus.draft)
    card("E4", "J3", [10, 2])
    card("E1", "J4", [4, None])
    card("E2", "J4", [1, 2])
    card("E5", "J3", None)
    b.session.commit()
    return round_id, crit


def test_scorecard_scores_weight_mixed_scales_and_leave_out_na_all_na_and_drafts(
    session: Session,
) -> None:
    b = Builder(session)
    round_id, _ = build_round_a(b)
    got = {(c.entry_id, c.judge_id): c.score for c in scorecard_scores(session, round_id)}
    e, j = b.entries, b.judges
    assert got == {
        (e["E1"], j["J1"]): approx(5 / 6),
        (e["E2"], j["J1"]): approx(1 / 3),
        (e["E3"], j["J1"]): approx(1 / 3),
        (e["E1"], j["J2"]): approx(1.0),
        (e["E2"], j["J2"]): approx(4 / 9),
        (e["E4"], j["J3"]): approx(1.0),
        (e["E1"], j["J4"]): approx(1 / 3),
        (e["E2"], j["J4"]): approx(1 / 3),
    }


def test_round_scores_entries_judges_and_normalisation(session: Session) -> None:
    b = Builder(session)
    round_id, (c1, c2) = build_round_a(b)
    result = round_scores(session, round_id, with_criteria=True)
    e, j = b.entries, b.judges

    # All 8 scorecard scores: 5/6, 1/3, 1/3, 1, 4/9, 1, 1/3, 1/3. Σ = 83/18, m = 83/144.
    # Σx² = 1081/324; Σx² − (Σx)²/8 = 1759/2592; s² = 1759/(2592·7) = 1759/18144.
    m = 83 / 144
    s = sqrt(1759 / 18144)
    assert result.n == 8
    assert result.mean == approx(m)
    assert result.sd == approx(s)
    assert result.shared_scale is None  # 1–10 and 0–2: shown as × 100

    # J1: 5/6, 1/3, 1/3: mean 1/2, deviations 1/3, −1/6, −1/6, Σd² = 1/6, SD = √(1/12).
    # J2: 1, 4/9: mean 13/18, deviations ±5/18, SD = √(50/324) = 5√2/18.
    # J3: one scorecard (kept); J4: 1/3 twice, SD exactly 0 (kept).
    judges = {x.judge_id: x for x in result.judges}
    assert (judges[j["J1"]].n, judges[j["J1"]].normalised) == (3, True)
    assert judges[j["J1"]].mean == approx(1 / 2)
    assert judges[j["J1"]].sd == approx(sqrt(1 / 12))
    assert (judges[j["J2"]].n, judges[j["J2"]].normalised) == (2, True)
    assert judges[j["J2"]].mean == approx(13 / 18)
    assert judges[j["J2"]].sd == approx(5 * sqrt(2) / 18)
    assert (judges[j["J3"]].n, judges[j["J3"]].sd, judges[j["J3"]].normalised) == (1, None, False)
    assert (judges[j["J4"]].n, judges[j["J4"]].sd, judges[j["J4"]].normalised) == (2, 0.0, False)

    # Normalised = m + s·(v − mⱼ)/sⱼ:
    #   J1 E1: (5/6 − 1/2)/√(1/12) = (1/3)·√12 = 2/√3 → m + 2s/√3
    #   J1 E2, E3: (1/3 − 1/2)·√12 = −1/√3 → m − s/√3
    #   J2 E1: (5/18)/(5√2/18) = 1/√2 → m + s/√2;  J2 E2: m − s/√2
    #   J3 and J4 keep v.
    n_j1_e1 = m + 2 * s / sqrt(3)
    n_j1_low = m - s / sqrt(3)
    n_j2_e1 = m + s / sqrt(2)
    n_j2_e2 = m - s / sqrt(2)

    entries = {x.entry_id: x for x in result.entries}
    # E1: 5/6, 1, 1/3 → mean 13/18; deviations 2/18, 5/18, −7/18; Σd² = 78/324; SD = √39/18.
    e1 = entries[e["E1"]]
    assert (e1.n, e1.category) == (3, "Community")
    assert e1.mean == approx(13 / 18)
    assert e1.sd == approx(sqrt(39) / 18)
    assert (e1.min, e1.max) == (approx(1 / 3), approx(1.0))
    assert e1.spread == approx(2 / 3)
    assert e1.disagreement is True  # 2/3 > 0.25
    assert e1.normalised == approx((n_j1_e1 + n_j2_e1 + 1 / 3) / 3)
    assert e1.score == e1.normalised  # the round normalises
    # Criteria on their own scales: C1 10, 10, 4 → mean 8, Σd² = 4 + 4 + 16, SD = √12;
    # C2 1, 2 (J4's N/A left out) → mean 1.5, SD = √0.5.
    assert e1.criteria == {
        c1: Stats(n=3, mean=approx(8.0), sd=approx(sqrt(12)), min=4.0, max=10.0),
        c2: Stats(n=2, mean=approx(1.5), sd=approx(sqrt(0.5)), min=1.0, max=2.0),
    }

    # E2: 1/3, 4/9, 1/3 → mean 10/27; deviations −1/27, 2/27, −1/27; SD = √(3/729).
    e2 = entries[e["E2"]]
    assert e2.n == 3
    assert e2.mean == approx(10 / 27)
    assert e2.sd == approx(sqrt(3 / 729))
    assert e2.spread == approx(1 / 9)
    assert e2.disagreement is False
    assert e2.normalised == approx((n_j1_low + n_j2_e2 + 1 / 3) / 3)

    # E3: J1's 1/3 only (J2's all-N/A card is left out): one scorecard, SD empty.
    e3 = entries[e["E3"]]
    assert (e3.n, e3.sd, e3.spread, e3.disagreement) == (1, None, 0.0, False)
    assert e3.mean == approx(1 / 3)
    assert e3.normalised == approx(n_j1_low)
    assert e3.criteria == {c1: Stats(n=1, mean=4.0, sd=None, min=4.0, max=4.0)}

    # E4: J3's 1 (J2's draft ignored); J3 has one scorecard, so normalised = raw.
    e4 = entries[e["E4"]]
    assert (e4.n, e4.mean, e4.sd, e4.normalised) == (1, approx(1.0), None, approx(1.0))

    # E5: assigned, not scored.
    e5 = entries[e["E5"]]
    assert (e5.n, e5.mean, e5.sd, e5.normalised, e5.score, e5.spread, e5.criteria) == (
        0,
        None,
        None,
        None,
        None,
        None,
        {},
    )

    # Ranking order: by normalised score, unscored last.
    by_score = sorted(
        (x for x in result.entries if x.score is not None), key=lambda x: -(x.score or 0)
    )
    assert [x.entry_id for x in result.entries] == [x.entry_id for x in by_score] + [e["E5"]]
    # Shown on × 100 (mixed scales); thresholds convert back.
    assert result.shown(e1.mean) == approx(1300 / 18)
    assert from_shown(60.0, result.shared_scale) == approx(0.6)


# Round B, one criterion on 0–100 (so the round's shown scale is 0–100), share 0.25:
#   F1: 50, 75 → 0.5, 0.75: spread exactly 0.25, at the share: not flagged.
#   F2: 50, 76 → 0.5, 0.76: spread 0.26, just over: flagged.
#   F3: 0, 50, 100 → 0, 0.5, 1: spread 1.
# ICC(1): a = 3, N = 7, Σnᵢ² = 4 + 4 + 9 = 17, k0 = (7 − 17/7)/2 = 16/7.
#   means 0.625, 0.63, 0.5; grand mean G = 4.01/7 = 401/700.
#   SSB = Σnᵢ(meanᵢ − G)² = 781/28000, MSB = SSB/(a − 1) = 781/56000.
#   SSW = 2·0.125² + 2·0.13² + (0.5² + 0 + 0.5²) = 0.56505, MSW = SSW/(N − a) = 0.1412625.
#   ICC = (MSB − MSW)/(MSB + (k0 − 1)·MSW) = −71297/109519.
def test_disagreement_at_and_just_over_the_share_and_icc_with_unequal_groups(
    session: Session,
) -> None:
    b = Builder(session)
    round_id, crit = b.round(1, [(1.0, 0.0, 100.0)], disagreement_share=0.25)
    for entry, values in {"F1": [50, 75], "F2": [50, 76], "F3": [0, 50, 100]}.items():
        for judge, value in zip(["J1", "J2", "J3"], values, strict=False):
            b.scorecard(round_id, entry, judge, [value], criteria=crit)
    session.commit()
    result = round_scores(session, round_id, with_criteria=True)
    entries = {b.entries[x]: x for x in ("F1", "F2", "F3")}
    flags = {entries[x.entry_id]: (x.spread, x.disagreement) for x in result.entries}
    assert flags == {
        "F1": (0.25, False),
        "F2": (approx(0.26), True),
        "F3": (1.0, True),
    }
    assert result.shared_scale == (0.0, 100.0)
    assert to_shown(0.625, result.shared_scale) == 62.5
    assert from_shown(62.5, result.shared_scale) == 0.625
    # Not normalised: the ranking score is the raw mean.
    assert [(entries[x.entry_id], x.score) for x in result.entries] == [
        ("F2", approx(0.63)),
        ("F1", approx(0.625)),
        ("F3", approx(0.5)),
    ]
    f3 = next(x for x in result.entries if entries[x.entry_id] == "F3")
    assert f3.criteria == {crit[0]: Stats(n=3, mean=50.0, sd=50.0, min=0.0, max=100.0)}

    icc = result.icc
    assert icc is not None
    assert (icc.a, icc.n) == (3, 7)
    assert icc.k0 == approx(16 / 7)
    assert icc.msb == approx(781 / 56000)
    assert icc.msw == approx(0.1412625)
    assert icc.value == approx(-71297 / 109519)


def test_icc_is_empty_for_one_entry_or_when_no_entry_has_two_scorecards(
    session: Session,
) -> None:
    b = Builder(session)
    # One entry (a = 1) with two scorecards.
    one, crit1 = b.round(1, [(1.0, 1.0, 10.0)])
    b.scorecard(one, "G1", "J1", [3], criteria=crit1)
    b.scorecard(one, "G1", "J2", [7], criteria=crit1)
    # Two entries with one scorecard each (N = a).
    two, crit2 = b.round(2, [(1.0, 1.0, 10.0)])
    b.scorecard(two, "G1", "J1", [3], criteria=crit2)
    b.scorecard(two, "G2", "J2", [7], criteria=crit2)
    session.commit()
    assert round_scores(session, one).icc is None
    second = round_scores(session, two)
    assert second.icc is None
    # 1–10 shared: 3 → 2/9, shown back as 3; 7 → 6/9.
    assert second.shared_scale == (1.0, 10.0)
    assert [second.shown(x.mean) for x in second.entries] == [approx(7.0), approx(3.0)]


def test_a_round_with_one_scorecard_keeps_raw_scores(session: Session) -> None:
    b = Builder(session)
    round_id, crit = b.round(1, [(1.0, 0.0, 10.0)], normalise=True)
    b.scorecard(round_id, "H1", "J1", [4], criteria=crit)
    session.commit()
    result = round_scores(session, round_id, with_criteria=True)
    # One scorecard: the round's SD is empty, so everyone keeps v.
    assert (result.n, result.mean, result.sd, result.icc) == (1, approx(0.4), None, None)
    (entry,) = result.entries
    assert (entry.n, entry.mean, entry.sd, entry.normalised) == (1, approx(0.4), None, approx(0.4))
