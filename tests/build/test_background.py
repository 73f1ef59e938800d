"""build/background.py: a call run in a forked child gives the value or the error it would give
in the parent; a child that dies says so; a process with other threads makes the call itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from nkhr.build.background import Background


def run_alone(code: str) -> str:
    """Run ``code`` in a fresh interpreter (one thread: the forked path) and return its output."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_forked_call_returns_its_value_and_raises_its_error():
    output = run_alone("""
        import os
        from nkhr.build.background import Background, BackgroundError
        parent = os.getpid()
        call = Background(lambda: (os.getpid(), [1, 2, 3]))
        pid, value = call.result()
        print(call.forked, pid != parent, value)
        def fails():
            raise ValueError("no such shape")
        try:
            Background(fails).result()
        except ValueError as exc:
            print("raised", exc)
        try:
            Background(lambda: os._exit(9)).result()
        except BackgroundError as exc:
            print("died", exc)
    """)
    lines = output.splitlines()
    assert lines[0] == "True True [1, 2, 3]"
    assert lines[1] == "raised no such shape"
    assert lines[2].startswith("died ") and "exit code 9" in lines[2]


def test_with_other_threads_the_call_is_made_in_this_process_when_asked():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        calls: list[int] = []
        pending = Background(lambda: calls.append(1) or "done")
        assert not pending.forked and calls == []          # not made yet: no fork with threads
        assert pending.result() == "done" and calls == [1]
        assert pending.result() == "done" and calls == [1]  # once
        with pytest.raises(KeyError):
            Background(lambda: {}["missing"]).result()
    finally:
        stop.set()
        other.join()


def test_a_killed_build_takes_its_background_child_with_it():
    script = textwrap.dedent("""
        import time
        from nkhr.build.background import Background
        pending = Background(lambda: time.sleep(60))
        print(pending._process.pid, flush=True)
        time.sleep(60)
    """)
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert build.stdout is not None
        child = int(build.stdout.readline())
        assert Path(f"/proc/{child}").exists()
        build.kill()                        # SIGKILL: the build cannot stop its child itself
        build.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        build.kill()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False
