"""A reader who tries to work out suppressed figures from a published annual report.

Independent of :mod:`vpbot.domain.suppression`: it sees only the published report — exact
figures, "<5" (1 to threshold-1), "x" (at least the threshold, never small, never zero),
unpublished sums (at least 0) — and knows how the tables add up: rows and columns sum to
their totals, and (the worst case: every case has one category) the category table's
columns sum to the cases per quarter. For each suppressed figure it searches, exhaustively
with interval propagation, for a table that fits everything published but gives the figure
another value. Finding one proves that the figure cannot be recovered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from vpbot.domain.report_model import AnnualReport, Table, TableKey
from vpbot.domain.suppression import Mark

Var = tuple[str, str, str]  # (table, row, column); "total" for totals
Domain = tuple[int, int]
TOTAL = "total"


@dataclass
class Problem:
    """Variables with integer intervals, and equations ``sum(plus) == sum(minus)``."""

    domains: dict[Var, Domain] = field(default_factory=dict)
    equations: list[tuple[tuple[Var, ...], tuple[Var, ...]]] = field(default_factory=list)
    suppressed: list[Var] = field(default_factory=list)

    @property
    def signed(self) -> tuple[list[list[tuple[Var, int]]], dict[Var, list[int]]]:
        """The equations in signed form (computed once)."""
        if not hasattr(self, "_signed"):
            self._signed = _signed(self)
        return self._signed


def _extended(table: Table) -> Iterator[tuple[Var, object]]:
    """Every figure of a table (published or not): (variable, what was published or None)."""
    for row in table.all_rows():
        for column, figure in zip(table.columns, row.cells, strict=True):
            yield (table.key, row.key, column), figure
        if table.per_quarter:
            yield (table.key, row.key, TOTAL), row.total
    if table.totals is None:  # the column sums exist, unpublished
        for column in (*table.columns, *((TOTAL,) if table.per_quarter else ())):
            yield (table.key, TOTAL, column), None


def problem_from(report: AnnualReport, cap: int) -> Problem:
    """What a reader knows, as a constraint problem; unbounded figures are capped at ``cap``."""
    problem = Problem()
    low = report.threshold
    for table in report.tables:
        if table.withheld:
            continue
        for var, figure in _extended(table):
            if figure is None:
                problem.domains[var] = (0, cap)
            elif figure is Mark.SMALL:
                problem.domains[var] = (1, low - 1)
                problem.suppressed.append(var)
            elif figure is Mark.HIDDEN:
                problem.domains[var] = (low, cap)
                problem.suppressed.append(var)
            else:
                assert isinstance(figure, int)
                problem.domains[var] = (figure, figure)
        rows = [r.key for r in table.rows]
        columns = [*table.columns, *((TOTAL,) if table.per_quarter else ())]
        for column in columns:
            problem.equations.append(
                (tuple((table.key, r, column) for r in rows), ((table.key, TOTAL, column),))
            )
        if table.per_quarter:
            for row in [*rows, TOTAL]:
                problem.equations.append(
                    (tuple((table.key, row, c) for c in table.columns), ((table.key, row, TOTAL),))
                )
    keys = {t.key for t in report.tables if not t.withheld}
    if {TableKey.CASES, TableKey.CATEGORIES} <= keys:
        for column in [*report.table(TableKey.CASES).columns, TOTAL]:
            problem.equations.append(
                (((TableKey.CASES, TOTAL, column),), ((TableKey.CATEGORIES, TOTAL, column),))
            )
    return problem


def _signed(problem: Problem) -> tuple[list[list[tuple[Var, int]]], dict[Var, list[int]]]:
    """Each equation as ``sum(sign * var) == 0``, and the equations each variable is in."""
    equations = [[(v, 1) for v in plus] + [(v, -1) for v in minus] for plus, minus in problem.equations]
    touching: dict[Var, list[int]] = {}
    for index, equation in enumerate(equations):
        for var, _sign in equation:
            touching.setdefault(var, []).append(index)
    return equations, touching


def _propagate(domains: dict[Var, Domain], problem: Problem, changed: Var | None = None) -> bool:
    """Narrow the intervals until nothing changes; ``False`` if some becomes empty.

    With ``changed``, only that variable's interval changed since the last propagation.
    """
    equations, touching = problem.signed
    queue = list(range(len(equations))) if changed is None else list(touching.get(changed, ()))
    waiting = set(queue)
    while queue:
        index = queue.pop()
        waiting.discard(index)
        signed = equations[index]
        # Bounds of each term sign * var, and of their sum.
        terms = [(lo, hi) if s > 0 else (-hi, -lo) for v, s in signed for lo, hi in (domains[v],)]
        low, high = sum(t[0] for t in terms), sum(t[1] for t in terms)
        if low > 0 or high < 0:
            return False
        for (var, sign), (own_low, own_high) in zip(signed, terms, strict=True):
            # The term must cancel the rest: it lies in [-(high - own_high), -(low - own_low)].
            term = (max(own_low, own_high - high), min(own_high, own_low - low))
            if term[0] > term[1]:
                return False
            if term != (own_low, own_high):
                domains[var] = term if sign > 0 else (-term[1], -term[0])
                for other in touching[var]:
                    if other not in waiting:
                        waiting.add(other)
                        queue.append(other)
    return True


def feasible(problem: Problem, domains: dict[Var, Domain], changed: Var | None = None) -> bool:
    """Whether some integer assignment within ``domains`` satisfies every equation.

    ``changed``: the only variable narrowed since ``domains`` were last propagated.
    """
    domains = dict(domains)
    if not _propagate(domains, problem, changed):
        return False
    open_vars = [v for v, (lo, hi) in domains.items() if lo < hi]
    if not open_vars:
        return True
    var = min(open_vars, key=lambda v: domains[v][1] - domains[v][0])
    lo, hi = domains[var]
    middle = (lo + hi) // 2
    return any(feasible(problem, {**domains, var: part}, var) for part in ((lo, middle), (middle + 1, hi)))


def recoverable(report: AnnualReport, truth: dict[Var, int], cap: int) -> list[Var]:
    """The suppressed figures whose value is the only one that fits what was published."""
    problem = problem_from(report, cap)
    base = dict(problem.domains)
    assert _propagate(base, problem) and feasible(problem, base), "the report contradicts itself"
    found = []
    for var in problem.suppressed:
        lo, hi = base[var]
        value = truth[var]
        # Neighbours first (a single value propagates far), then everything else.
        tries = [(v, v) for v in (value - 1, value + 1) if lo <= v <= hi]
        tries += [d for d in ((lo, value - 2), (value + 2, hi)) if d[0] <= d[1]]
        if not any(feasible(problem, {**base, var: d}, var) for d in tries):
            found.append(var)
    return found
