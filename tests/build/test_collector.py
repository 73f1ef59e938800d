"""build/collector.py: the garbage collector is off while the build and its write stage work, and
handed back after (a failure too) with what they made in its oldest generation."""

from __future__ import annotations

import errno
import gc
from pathlib import Path
from types import SimpleNamespace

import pytest

from nkhr.build import pipeline, write
from nkhr.build.collector import paused


def test_the_collector_is_off_in_the_block_and_on_after_it_even_after_a_failure():
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        made = [object() for _ in range(10)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    young = {id(o) for o in gc.get_objects(generation=0)} | {id(o) for o in gc.get_objects(generation=1)}
    assert id(made) not in young            # in the oldest generation: the next young pass skips it
    with pytest.raises(OSError), paused():
        raise OSError(errno.ENOSPC, "No space left on device")
    assert gc.isenabled()


def test_nested_or_with_the_collector_off_it_changes_nothing():
    with paused():
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()           # the inner block did not turn it back on
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()           # the caller's choice stands
    finally:
        gc.enable()
    gc.freeze()                             # someone else's frozen objects stay frozen
    try:
        frozen = gc.get_freeze_count()
        with paused():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_the_build_and_its_write_stage_run_with_the_collector_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    seen: list[bool] = []

    class Stop(Exception):
        pass

    def stage(*args: object, **kwargs: object) -> None:
        seen.append(gc.isenabled())
        raise Stop

    monkeypatch.setattr(pipeline, "parse_file", stage)
    class Project:
        shapes_file = None

        def relative(self, path: object) -> str:
            return "ontology/shapes.ttl"

    with pytest.raises(Stop):
        pipeline.run_build(Project())       # type: ignore[arg-type]    # stops at its first step
    monkeypatch.setattr(write, "in_memory_max", stage)

    class Result:
        project = SimpleNamespace(root=tmp_path)
        graphs: dict[str, list[object]] = {}

    with pytest.raises(Stop):
        write.write_dist(Result())          # type: ignore[arg-type]
    assert seen == [False, False] and gc.isenabled()
