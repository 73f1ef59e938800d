"""The write stage's machinery: the build's files are made durable by a thread as they are
written (nothing may be published before every one of them is, ``_Spool.sync``, and an error of
the disk must reach the build). The collector's pause while they are made: tests/build/test_collector.py."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from nkhr.build import write
from nkhr.build.write import _Spool


def test_sync_returns_once_every_file_written_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
    monkeypatch.setattr(write.os, "fsync", recording_fsync)

    files = _Spool(tmp_path)
    names = [f"file-{n}.txt" for n in range(30)] + ["tables/camps.csv"]
    for name in names:
        files[name] = name.encode() * 1000
    files.write_parts("dataset.nq", [b"<a> <b> <c> .\n"] * 100)
    del files["file-3.txt"]             # removed before it was synced, perhaps: not an error
    files.sync()
    expected = {str(tmp_path / name) for name in [*names, "dataset.nq"] if name != "file-3.txt"}
    assert expected <= set(synced)

    files["build.json"] = b"{}"         # written after a sync: the next sync covers it
    files.sync()
    assert str(tmp_path / "build.json") in synced


def test_an_error_of_fsync_is_raised_by_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def failing_fsync(descriptor: int) -> None:
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(write.os, "fsync", failing_fsync)

    files = _Spool(tmp_path)
    files["a.ttl"] = b"data"
    files["b.ttl"] = b"data"
    with pytest.raises(OSError) as raised:
        files.sync()
    assert raised.value.errno == errno.EIO

    files["c.ttl"] = b"data"            # abandoning reports nothing and leaves no thread behind
    files.abandon()
    assert not [t for t in threading.enumerate() if t.name == "nkhr-fsync"]


def test_the_query_store_loads_at_a_lower_priority_than_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # validation, which the build waits for last, gets the cores first (write._yield_the_cores)
    seen: list[int] = []

    def write_store(nquads: Path, folder: Path) -> int:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return 0

    monkeypatch.setattr(write, "write_store", write_store)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    store = write._StoreInBackground(tmp_path / "dataset.nq", tmp_path / "store")
    store.wait()
    assert seen == [min(mine + write.STORE_NICENESS, 19)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine    # this thread's is as it was
