"""Which judges see which entry in a scoring round (DOMAIN.md, "Assignment").

Pure and deterministic: no database, no clock. The same inputs and seed give the same plan,
in whatever order the inputs arrive. The rule, in order of strength:

1. A locked pair (the judge has submitted a scorecard) always stays, even if the judge has
   since withdrawn or been found conflicted.
2. A conflicted judge never judges the entry. With ``match_language``, an entry written in a
   language is judged only by judges who list that language (a hard filter: a judge who
   cannot read the entry cannot score it); an entry without a language takes any judge.
3. No judge goes over ``max_load``.
4. Every entry gets exactly k judges (more only if more than k pairs are locked).
5. Every entry's panel carries each of ``required_tags`` (perspectives) where possible.
6. Judges' loads differ by at most one, unless the rules above force otherwise.
7. Incremental: existing pairs that still keep the rules stay; the plan changes as few
   pairs as the rules allow, and re-running on its own result changes nothing.

Where the rules cannot all be met the plan says which entries lack judges or tags, and why.
"""

from __future__ import annotations

import bisect
import heapq
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

Pair = tuple[int, int]
"""(entry_id, judge_id)."""

_Groups = dict[tuple[str | None, frozenset[str]], dict[int, None]]
"""A judge's movable entries by (language, required tags only that judge brings)."""


@dataclass(frozen=True)
class EntrySpec:
    """An entry to be judged; ``language`` is the language it is written in, if known."""

    id: int
    language: str | None = None


@dataclass(frozen=True)
class JudgeSpec:
    """A judge on the panel: perspective tags, languages read, and an optional cap."""

    id: int
    tags: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    max_load: int | None = None


@dataclass(frozen=True)
class Shortfall:
    """An entry left with fewer than k judges (``missing`` of them) or without a required
    perspective (``missing_tags``), with the reason in words an organiser can act on."""

    entry_id: int
    missing: int
    reason: str
    missing_tags: frozenset[str] = frozenset()


@dataclass
class AssignmentPlan:
    """The full resulting assignment, what changed against ``existing``, what could not be
    met, and every current judge's load (locked pairs included)."""

    pairs: set[Pair]
    added: set[Pair]
    removed: set[Pair]
    shortfalls: list[Shortfall]
    loads: dict[int, int]


def assign(
    entries: Iterable[EntrySpec],
    judges: Iterable[JudgeSpec],
    k: int,
    *,
    conflicts: Iterable[Pair] = frozenset(),
    existing: Iterable[Pair] = frozenset(),
    locked: Iterable[Pair] = frozenset(),
    required_tags: frozenset[str] = frozenset(),
    match_language: bool = False,
    seed: int = 0,
) -> AssignmentPlan:
    """Assign k judges to every entry, keeping the rules in the module docstring.

    Existing pairs are kept unless the judge has left ``judges``, the pair is now
    conflicted (or fails the language filter), the entry has left ``entries``, the entry has
    more than k judges, or the judge is over ``max_load``; locked pairs always stay. Empty
    places are then filled, hardest entries first (fewest judges able to take them), each
    time choosing a judge who brings a required tag the panel lacks, then the lowest load,
    then a seeded random order. Finally pairs move from heavier to lighter judges until no
    move that keeps every rule can narrow the spread of loads.
    """
    if k < 0:
        raise ValueError("k must not be negative")
    planner = _Planner(
        list(entries), list(judges), k, set(conflicts), required_tags, match_language, seed
    )
    before = set(existing) | set(locked)
    planner.keep_existing(before, set(locked))
    planner.fill()
    planner.rebalance()
    while planner.fill():
        planner.rebalance()
    pairs = {(e, j) for e, panel in planner.panel.items() for j in panel}
    return AssignmentPlan(
        pairs=pairs,
        added=pairs - before,
        removed=before - pairs,
        shortfalls=planner.shortfalls(),
        loads=dict(sorted(planner.loads.items())),
    )


class _Planner:
    """The working state of one `assign` call."""

    def __init__(
        self,
        entries: list[EntrySpec],
        judges: list[JudgeSpec],
        k: int,
        conflicts: set[Pair],
        required_tags: frozenset[str],
        match_language: bool,
        seed: int,
    ) -> None:
        self.entry_ids = sorted({e.id for e in entries})
        self.judge_ids = sorted({j.id for j in judges})
        if len(self.entry_ids) != len(entries) or len(self.judge_ids) != len(judges):
            raise ValueError("entry and judge ids must be unique")
        if any(j.max_load is not None and j.max_load < 0 for j in judges):
            raise ValueError("max_load must not be negative")
        self.k = k
        self.required = required_tags if k > 0 else frozenset()
        self.conflicts = conflicts
        rng = random.Random(seed)  # noqa: S311 - a reproducible tie-break, not a secret
        self.judge_rank = _shuffled_ranks(self.judge_ids, rng)
        self.entry_rank = _shuffled_ranks(self.entry_ids, rng)
        self.lang: dict[int, str | None] = {
            e.id: e.language.casefold() if match_language and e.language else None for e in entries
        }
        self.reads = {j.id: frozenset(x.casefold() for x in j.languages) for j in judges}
        self.tags = {j.id: j.tags & self.required for j in judges}
        self.cap = {j.id: j.max_load for j in judges}
        self.conflicted_of: dict[int, set[int]] = defaultdict(set)
        for e, j in conflicts:
            self.conflicted_of[e].add(j)
        self.panel: dict[int, set[int]] = {e: set() for e in self.entry_ids}
        self.work: dict[int, set[int]] = defaultdict(set)
        self.loads = dict.fromkeys(self.judge_ids, 0)
        self.locked: set[Pair] = set()
        # Heaps of (load, rank, judge) per (language, tag) pool, built when first needed;
        # a load change pushes a fresh item and stale ones are skipped when popped.
        self.pools: dict[tuple[str | None, str | None], list[tuple[int, int, int]]] = {}
        self.pool_size: dict[tuple[str | None, str | None], int] = {}
        self.pools_of: dict[int, list[list[tuple[int, int, int]]]] = defaultdict(list)

    # -- the rules ----------------------------------------------------------------------

    def eligible(self, e: int, j: int) -> bool:
        lang = self.lang.get(e)
        return (
            j in self.loads
            and (e, j) not in self.conflicts
            and (lang is None or lang in self.reads[j])
        )

    def has_room(self, j: int) -> bool:
        cap = self.cap[j]
        return cap is None or self.loads[j] < cap

    def lacking(self, e: int) -> set[str]:
        if not self.required:
            return set()
        panel, tags = self.panel[e], self.tags
        return {t for t in self.required if not any(t in tags.get(j, ()) for j in panel)}

    def unique_tags(self, e: int, j: int) -> frozenset[str]:
        """The required tags only ``j`` brings to the panel of ``e``."""
        mine = self.tags.get(j, frozenset())
        if not mine:
            return mine
        others: set[str] = set()
        for o in self.panel[e]:
            if o != j:
                others |= self.tags.get(o, frozenset())
        return mine - others

    # -- changes ------------------------------------------------------------------------

    def add(self, e: int, j: int) -> None:
        self.panel[e].add(j)
        self.work[j].add(e)
        if j in self.loads:
            load = self.loads[j] = self.loads[j] + 1
            item = (load, self.judge_rank[j], j)
            for heap in self.pools_of[j]:
                heapq.heappush(heap, item)

    def remove(self, e: int, j: int) -> None:
        self.panel[e].discard(j)
        self.work[j].discard(e)
        if j in self.loads:
            self.loads[j] -= 1
            self._touch(j)

    def _touch(self, j: int) -> None:
        item = (self.loads[j], self.judge_rank[j], j)
        for heap in self.pools_of[j]:
            heapq.heappush(heap, item)

    def keep_existing(self, before: set[Pair], locked: set[Pair]) -> None:
        """Keep the pairs that still keep the rules; trim panels over k and judges over
        their cap, dropping first what loses no required tag, then the busiest judge."""
        self.locked = locked
        for e, j in sorted(locked):
            self.panel.setdefault(e, set())
            self.add(e, j)
        for e, j in sorted(before - locked):
            if e in self.lang and self.eligible(e, j):
                self.add(e, j)
        for e in self.entry_ids:
            while len(self.panel[e]) > self.k:
                free = [j for j in self.panel[e] if (e, j) not in locked]
                if not free:
                    break
                self.remove(e, max(free, key=lambda j: self._drop_key(e, j)))
        for j in self.judge_ids:
            cap = self.cap[j]
            while cap is not None and self.loads[j] > cap:
                free = [e for e in self.work[j] if (e, j) not in locked]
                if not free:
                    break
                drop = max(free, key=lambda e: (not self.unique_tags(e, j), self.entry_rank[e]))
                self.remove(drop, j)

    def _drop_key(self, e: int, j: int) -> tuple[bool, int, int]:
        return (not self.unique_tags(e, j), self.loads.get(j, 0), self.judge_rank.get(j, -1))

    # -- filling ------------------------------------------------------------------------

    def pool(self, lang: str | None, tag: str | None) -> list[tuple[int, int, int]]:
        key = (lang, tag)
        heap = self.pools.get(key)
        if heap is None:
            members = [
                j
                for j in self.judge_ids
                if (lang is None or lang in self.reads[j]) and (tag is None or tag in self.tags[j])
            ]
            heap = [(self.loads[j], self.judge_rank[j], j) for j in members]
            heapq.heapify(heap)
            for j in members:
                self.pools_of[j].append(heap)
            self.pools[key], self.pool_size[key] = heap, len(members)
        return heap

    def best(self, e: int, tag: str | None) -> int | None:
        """The least-loaded judge (seeded order among equals) in the pool of ``e`` who can
        take it: no conflict, room under the cap, not already on its panel."""
        heap = self.pool(self.lang[e], tag)
        panel, conflicted = self.panel[e], self.conflicted_of.get(e, ())
        set_aside = []
        found = None
        while heap:
            load, _, j = heap[0]
            if load != self.loads[j] or not self.has_room(j):
                heapq.heappop(heap)  # stale, or full: a later change pushes it back
            elif j in panel or j in conflicted:
                set_aside.append(heapq.heappop(heap))
            else:
                found = j
                break
        for item in set_aside:
            heapq.heappush(heap, item)
        return found

    def fill(self) -> bool:
        """Fill every panel to k and repair missing tags; say whether anything changed."""
        unfinished = [e for e in self.entry_ids if len(self.panel[e]) < self.k or self.lacking(e)]
        unfinished.sort(key=lambda e: (self._able_count(e), self.entry_rank[e]))
        changed = False
        for e in unfinished:
            changed = self._fill_entry(e) or changed
        return changed

    def _able_count(self, e: int) -> int:
        lang = self.lang[e]
        if (lang, None) not in self.pool_size:
            self.pool(lang, None)
        conflicted = sum(1 for j in self.conflicted_of.get(e, ()) if self.eligible_but(e, j))
        return self.pool_size[(lang, None)] - conflicted

    def eligible_but(self, e: int, j: int) -> bool:
        """Whether ``j`` would be eligible for ``e`` but for a conflict."""
        lang = self.lang[e]
        return j in self.loads and (lang is None or lang in self.reads[j])

    def _fill_entry(self, e: int) -> bool:
        changed = False
        lacking = self.lacking(e)
        while True:
            need = self.k - len(self.panel[e])
            if need <= 0 and not lacking:
                return changed
            brings = self._tag_candidate(e, lacking) if lacking else None
            if need > 0:
                j = brings if brings is not None else self.best(e, None)
                if j is None:
                    return changed
                self.add(e, j)
                lacking -= self.tags[j]
            else:
                # A full panel without a required perspective: swap in a judge who brings
                # it for one whose leaving loses no required tag (coverage only grows).
                spare = [
                    d
                    for d in self.panel[e]
                    if (e, d) not in self.locked and d in self.loads and not self.unique_tags(e, d)
                ]
                if brings is None or not spare:
                    return changed
                self.remove(e, max(spare, key=lambda d: (self.loads[d], self.judge_rank[d])))
                self.add(e, brings)
                lacking = self.lacking(e)
            changed = True

    def _tag_candidate(self, e: int, lacking: set[str]) -> int | None:
        if len(lacking) == 1:
            return self.best(e, next(iter(lacking)))
        found = [j for t in sorted(lacking) if (j := self.best(e, t)) is not None]
        return min(found, key=lambda j: (self.loads[j], self.judge_rank[j]), default=None)

    # -- balancing ----------------------------------------------------------------------

    def rebalance(self) -> bool:
        """Move pairs from judges at least two above a lighter one, while a move keeps
        every rule; stop at a pass that moves nothing. Each move lowers the sum of squared
        loads, so this ends."""
        moved_any = False
        while True:
            order = sorted(self.judge_ids, key=lambda j: (self.loads[j], self.judge_rank[j]))
            if not order or self.loads[order[-1]] - self.loads[order[0]] < 2:
                return moved_any
            # (-load, rank, judge), kept sorted as loads change: heaviest first.
            heaviest = sorted((-self.loads[j], self.judge_rank[j], j) for j in order)
            groups: dict[int, _Groups] = {}
            moved = False
            for light in order:
                while self._move_one(light, heaviest, groups):
                    moved = True
            if not moved:
                return moved_any
            moved_any = True

    def _move_one(
        self, light: int, heaviest: list[tuple[int, int, int]], groups: dict[int, _Groups]
    ) -> bool:
        """Move one pair to ``light`` from the heaviest judge that can give one, so no
        judge gives more than its share."""
        if not self.has_room(light):
            return False
        loads = self.loads
        for minus_load, _, heavy in heaviest:
            if -minus_load < loads[light] + 2:
                return False
            if heavy not in groups:
                groups[heavy] = self._movable_groups(heavy)
            # Groups the light judge cannot serve are skipped whole; a group may be stale
            # after earlier moves, so each pair is checked again, and the next pass
            # regroups.
            for (lang, unique), group in groups[heavy].items():
                if (lang is not None and lang not in self.reads[light]) or not (
                    unique <= self.tags[light]
                ):
                    continue
                for e in group:
                    if self._can_move(e, heavy, light):
                        self._rerank(heaviest, heavy, -1)
                        self._rerank(heaviest, light, +1)
                        self.remove(e, heavy)
                        self.add(e, light)
                        del group[e]
                        return True
        return False

    def _rerank(self, heaviest: list[tuple[int, int, int]], j: int, change: int) -> None:
        item = (-self.loads[j], self.judge_rank[j], j)
        del heaviest[bisect.bisect_left(heaviest, item)]
        bisect.insort(heaviest, (item[0] - change, item[1], j))

    def _movable_groups(self, j: int) -> _Groups:
        groups: _Groups = {}
        for e in sorted(self.work[j], key=lambda e: self.entry_rank.get(e, -1)):
            if (e, j) not in self.locked and e in self.lang:
                key = (self.lang[e], self.unique_tags(e, j))
                groups.setdefault(key, {})[e] = None
        return groups

    def _can_move(self, e: int, heavy: int, light: int) -> bool:
        return (
            heavy in self.panel[e]
            and light not in self.panel[e]
            and self.eligible(e, light)
            and self.loads[heavy] >= self.loads[light] + 2
            and self.unique_tags(e, heavy) <= self.tags[light]
        )

    # -- reporting ----------------------------------------------------------------------

    def shortfalls(self) -> list[Shortfall]:
        found = []
        for e in self.entry_ids:
            missing = max(0, self.k - len(self.panel[e]))
            lacking = self.lacking(e)
            if missing or lacking:
                reasons = [self._why_short(e)] if missing else []
                reasons += [self._why_no_tag(e, t) for t in sorted(lacking)]
                found.append(Shortfall(e, missing, "; ".join(reasons), frozenset(lacking)))
        return found

    def _able(self, e: int) -> list[int]:
        return [j for j in self.judge_ids if self.eligible(e, j)]

    def _where(self, e: int) -> str:
        lang = self.lang[e]
        return f" in '{lang}'" if lang else ""

    def _why_short(self, e: int) -> str:
        able = self._able(e)
        full = [j for j in able if j not in self.panel[e] and not self.has_room(j)]
        if len(able) < self.k:
            s = "" if len(able) == 1 else "s"
            why = f"only {len(able)} judge{s} can judge it{self._where(e)} without a conflict"
            return why + (f" ({len(full)} of them at capacity)" if full else "")
        return f"every other judge who can judge it is at capacity ({len(full)} at max_load)"

    def _why_no_tag(self, e: int, tag: str) -> str:
        able = [j for j in self._able(e) if tag in self.tags[j]]
        if not able:
            return f"no judge with tag '{tag}' can judge it{self._where(e)} without a conflict"
        if all(not self.has_room(j) for j in able):
            return f"every judge with tag '{tag}' who can judge it is at capacity"
        if len(self.required) > self.k:
            return f"{len(self.required)} required tags but only {self.k} judges per entry"
        return (
            f"a judge with tag '{tag}' is free, but no judge on the panel can give way "
            "(locked, or the only one with another required tag)"
        )


def _shuffled_ranks(ids: list[int], rng: random.Random) -> dict[int, int]:
    order = list(ids)
    rng.shuffle(order)
    return {x: rank for rank, x in enumerate(order)}
