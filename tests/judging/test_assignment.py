"""Judge assignment: the rules as properties over random rounds, plus worked examples."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from app.judging.assignment import AssignmentPlan, EntrySpec, JudgeSpec, Shortfall, assign

Pair = tuple[int, int]
TAGS = ("clinician", "community", "youth")
LANGS = ("en", "fr")
WITHDRAWN = 99  # a judge id never on the panel: their pairs are from an earlier panel


@dataclass
class Round:
    entries: list[EntrySpec]
    judges: list[JudgeSpec]
    k: int
    conflicts: set[Pair] = field(default_factory=set)
    existing: set[Pair] = field(default_factory=set)
    locked: set[Pair] = field(default_factory=set)
    required_tags: frozenset[str] = frozenset()
    match_language: bool = False
    seed: int = 0

    def run(self, **changes: object) -> AssignmentPlan:
        args = {
            "conflicts": self.conflicts,
            "existing": self.existing,
            "locked": self.locked,
            "required_tags": self.required_tags,
            "match_language": self.match_language,
            "seed": self.seed,
        }
        args.update(changes)
        entries = args.pop("entries", self.entries)
        judges = args.pop("judges", self.judges)
        return assign(entries, judges, self.k, **args)  # type: ignore[arg-type]


def subset(draw: st.DrawFn, items: list[Pair], size: int) -> set[Pair]:
    if not items or not size:
        return set()
    return draw(st.sets(st.sampled_from(items), max_size=size))


@st.composite
def rounds(draw: st.DrawFn, constrained: bool = True) -> Round:
    n_entries = draw(st.integers(0, 10))
    n_judges = draw(st.integers(1 if not constrained else 0, 7))
    k = draw(st.integers(0, 4 if constrained else max(0, n_judges)))
    lang = st.sampled_from((None, *LANGS)) if constrained else st.none()
    entries = [EntrySpec(id=i + 1, language=draw(lang)) for i in range(n_entries)]
    judges = [
        JudgeSpec(
            id=10 + j,
            tags=frozenset(draw(st.sets(st.sampled_from(TAGS)))) if constrained else frozenset(),
            languages=frozenset(draw(st.sets(st.sampled_from(LANGS)))),
            max_load=draw(st.none() | st.integers(0, 6)) if constrained else None,
        )
        for j in range(n_judges)
    ]
    judge_ids = [j.id for j in judges] + ([WITHDRAWN] if constrained else [])
    all_pairs = [(e.id, j) for e in entries for j in judge_ids]
    existing = subset(draw, all_pairs, draw(st.sampled_from((0, 8, 30))))
    if not constrained:
        existing = {p for p in existing if p[1] != WITHDRAWN}
        return Round(entries, judges, k, existing=existing, seed=draw(st.integers(0, 3)))
    return Round(
        entries,
        judges,
        k,
        conflicts=subset(draw, all_pairs, draw(st.sampled_from((0, 3, 15)))),
        existing=existing,
        locked=subset(draw, sorted(existing), draw(st.sampled_from((0, 3)))),
        required_tags=frozenset(draw(st.sets(st.sampled_from(TAGS[:2])))),
        match_language=draw(st.booleans()),
        seed=draw(st.integers(0, 3)),
    )


def can_judge(r: Round, e: EntrySpec, j: JudgeSpec) -> bool:
    return (e.id, j.id) not in r.conflicts and (
        not r.match_language or e.language is None or e.language in j.languages
    )


def assert_keeps_the_rules(r: Round, plan: AssignmentPlan) -> None:
    entries = {e.id: e for e in r.entries}
    judges = {j.id: j for j in r.judges}
    before = r.existing | r.locked
    assert r.locked <= plan.pairs
    assert plan.added == plan.pairs - before
    assert plan.removed == before - plan.pairs
    for e, j in plan.pairs - r.locked:
        assert e in entries and j in judges and can_judge(r, entries[e], judges[j])
    load = Counter(j for _, j in plan.pairs)
    locked_load = Counter(j for _, j in r.locked)
    assert plan.loads == {j: load[j] for j in sorted(judges)}
    for j in judges.values():
        if j.max_load is not None:
            assert load[j.id] <= max(j.max_load, locked_load[j.id])

    panels: dict[int, set[int]] = {e: set() for e in entries}
    for e, j in plan.pairs:
        panels.setdefault(e, set()).add(j)
    short = {s.entry_id: s for s in plan.shortfalls}
    assert len(short) == len(plan.shortfalls)
    assert [s.entry_id for s in plan.shortfalls] == sorted(short)
    for e, panel in ((e, panels[e]) for e in entries):
        locked_here = sum(1 for x in r.locked if x[0] == e)
        assert len(panel) <= max(r.k, locked_here)
        missing = max(0, r.k - len(panel))
        covered = set().union(*(judges[j].tags for j in panel if j in judges))
        lacking = (set(r.required_tags) - covered) if r.k else set()
        if missing or lacking:
            assert short[e].missing == missing
            assert short[e].missing_tags == lacking
            assert short[e].reason
        else:
            assert e not in short
        if missing:  # a place is left empty only when no judge could take it
            for j in judges.values():
                if j.id not in panel and can_judge(r, entries[e], j):
                    assert j.max_load is not None and load[j.id] >= j.max_load


def assert_no_move_narrows_loads(r: Round, plan: AssignmentPlan) -> None:
    """No single pair can move to a judge two or more lighter without breaking a rule."""
    entries = {e.id: e for e in r.entries}
    judges = {j.id: j for j in r.judges}
    panels: dict[int, set[int]] = {}
    for e, j in plan.pairs:
        panels.setdefault(e, set()).add(j)
    for e, h in plan.pairs - r.locked:
        others = set().union(*(judges[j].tags for j in panels[e] - {h} if j in judges))
        needed = (judges[h].tags & r.required_tags) - others
        for light in r.judges:
            if (
                plan.loads[h] - plan.loads[light.id] >= 2
                and light.id not in panels[e]
                and can_judge(r, entries[e], light)
                and (light.max_load is None or plan.loads[light.id] < light.max_load)
            ):
                assert not needed <= light.tags, (e, h, light.id)


BOUNDED = settings(max_examples=200, deadline=None, database=None)


@BOUNDED
@given(rounds())
def test_every_plan_keeps_the_rules(r: Round) -> None:
    plan = r.run()
    assert_keeps_the_rules(r, plan)
    assert_no_move_narrows_loads(r, plan)


@BOUNDED
@given(rounds(constrained=False))
def test_loads_differ_by_at_most_one_when_nothing_constrains(r: Round) -> None:
    plan = r.run()
    assert_keeps_the_rules(r, plan)
    assert plan.shortfalls == []
    assert all(len([p for p in plan.pairs if p[0] == e.id]) == r.k for e in r.entries)
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1


@BOUNDED
@given(rounds(), st.randoms(use_true_random=False))
def test_same_seed_same_plan_in_any_input_order(r: Round, rnd: random.Random) -> None:
    plan = r.run()
    assert r.run() == plan
    entries, judges = list(r.entries), list(r.judges)
    rnd.shuffle(entries)
    rnd.shuffle(judges)
    conflicts, existing = sorted(r.conflicts), sorted(r.existing)
    rnd.shuffle(conflicts)
    rnd.shuffle(existing)
    shuffled = r.run(entries=entries, judges=judges, conflicts=conflicts, existing=existing)
    assert shuffled == plan


@BOUNDED
@given(rounds())
def test_rerunning_on_its_own_plan_changes_nothing(r: Round) -> None:
    plan = r.run()
    again = r.run(existing=plan.pairs)
    assert again.pairs == plan.pairs
    assert again.added == set()
    assert again.removed == set()
    assert again.shortfalls == plan.shortfalls
    assert again.loads == plan.loads


@BOUNDED
@given(rounds(constrained=False))
def test_a_new_judge_only_takes_pairs_over(r: Round) -> None:
    plan = r.run()
    newcomer = JudgeSpec(id=1000)
    after = r.run(judges=[*r.judges, newcomer], existing=plan.pairs)
    assert_keeps_the_rules(r, plan)
    assert {j for _, j in after.added} <= {newcomer.id}
    assert len(after.removed) == len(after.added) == after.loads[newcomer.id]
    assert max(after.loads.values()) - min(after.loads.values()) <= 1


@BOUNDED
@given(rounds(constrained=False), st.integers(0, 10_000))
def test_a_declared_conflict_replaces_that_judge_only(r: Round, pick: int) -> None:
    plan = r.run()
    if not plan.pairs:
        return
    declared = sorted(plan.pairs)[pick % len(plan.pairs)]
    after = r.run(conflicts={declared}, existing=plan.pairs)
    assert declared in after.removed
    entry = declared[0]
    panel = {j for e, j in after.pairs if e == entry}
    assert len(panel) == r.k or [s.entry_id for s in after.shortfalls] == [entry]
    # The replacement, and at most one pair moved to even out the conflicted judge's load.
    assert len(after.removed) <= 2 and len(after.added) <= 2
    assert max(after.loads.values()) - min(after.loads.values()) <= 1 or after.shortfalls


# -- worked examples ---------------------------------------------------------------------


def pairs_of(panels: dict[int, set[int]]) -> set[Pair]:
    return {(e, j) for e, judges in panels.items() for j in judges}


def test_three_entries_three_judges_two_each() -> None:
    entries = [EntrySpec(1), EntrySpec(2), EntrySpec(3)]
    judges = [JudgeSpec(1), JudgeSpec(2), JudgeSpec(3)]
    plan = assign(entries, judges, 2, conflicts={(1, 1), (2, 2), (3, 3)})
    assert plan == AssignmentPlan(
        pairs=pairs_of({1: {2, 3}, 2: {1, 3}, 3: {1, 2}}),
        added=pairs_of({1: {2, 3}, 2: {1, 3}, 3: {1, 2}}),
        removed=set(),
        shortfalls=[],
        loads={1: 2, 2: 2, 3: 2},
    )
    # Without conflicts each judge still sits out exactly one entry.
    free = assign(entries, judges, 2, seed=7)
    assert free.loads == {1: 2, 2: 2, 3: 2}
    assert sorted(len([p for p in free.pairs if p[0] == e]) for e in (1, 2, 3)) == [2, 2, 2]


def test_a_judge_conflicted_with_every_entry_gets_none() -> None:
    plan = assign(
        [EntrySpec(1), EntrySpec(2)],
        [JudgeSpec(1), JudgeSpec(2), JudgeSpec(3)],
        2,
        conflicts={(1, 3), (2, 3)},
    )
    assert plan.pairs == pairs_of({1: {1, 2}, 2: {1, 2}})
    assert plan.loads == {1: 2, 2: 2, 3: 0}
    assert plan.shortfalls == []


def test_too_few_judges_without_a_conflict() -> None:
    plan = assign([EntrySpec(1)], [JudgeSpec(1), JudgeSpec(2)], 2, conflicts={(1, 2)})
    assert plan.pairs == {(1, 1)}
    assert plan.shortfalls == [
        Shortfall(1, 1, "only 1 judge can judge it without a conflict"),
    ]


def test_caps_that_make_the_round_impossible() -> None:
    judges = [JudgeSpec(1, max_load=2), JudgeSpec(2, max_load=1)]
    plan = assign([EntrySpec(1), EntrySpec(2)], judges, 2)
    assert plan.loads == {1: 2, 2: 1}
    [short] = plan.shortfalls
    assert {j for e, j in plan.pairs if e == short.entry_id} == {1}
    assert short == Shortfall(
        short.entry_id, 1, "every other judge who can judge it is at capacity (1 at max_load)"
    )


def test_required_perspectives_come_before_balance() -> None:
    judges = [
        JudgeSpec(1, tags=frozenset({"clinician"})),
        JudgeSpec(2, tags=frozenset({"community", "youth"})),
        JudgeSpec(3),
        JudgeSpec(4, tags=frozenset({"youth"})),
    ]
    entries = [EntrySpec(e) for e in (1, 2, 3)]
    plan = assign(entries, judges, 2, required_tags=frozenset({"clinician", "community"}))
    assert plan.pairs == pairs_of({1: {1, 2}, 2: {1, 2}, 3: {1, 2}})
    assert plan.loads == {1: 3, 2: 3, 3: 0, 4: 0}
    assert plan.shortfalls == []


def test_a_perspective_nobody_brings_is_reported() -> None:
    plan = assign(
        [EntrySpec(1)],
        [JudgeSpec(1, tags=frozenset({"youth"})), JudgeSpec(2)],
        2,
        conflicts={(1, 1)},
        required_tags=frozenset({"youth"}),
    )
    assert plan.shortfalls == [
        Shortfall(
            1,
            1,
            "only 1 judge can judge it without a conflict; "
            "no judge with tag 'youth' can judge it without a conflict",
            frozenset({"youth"}),
        )
    ]


def test_a_missing_perspective_is_swapped_in_on_an_existing_panel() -> None:
    judges = [JudgeSpec(1), JudgeSpec(2), JudgeSpec(3, tags=frozenset({"clinician"}))]
    plan = assign(
        [EntrySpec(1)],
        judges,
        2,
        existing={(1, 1), (1, 2)},
        locked={(1, 1)},
        required_tags=frozenset({"clinician"}),
    )
    assert plan.pairs == {(1, 1), (1, 3)}
    assert (plan.added, plan.removed) == ({(1, 3)}, {(1, 2)})


def test_language_is_a_hard_filter() -> None:
    judges = [
        JudgeSpec(1, languages=frozenset({"fr"})),
        JudgeSpec(2, languages=frozenset({"en"})),
        JudgeSpec(3, languages=frozenset({"en", "FR"})),
    ]
    entries = [EntrySpec(1, "fr"), EntrySpec(2, "de"), EntrySpec(3)]
    plan = assign(entries, judges, 2, match_language=True)
    assert {j for e, j in plan.pairs if e == 1} == {1, 3}
    assert {j for e, j in plan.pairs if e == 2} == set()
    assert len({j for e, j in plan.pairs if e == 3}) == 2
    assert plan.shortfalls == [
        Shortfall(2, 2, "only 0 judges can judge it in 'de' without a conflict"),
    ]


def test_locked_pairs_stay_and_withdrawn_judges_give_way() -> None:
    judges = [JudgeSpec(1), JudgeSpec(2), JudgeSpec(3)]
    plan = assign(
        [EntrySpec(1), EntrySpec(2)],
        judges,
        2,
        conflicts={(1, 1)},
        existing={(1, 1), (1, 9), (2, 8), (2, 2)},
        locked={(1, 1), (1, 9)},
    )
    # (1, 1) is conflicted and (1, 9) withdrawn, but both have a submitted scorecard.
    assert {p for p in plan.pairs if p[0] == 1} == {(1, 1), (1, 9)}
    assert plan.removed == {(2, 8)}
    assert {p for p in plan.pairs if p[0] == 2} == {(2, 2), (2, 3)}
    assert plan.loads == {1: 1, 2: 1, 3: 1}


def test_a_smaller_k_keeps_the_least_busy_judges() -> None:
    judges = [JudgeSpec(1), JudgeSpec(2), JudgeSpec(3)]
    existing = pairs_of({1: {1, 2, 3}, 2: {1, 2}, 3: {1}})
    plan = assign([EntrySpec(e) for e in (1, 2, 3)], judges, 1, existing=existing)
    assert plan.pairs == pairs_of({1: {3}, 2: {2}, 3: {1}})
    assert plan.loads == {1: 1, 2: 1, 3: 1}
