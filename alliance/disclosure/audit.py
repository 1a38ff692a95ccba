"""Protection intervals, audited by linear programming (as tau-argus and sdcTable do).

An attacker holding a release knows every published figure and how the tables add up (each Group:
total = sum of members), plus any extra linear facts (Constraint) and the public lower bounds of the
hidden figures (a listed quantity is at least 1, a value at least 0). The best range such an attacker can
derive for a hidden figure is its minimum and maximum over that linear system: two linear programmes,
solved by HiGHS (highspy, its own Python interface: the model of a component is loaded once and every
further programme on it is a warm start; through scipy.optimize.linprog each call cost ~5 ms of set-up).

A hidden figure is protected when that range reaches at least P % above its true value and P % below it
(or down to what anyone knows anyway: its public lower bound, or the least it can be given only which
figures are listed and how they add up), and never less than one unit (or minor unit) either way: the figures
are integers, so a range narrower than one unit pins them, and a true 0 has no "P % of it" to hide behind.

Quantities and values are separate systems (one call each). The system splits into independent
components (hidden figures that share no equation), each solved on its own. `breaches` only checks the
requirement and is the fast path of the compile: one programme pushes every unverified figure of a
component up at once (capped at its requirement), another pushes them down, and only figures a batch
could not verify get a programme of their own. `attacker_ranges` computes the exact ranges (the audit
command, the tests, release control).
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from math import inf

import highspy
import numpy as np

from alliance.disclosure.rules import Group

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Constraint:
    """A linear fact the attacker knows: low <= sum(coefficient * figure) <= high."""

    terms: tuple[tuple[Hashable, float], ...]
    low: float
    high: float


@dataclass(frozen=True)
class Breach:
    key: Hashable
    truth: float
    low: float
    high: float
    required_low: float
    required_high: float


def required_range(truth: float, percent: float, lower_bound: float) -> tuple[float, float]:
    """(low, high) the attacker's range must reach for a hidden figure of this true value."""
    margin = max(truth * percent / 100, 1)
    return max(truth - margin, lower_bound), truth + margin


class _Component:
    """One independent part of the attacker's system, loaded into HiGHS once: every programme on it only
    changes the objective and the bounds, so HiGHS restarts from the previous optimal basis (warm start)."""

    def __init__(self, keys: list, rows: list[tuple[dict, float, float]], lower: np.ndarray):
        self.keys = keys
        self.lower = lower
        # Values run to 10^11 minor units: the model is solved in units of its largest figure, so HiGHS's
        # absolute tolerances mean the same at every size.
        finite = [abs(b) for _, low, high in rows for b in (low, high) if b not in (inf, -inf)]
        self.scale = max([1.0, *finite, *np.abs(lower[np.isfinite(lower)])])
        self.model_lower = np.where(np.isfinite(lower), lower / self.scale, -highspy.kHighsInf)
        index = {key: i for i, key in enumerate(keys)}
        model = highspy.HighsLp()
        model.num_col_ = len(keys)
        model.num_row_ = len(rows)
        model.col_cost_ = np.zeros(len(keys))
        model.col_lower_ = self.model_lower
        model.col_upper_ = np.full(len(keys), highspy.kHighsInf)
        model.row_lower_ = np.array([_finite(low, self.scale) for _, low, _ in rows], dtype=float)
        model.row_upper_ = np.array([_finite(high, self.scale) for _, _, high in rows], dtype=float)
        starts, columns, values = [0], [], []
        for coefficients, _, _ in rows:
            for key, c in coefficients.items():
                columns.append(index[key])
                values.append(float(c))
            starts.append(len(columns))
        model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        model.a_matrix_.index_ = np.array(columns, dtype=np.int32)
        model.a_matrix_.value_ = np.array(values, dtype=float)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("presolve", "off")  # small, re-solved models: presolve would undo the warm start
        self.highs.passModel(model)
        self.columns = np.arange(len(keys), dtype=np.int32)

    def solve(self, cost: np.ndarray, upper: np.ndarray | None = None) -> np.ndarray | None:
        """The optimal point minimising cost · x (within `upper`, when given); None when unbounded."""
        size = len(self.keys)
        caps = (np.full(size, highspy.kHighsInf) if upper is None
                else np.where(np.isinf(upper), highspy.kHighsInf, upper / self.scale))
        self.highs.changeColsCost(size, self.columns, np.asarray(cost, dtype=float))
        self.highs.changeColsBounds(size, self.columns, self.model_lower, caps)
        status = self._run()
        if status not in _DECIDED:  # numerical trouble from the warm start: once more from scratch
            self.highs.clearSolver()
            status = self._run()
        if status == highspy.HighsModelStatus.kOptimal:
            return np.array(self.highs.getSolution().col_value) * self.scale
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return None  # the published figures themselves are a feasible point: never infeasible
        raise RuntimeError(f"the attacker's linear programme failed: {self.highs.modelStatusToString(status)}")

    def _run(self):
        self.highs.run()
        return self.highs.getModelStatus()

    def extreme(self, index: int, sign: int) -> float:
        """min (sign=+1) or max (sign=-1) of one figure over the component."""
        cost = np.zeros(len(self.keys))
        cost[index] = sign
        x = self.solve(cost)
        if x is None:  # unbounded in that direction
            return -inf if sign > 0 else inf
        return float(x[index])


_DECIDED = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible)


def _finite(bound: float, scale: float) -> float:
    return highspy.kHighsInf if bound == inf else -highspy.kHighsInf if bound == -inf else float(bound) / scale


def _components(published: Mapping, hidden: Iterable, groups: Iterable[Group], lower_bounds: Mapping,
                constraints: Iterable[Constraint]) -> list[_Component]:
    """The attacker's linear system split into independent components over the hidden figures.

    Every key a group names must be published or hidden: an unknown member would silently weaken the
    attacker, so it raises KeyError.
    """
    hidden = list(dict.fromkeys(hidden))
    hidden_set = set(hidden)
    rows: list[tuple[dict, float, float]] = []  # (coefficients over hidden keys, low, high)
    for group in groups:
        if group.total not in hidden_set and hidden_set.isdisjoint(group.members):
            continue  # all published: no unknown in it
        coefficients: dict = {}
        known = 0.0
        for key, sign in [(m, 1) for m in group.members] + [(group.total, -1)]:
            if key in hidden_set:
                coefficients[key] = coefficients.get(key, 0) + sign
            else:
                known += sign * published[key]
        coefficients = {key: c for key, c in coefficients.items() if c}
        if coefficients:
            rows.append((coefficients, -known, -known))
    for constraint in constraints:
        coefficients, known = {}, 0.0
        for key, c in constraint.terms:
            if key in hidden_set:
                coefficients[key] = coefficients.get(key, 0) + c
            else:
                known += c * published[key]
        if coefficients:
            rows.append((coefficients, constraint.low - known, constraint.high - known))

    parent = {key: key for key in hidden}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for coefficients, _, _ in rows:
        first, *rest = coefficients
        for key in rest:
            parent[root(key)] = root(first)
    members: dict = {}
    for key in hidden:
        members.setdefault(root(key), []).append(key)
    row_sets: dict = {}
    for row in rows:
        row_sets.setdefault(root(next(iter(row[0]))), []).append(row)
    return [_build(keys, row_sets.get(r, []), lower_bounds) for r, keys in members.items()]


def _build(keys: list, rows: list, lower_bounds: Mapping) -> _Component:
    lower = np.array([float(lower_bounds.get(key, 0)) for key in keys])
    return _Component(keys, rows, lower)


def attacker_ranges(published: Mapping[Hashable, float], hidden: Iterable[Hashable], groups: Iterable[Group],
                    lower_bounds: Mapping[Hashable, float] | None = None,
                    constraints: Iterable[Constraint] = ()) -> dict[Hashable, tuple[float, float]]:
    """The attacker's best (low, high) for every hidden figure; high is math.inf when unbounded."""
    ranges = {}
    for component in _components(published, hidden, groups, lower_bounds or {}, constraints):
        for i, key in enumerate(component.keys):
            ranges[key] = (component.extreme(i, +1), component.extreme(i, -1))
    return ranges


def breaches(published: Mapping[Hashable, float], hidden: Iterable[Hashable], groups: Iterable[Group],
             truth: Mapping[Hashable, float], targets: Iterable[Hashable], percent: float,
             lower_bounds: Mapping[Hashable, float] | None = None,
             constraints: Iterable[Constraint] = (), cache: dict | None = None) -> list[Breach]:
    """The targets (hidden figures that must be protected) whose attacker range misses required_range.

    `cache` (a dict the caller keeps) skips components already audited: a caller that only ever hides more
    of the same figures, with the same truth and published values, gets the same answer for a component
    with the same hidden figures.
    """
    lower_bounds = lower_bounds or {}
    targets = set(targets)
    found = []
    for component in _components(published, hidden, groups, lower_bounds, constraints):
        wanted = [i for i, key in enumerate(component.keys) if key in targets]
        if not wanted:
            continue
        signature = frozenset(component.keys)
        if cache is not None and signature in cache:
            found += cache[signature]
            continue
        before = len(found)
        required = {i: required_range(truth[component.keys[i]], percent, lower_bounds.get(component.keys[i], 0))
                    for i in wanted}
        low_fails = _unverified(component, wanted, required, up=False)
        if low_fails:
            listing = listing_minimum(published, hidden, groups, lower_bounds, constraints,
                                      [component.keys[i] for i in low_fails], cache)
            low_fails = {i: low for i, low in low_fails.items()
                         if not _reaches(low, listing[component.keys[i]], up=False)}
        high_fails = _unverified(component, wanted, required, up=True)
        for i in sorted(set(low_fails) | set(high_fails)):
            key = component.keys[i]
            low = low_fails.get(i, component.lower[i])
            high = high_fails.get(i, inf)
            found.append(Breach(key, truth[key], float(low), float(high), *required[i]))
        if cache is not None:
            cache[signature] = found[before:]
    return found


def listing_minimum(published: Mapping, hidden: Iterable, groups: Iterable[Group], lower_bounds: Mapping,
                    constraints: Iterable[Constraint], keys: list, cache: dict | None = None) -> dict:
    """The least each key can be knowing only which figures are listed and how they add up (no published
    figure): what anyone knows anyway, e.g. a hidden total of 4 listed cells of at least 1 is at least 4.

    The listing does not change while a caller hides more, so `cache` keeps the system and the minima."""
    cache = {} if cache is None else cache
    if "listing" not in cache:
        everything = list(dict.fromkeys([*published, *hidden]))
        where = {}
        for component in _components({}, everything, groups, lower_bounds, constraints):
            where |= {key: (component, i) for i, key in enumerate(component.keys)}
        cache["listing"] = where
        cache["listing minimum"] = {}
    minimum = cache["listing minimum"]
    for key in keys:
        if key not in minimum:
            component, i = cache["listing"][key]
            minimum[key] = component.extreme(i, +1)
    return {key: minimum[key] for key in keys}


def _unverified(component: _Component, wanted: list[int], required: dict, up: bool) -> dict[int, float]:
    """{index: attacker's exact bound} for the wanted figures that cannot be pushed to their requirement.

    Batches first: one programme moves all remaining figures towards their requirement at once (weighted
    by their size, capped at the requirement so it stays bounded); the figures it reaches are verified.
    A figure no batch reaches gets its own programme, which decides it.
    """
    size = len(component.keys)
    goal = {i: required[i][1] if up else required[i][0] for i in wanted}
    remaining = [i for i in wanted if not (not up and goal[i] <= component.lower[i] + _TOLERANCE)]
    fails: dict[int, float] = {}
    while remaining:
        cost = np.zeros(size)
        for i in remaining:
            cost[i] = (-1 if up else 1) / max(abs(goal[i]), 1)
        cap = None
        if up:
            cap = np.full(size, np.inf)
            for i in remaining:
                cap[i] = goal[i]
        x = component.solve(cost, cap)
        reached = [] if x is None else [i for i in remaining if _reaches(x[i], goal[i], up)]
        if reached:
            remaining = [i for i in remaining if i not in set(reached)]
            continue
        first, *remaining = remaining
        bound = component.extreme(first, -1 if up else +1)
        if not _reaches(bound, goal[first], up):
            fails[first] = bound
    return fails


def _reaches(value: float, goal: float, up: bool) -> bool:
    slack = _TOLERANCE * max(1.0, abs(goal))
    return value >= goal - slack if up else value <= goal + slack
