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
        call = Background(lambda inbox: (os.getpid(), [1, 2, 3]))
        pid, value = call.result()
        print(call.forked, pid != parent, value)
        def fails():
            raise ValueError("no such shape")
        try:
            Background(lambda inbox: fails()).result()
        except ValueError as exc:
            print("raised", exc)
        try:
            Background(lambda inbox: os._exit(9)).result()
        except BackgroundError as exc:
            print("died", exc)
    """)
    lines = output.splitlines()
    assert lines[0] == "True True [1, 2, 3]"
    assert lines[1] == "raised no such shape"
    assert lines[2].startswith("died ") and "exit code 9" in lines[2]


def test_a_forked_call_reads_what_is_sent_in_order_and_the_sender_does_not_wait_for_it():
    output = run_alone("""
        import time
        from nkhr.build.background import Background
        def reads(inbox):
            time.sleep(1)                   # busy (importing the engine, say) before it reads
            return [len(part) for part in inbox]
        pending = Background(reads)
        started = time.monotonic()
        pending.send([b"a" * 5_000_000, b"", b"bc"])    # far more than a pipe holds
        print(time.monotonic() - started < 0.5, pending.result())
        waiting = Background(lambda inbox: list(inbox))
        waiting.cancel()                    # the build failed before its data was made
        print(waiting.result())
    """)
    assert output.splitlines() == ["True [5000000, 0, 2]", "[]"]


def test_a_build_that_fails_before_its_data_is_made_leaves_no_child(tmp_path):
    output = run_alone(f"""
        import shutil, multiprocessing
        from pathlib import Path
        from nkhr.project import Project
        from nkhr.build.load import SourceError
        from nkhr.build.pipeline import run_build
        root = Path({str(tmp_path)!r}) / "p"
        shutil.copytree({str(Path(__file__).parents[2])!r}, root, ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "dist", ".nkhr-builds", "tests", "bench", "*.pyc"))
        (root / "data" / "zz-broken.ttl").write_text("this is not turtle")
        try:
            run_build(Project(root))
        except SourceError as exc:
            print("refused", "zz-broken.ttl" in str(exc))
        for child in multiprocessing.active_children():
            child.join(timeout=20)
        print(len([c for c in multiprocessing.active_children() if c.is_alive()]))
    """)
    assert output.splitlines() == ["refused True", "0"]


def test_with_other_threads_the_call_is_made_in_this_process_when_asked():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        calls: list[int] = []
        pending = Background(lambda inbox: calls.append(1) or "done")
        assert not pending.forked and calls == []          # not made yet: no fork with threads
        assert pending.result() == "done" and calls == [1]
        assert pending.result() == "done" and calls == [1]  # once
        fed = Background(lambda inbox: b"+".join(inbox))
        fed.send([b"x", b"y"])
        assert not fed.forked and fed.result() == b"x+y"
        with pytest.raises(KeyError):
            Background(lambda inbox: {}["missing"]).result()
    finally:
        stop.set()
        other.join()


def test_a_stopped_call_is_killed_and_reaped_even_while_it_is_being_sent_its_input():
    output = run_alone("""
        import os, time
        from nkhr.build.background import Background, BackgroundError
        busy = Background(lambda inbox: time.sleep(60))
        pid = busy._process.pid
        busy.send([b"x" * 5_000_000] * 4)           # the sender thread blocks: the child never reads
        started = time.monotonic()
        busy.stop()
        gone = not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
        try:
            busy.result()
        except BackgroundError as exc:
            print(time.monotonic() - started < 5, gone, busy._sender.is_alive(), "stopped" in str(exc))
        idle = Background(lambda inbox: time.sleep(60))
        idle.stop()                                  # nothing was sent: its inbox is closed here
        idle.stop()                                  # twice is harmless
        print(idle._process.exitcode is not None)
    """)
    assert output.splitlines() == ["True True False True", "True"]


def test_an_inbox_ends_when_the_parent_closes_it_though_a_later_sibling_was_forked_holding_it():
    output = run_alone("""
        import time
        from nkhr.build.background import Background
        waiting = Background(lambda inbox: list(inbox))     # reads until its inbox ends
        sibling = Background(lambda inbox: time.sleep(30))  # forked after it, with its pipe's ends
        started = time.monotonic()
        waiting.cancel()
        print(waiting.result(), time.monotonic() - started < 10)
        sibling.stop()
    """)
    assert output.splitlines() == ["[] True"]


def test_a_killed_build_takes_its_background_child_with_it():
    script = textwrap.dedent("""
        import time
        from nkhr.build.background import Background
        pending = Background(lambda inbox: time.sleep(60))
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


def test_a_forked_call_may_fork_one_of_its_own():
    # the query stage's child makes the search index in a child of its own (build/pipeline.py)
    output = run_alone("""
        import os
        from nkhr.build.background import Background
        def outer(inbox):
            inner = Background(lambda inbox: os.getppid())
            return os.getpid(), inner.forked, inner.result()
        pid, forked, parent_of_inner = Background(outer).result()
        print(forked, parent_of_inner == pid != os.getpid())
    """)
    assert output.split() == ["True", "True"]


def test_a_process_exits_at_once_though_a_call_it_forked_is_still_at_work():
    # no longer multiprocessing's daemons, the children are killed at exit all the same
    started = time.monotonic()
    output = run_alone("""
        import time
        from nkhr.build.background import Background
        pending = Background(lambda inbox: time.sleep(60))
        print(pending._process.pid)
    """)
    assert time.monotonic() - started < 30
    pid = int(output)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
