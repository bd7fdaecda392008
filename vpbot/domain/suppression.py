"""Small-count suppression that cannot be undone by arithmetic (pure).

The rule (statistical disclosure control, as in CBS practice): a published count from 1 to
``threshold - 1`` is shown as "<5" (*primary* suppression); a 0 is shown as 0 — it points
at nobody, and hiding zeros would make every table unreadable. Hiding small counts alone
is not enough: a row total minus the other cells of the row gives the hidden one back. So
more counts are hidden (*secondary* suppression, shown as "x") until no hidden count can
be worked out from everything published — cells, totals, and the totals of other tables.

How it is checked, exactly. Every published figure (a cell, a row or column total, a grand
total) is an *arc* of a flow network whose nodes are the table's lines: for a table,
``S -> row`` carries the row total, ``row -> column`` a cell, ``column -> Z`` the column
total and ``Z -> S`` the grand total, so "a total is the sum of its cells" is flow
conservation. Two tables that share totals share those arcs (see :mod:`vpbot.domain.report`).
A reader knows the shown figures exactly, that "<5" is 1..4, that "x" is at least 5 (it is
never a zero and never small) and that unpublished sums are at least 0. Another table that
fits everything the reader knows differs from the true one by a *circulation*; one exists
that changes a given hidden figure if and only if the figure lies on a directed cycle of
the residual graph (arcs that can go up by one forward, down by one backward) — the
conformal decomposition of circulations. So a hidden figure is protected exactly when such
a cycle exists, and :func:`protect` hides the cheapest extra figures (small ones first,
totals last) that close a cycle for every hidden figure. If no choice of figures can, the
caller withholds the whole table.

The reader modelled here knows everything published and how the tables add up. Not
modelled: a reader who re-runs this algorithm to learn from *which* figures were chosen
as partners (the cheapest ones) — the usual, accepted residue of cell suppression.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections.abc import Hashable, Iterator
from dataclasses import dataclass

__all__ = ["THRESHOLD", "Arc", "Mark", "Network", "protect", "protected"]

THRESHOLD = 5
# Hiding a total costs more than hiding a cell: readers lose more with it.
_MARGIN_COST = 3


class Mark(enum.StrEnum):
    """How a figure is published."""

    SHOWN = "shown"  # exactly (zeros too)
    SMALL = "small"  # "<5": primary suppression, 1..threshold-1
    HIDDEN = "hidden"  # "x": secondary suppression, at least the threshold
    UNPUBLISHED = "unpublished"  # a sum nobody is shown (but that exists)


@dataclass
class Arc:
    """One figure: a count flowing from ``tail`` to ``head``."""

    tail: Hashable
    head: Hashable
    value: int
    published: bool = True
    margin: bool = False  # a total rather than a cell
    mark: Mark = Mark.UNPUBLISHED


class Network:
    """The figures of one or more linked tables, as arcs."""

    def __init__(self) -> None:
        self.arcs: list[Arc] = []

    def add(self, tail: Hashable, head: Hashable, value: int, *, published: bool = True,
            margin: bool = False) -> Arc:
        """Add a figure and return its arc (its ``mark`` is set by :func:`protect`)."""
        if value < 0:
            raise ValueError("counts are never negative")
        arc = Arc(tail, head, value, published, margin)
        self.arcs.append(arc)
        return arc


def _bounds(mark: Mark, value: int, threshold: int) -> tuple[int, int | None]:
    """What a reader knows about a figure with ``mark``: its lowest and highest value."""
    if mark is Mark.SMALL:
        return 1, threshold - 1
    if mark is Mark.HIDDEN:
        return threshold, None
    if mark is Mark.UNPUBLISHED:
        return 0, None
    return value, value


def _moves(arc: Arc, mark: Mark, threshold: int) -> tuple[bool, bool]:
    """Whether the figure could be one more, and one less, than it is."""
    low, high = _bounds(mark, arc.value, threshold)
    return high is None or arc.value + 1 <= high, arc.value - 1 >= low


def _residual(
    network: Network, skip: int, threshold: int, *, may_hide: bool
) -> dict[Hashable, list[tuple[Hashable, int, int]]]:
    """node -> [(next node, cost, arc index)] over the arcs a circulation may change.

    Hidden and unpublished figures change for free; with ``may_hide``, shown figures of at
    least the threshold may change too, at the cost of hiding them ("x").
    """
    graph: dict[Hashable, list[tuple[Hashable, int, int]]] = {}
    for index, arc in enumerate(network.arcs):
        if index == skip:
            continue
        if arc.mark is not Mark.SHOWN:
            mark, cost = arc.mark, 0
        elif may_hide and arc.value >= threshold:
            mark, cost = Mark.HIDDEN, arc.value * (_MARGIN_COST if arc.margin else 1)
        else:
            continue
        up, down = _moves(arc, mark, threshold)
        if up:
            graph.setdefault(arc.tail, []).append((arc.head, cost, index))
        if down:
            graph.setdefault(arc.head, []).append((arc.tail, cost, index))
    return graph


def _cheapest_path(
    graph: dict[Hashable, list[tuple[Hashable, int, int]]], start: Hashable, goal: Hashable
) -> tuple[int, list[int]] | None:
    """Dijkstra from ``start`` to ``goal``: (cost, arc indexes), fewest arcs among equals."""
    tie = itertools.count()
    queue: list[tuple[int, int, int, Hashable, tuple[int, ...]]] = [(0, 0, next(tie), start, ())]
    done: set[Hashable] = set()
    while queue:
        cost, hops, _, node, path = heapq.heappop(queue)
        if node == goal:
            return cost, list(path)
        if node in done:
            continue
        done.add(node)
        for following, step, index in graph.get(node, ()):
            if following not in done:
                heapq.heappush(queue, (cost + step, hops + 1, next(tie), following, (*path, index)))
    return None


def _cycle_through(network: Network, index: int, threshold: int, *, may_hide: bool) -> list[int] | None:
    """The cheapest residual cycle that changes figure ``index``: the arcs it uses, or None."""
    arc = network.arcs[index]
    up, down = _moves(arc, arc.mark, threshold)
    graph = _residual(network, index, threshold, may_hide=may_hide)
    best: tuple[int, list[int]] | None = None
    # Up: tail -> head along the arc, then back from head to tail. Down: the other way.
    for wanted, start, goal in ((up, arc.head, arc.tail), (down, arc.tail, arc.head)):
        found = _cheapest_path(graph, start, goal) if wanted else None
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    return None if best is None else best[1]


def _suppressed(network: Network) -> Iterator[int]:
    for index, arc in enumerate(network.arcs):
        if arc.mark in (Mark.SMALL, Mark.HIDDEN):
            yield index


def protect(network: Network, threshold: int = THRESHOLD) -> bool:
    """Mark every figure; ``False`` if some hidden figure cannot be protected at all.

    Primary suppression first, then, for each hidden figure without a protecting cycle, the
    cheapest cycle is closed by hiding the shown figures on it. Hiding more never removes a
    cycle, and every figure hidden for a cycle lies on it, so one pass suffices; the loop
    repeats until nothing changes only as a guard.
    """
    for arc in network.arcs:
        if not arc.published:
            arc.mark = Mark.UNPUBLISHED
        elif 0 < arc.value < threshold:
            arc.mark = Mark.SMALL
        else:
            arc.mark = Mark.SHOWN
    changed = True
    while changed:
        changed = False
        for index in list(_suppressed(network)):
            cycle = _cycle_through(network, index, threshold, may_hide=True)
            if cycle is None:
                return False
            for used in cycle:
                if network.arcs[used].mark is Mark.SHOWN:
                    network.arcs[used].mark = Mark.HIDDEN
                    changed = True
    return True


def protected(network: Network, threshold: int = THRESHOLD) -> bool:
    """Whether every hidden figure of an already marked network has a protecting cycle."""
    return all(
        _cycle_through(network, index, threshold, may_hide=False) is not None
        for index in _suppressed(network)
    )
