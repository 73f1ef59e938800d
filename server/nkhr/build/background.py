"""One call of the build run in a forked process while the build goes on: the checks (SHACL
validation, then the catalog queries and the quality checks).

The checks read the closure and the store, and nothing after them reads their results until the
build is about to be published, so they can run beside the writing of the files. It
cannot run in a thread: the SHACL engine holds the interpreter while it works. A forked child
starts with the parent's memory as it is (nothing is copied or parsed again), computes the
call, and sends its result back through a pipe, pickled.

Forking a process that runs other threads can leave the child waiting on a lock one of them
held, so a process with other threads (a test runner with servers, say) makes the call when its
result is first asked for, as does a system without ``fork``: the same result, one stage later.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

from ..lifetime import signal_on_parent_death

T = TypeVar("T")


class BackgroundError(Exception):
    """The background process stopped without a result (killed, out of memory)."""


class Background(Generic[T]):
    """``call()`` started now, in a forked child where that is safe; ``result()`` waits for it."""

    def __init__(self, call: Callable[[], T]):
        self._value: T | None = None
        self._error: BaseException | None = None
        self._done = False
        self.seconds = 0.0
        self.forked = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        if not self.forked:
            self._call = call
            return
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(call, sender, os.getpid()), name="nkhr-background",
                                        daemon=True)
        self._process.start()
        sender.close()

    def result(self) -> T:
        """The call's value, or its exception raised here."""
        if not self._done:
            self._done = True
            if self.forked:
                self._receive()
            else:
                started = time.perf_counter()
                try:
                    self._value = self._call()
                except BaseException as exc:
                    self._error = exc
                self.seconds = time.perf_counter() - started
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]     # set when no error was

    def _receive(self) -> None:
        try:
            ok, payload, self.seconds = self._results.recv()
        except EOFError:
            self._process.join()
            self._error = BackgroundError(f"the background process stopped without a result "
                                          f"(exit code {self._process.exitcode}); was it out of memory?")
            return
        finally:
            self._results.close()
        self._process.join()
        if ok:
            self._value = payload
        else:
            self._error = payload


def _child(call: Callable[[], object], sender: Connection, parent: int) -> None:
    _die_with_parent(parent)
    started = time.perf_counter()
    try:
        outcome: tuple[bool, object, float] = (True, call(), 0.0)
    except BaseException as exc:        # sent to the parent, which raises it
        outcome = (False, exc, 0.0)
    try:
        sender.send((outcome[0], outcome[1], time.perf_counter() - started))
    except Exception as exc:            # a result or an error that does not pickle
        sender.send((False, BackgroundError(f"the background result could not be sent back: {exc}"), 0.0))
    sender.close()



def _die_with_parent(parent: int) -> None:
    """Be killed when the build is (a killed build would otherwise leave its child validating a
    million triples for minutes). The build forks from its main thread, whose end is the
    process's end, so the kernel's parent-death signal is enough; elsewhere than Linux the child
    ends when it finds the pipe closed."""
    if signal_on_parent_death(signal.SIGKILL) and os.getppid() != parent:
        os._exit(1)                         # the build died before the signal was asked for
