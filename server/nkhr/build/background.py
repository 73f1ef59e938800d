"""One call of the build run in a forked process while the build goes on: SHACL validation;
the query stage with the search index and the tables; the sorted lines made beside reasoning
(build/pipeline.py).

Nothing reads their results until it needs them (the checks' just before the build is
published), so they can run beside the rest of it. They cannot run in a thread: the SHACL
engine, Oxigraph's queries and the reasoner hold the interpreter while they work. So the call
runs in a forked child and sends its result back through a pipe, pickled.

Validation's child is forked when the build starts, before the data is even parsed: it spends
the parent's parsing and reasoning importing the SHACL engine and preparing the shapes, on a
core that would otherwise wait, and is then handed the data it checks as bytes (``send``: the
dumps' own N-Triples, which it loads into a store of its own), written into its pipe by a thread
so that the build goes on meanwhile. A call forked later inherits what it reads and ignores
its inbox.

Forking a process that runs other threads can leave the child waiting on a lock one of them
held, so a process with other threads (a test runner with servers, say) makes the call when its
result is first asked for, with what was sent, as does a system without ``fork``: the same
result, one stage later.
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

from ..lifetime import signal_on_parent_death

T = TypeVar("T")

Inbox = Iterator[bytes]
"""What the call is sent, part by part, in order; it ends when the sender has sent everything
(``Background.send``) or has given up (``Background.cancel``)."""


# The children of this process still at work: killed when it exits (``_kill_children``). They are
# not multiprocessing's daemonic processes, which may not have children of their own, and the
# query stage's child forks one (build/pipeline.py: the search index beside the queries).
_RUNNING: set[multiprocessing.process.BaseProcess] = set()


@atexit.register
def _kill_children() -> None:
    """What multiprocessing does for a daemonic child at exit: a call whose result nobody read (a
    failed build's, or a test's) would otherwise keep its process, and the exit, waiting."""
    for process in list(_RUNNING):
        process.kill()
        process.join()
    _RUNNING.clear()


# The parent's ends of the pipes of every forked call still open in this process: each child
# closes them all, its own and its siblings', so that an inbox ends when the parent closes it
# (a sibling forked later would otherwise hold its write end open, and the child wait for ever).
_PARENT_ENDS: set[Connection] = set()


def _close(end: Connection) -> None:
    _PARENT_ENDS.discard(end)
    end.close()


class BackgroundError(Exception):
    """The background process stopped without a result (killed, out of memory)."""


class Background(Generic[T]):
    """``call(inbox)`` started now, in a forked child where that is safe; ``send`` hands it its
    input, ``result()`` waits for its value."""

    def __init__(self, call: Callable[[Inbox], T]):
        self._value: T | None = None
        self._error: BaseException | None = None
        self._done = False
        self._sent: list[bytes] | None = None
        self._sender: threading.Thread | None = None
        self.seconds = 0.0
        self.forked = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        if not self.forked:
            self._call = call
            return
        context = multiprocessing.get_context("fork")
        inbox, self._inputs = context.Pipe(duplex=False)
        self._results, sender = context.Pipe(duplex=False)
        _PARENT_ENDS.update((self._inputs, self._results))
        self._process = context.Process(target=_child, name="nkhr-background",
                                        args=(call, inbox, sender, tuple(_PARENT_ENDS), os.getpid()))
        self._process.start()
        _RUNNING.add(self._process)
        inbox.close()
        sender.close()

    def send(self, parts: Iterable[bytes]) -> None:
        """Hand the call its input (once): a thread writes the parts into the child's pipe, so this
        returns at once, and the parts are let go of as the child reads them."""
        if not self.forked:
            self._sent = list(parts)
            return
        self._sender = threading.Thread(target=self._send, args=(iter(parts),), name="nkhr-background-input",
                                        daemon=True)
        self._sender.start()

    def _send(self, parts: Iterator[bytes]) -> None:
        try:
            for part in parts:
                self._inputs.send_bytes(part)
        except OSError:             # the child is gone: result() says why
            pass
        finally:
            _close(self._inputs)

    def cancel(self) -> None:
        """Nothing will be sent (the build failed before its data was made): the call's inbox ends,
        and a forked child that waits for it stops."""
        if self.forked and self._sender is None:
            _close(self._inputs)

    def stop(self) -> None:
        """Give up on the call (the build failed): a forked child still at work is killed and
        reaped, a call not forked is not made; ``result()`` raises BackgroundError."""
        if self._done:
            return
        self._done = True
        self._error = BackgroundError("the background call was stopped before it finished")
        if not self.forked:
            self._sent = None
            return
        self._process.kill()            # its pipes break: a sender thread stops at its next write
        self._process.join()
        _RUNNING.discard(self._process)
        _close(self._results)
        if self._sender is not None:
            self._sender.join()
        else:
            _close(self._inputs)

    def result(self) -> T:
        """The call's value, or its exception raised here."""
        if not self._done:
            self._done = True
            if self.forked:
                self._receive()
            else:
                started = time.perf_counter()
                try:
                    self._value = self._call(iter(self._sent or ()))
                except BaseException as exc:
                    self._error = exc
                self._sent = None
                self.seconds = time.perf_counter() - started
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]     # set when no error was

    def _receive(self) -> None:
        try:
            ok, payload, self.seconds = self._results.recv()
        except EOFError:
            self._process.join()
            _RUNNING.discard(self._process)
            self._error = BackgroundError(f"the background process stopped without a result "
                                          f"(exit code {self._process.exitcode}); was it out of memory?")
            return
        finally:
            _close(self._results)
        self._process.join()
        _RUNNING.discard(self._process)
        if self._sender is not None:
            self._sender.join()
        if ok:
            self._value = payload
        else:
            self._error = payload


def _child(call: Callable[[Inbox], object], inbox: Connection, sender: Connection,
           parents_ends: tuple[Connection, ...], parent: int) -> None:
    _die_with_parent(parent)
    # What the child inherited stays out of the collector's passes: a pass writes into every
    # container object it visits, which would copy each page of the parent's heap that holds one
    # (the build's sorted lines and graphs, gigabytes at a million triples) into the child.
    gc.freeze()
    for end in parents_ends:        # the inbox ends only when no process holds its other end open
        end.close()
    started = time.perf_counter()
    try:
        outcome: tuple[bool, object, float] = (True, call(_parts(inbox)), 0.0)
    except BaseException as exc:        # sent to the parent, which raises it
        outcome = (False, exc, 0.0)
    try:
        sender.send((outcome[0], outcome[1], time.perf_counter() - started))
    except Exception as exc:            # a result or an error that does not pickle
        sender.send((False, BackgroundError(f"the background result could not be sent back: {exc}"), 0.0))
    sender.close()


def _parts(inbox: Connection) -> Inbox:
    """The parts the parent sends, until it closes the pipe."""
    try:
        while True:
            yield inbox.recv_bytes()
    except EOFError:
        return
    finally:
        inbox.close()


def _die_with_parent(parent: int) -> None:
    """Be killed when the build is (a killed build would otherwise leave its child validating a
    million triples for minutes). The build forks from its main thread, whose end is the
    process's end, so the kernel's parent-death signal is enough; elsewhere than Linux the child
    ends when it finds the pipe closed."""
    if signal_on_parent_death(signal.SIGKILL) and os.getppid() != parent:
        os._exit(1)                         # the build died before the signal was asked for
