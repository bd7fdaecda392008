"""``settle_heap``: what start-up built is no longer walked by full garbage collections."""

from __future__ import annotations

import gc

from vpbot.cli import settle_heap


def test_settle_heap_takes_the_start_up_objects_out_of_full_collections() -> None:
    gc.unfreeze()
    walked_before = len(gc.get_objects())  # what a full collection walks (frozen ones are not listed)
    try:
        settle_heap()
        assert gc.get_freeze_count() > walked_before // 2  # garbage is collected first, the rest frozen
        assert len(gc.get_objects()) < walked_before // 10
        garbage: list[object] = []
        garbage.append(garbage)  # a cycle made afterwards is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
