"""Who gets the next query process: a bounded, fair wait in front of a worker's query pool.

A worker has a few query processes (``NKHR_QUERY_PROCESSES``) and more threads than that. Left
to a first-come queue, 8 clients looping on a slow query kept every process busy and made
everyone else's cheap queries time out, and the threads they held waiting made even the home
page wait. So every user query passes this gate first:

- a client (its address) may have ``per_client`` queries running or waiting at once; more is
  refused at once (``ClientBusy``, a 429);
- at most ``max_waiting`` queries wait, each for at most ``wait`` seconds; a query that cannot
  be given a process in that time is refused (``Saturated``, a 503 with Retry-After), so the
  threads that pages and cached answers need are never all held by waiting queries;
- when a process frees up, it goes to the waiting client that has used the least query time
  lately (the seconds its queries ran, halved every ``half_life`` seconds), not to whoever came
  first. A full queue lets a newcomer in by turning away the heaviest waiter, if the newcomer
  has used less. A client running many slow queries waits behind everyone else; a cheap query
  from anyone else waits at most for the next process to free up;
- a query ``ahead`` (the catalog's questions, ``/queries/NAME``: what people browse) goes before
  every other waiting query, and may turn one away from a full line; among themselves the same
  rules apply. It counts against its client's share and usage like any other, and is stopped
  at the time limit like any other, so asking for a slow question again and again buys nothing.

A query that was stopped at the time limit is remembered for ``stopped_for`` seconds (the data
only changes with a build, so it would be stopped again): the same query (same text and
dataset) is refused at once (``RecentlyStopped``, a 503 saying so) instead of taking a process
for the whole limit again. Someone pressing "run" again and again on a query that is too slow,
or a script looping on one, costs nothing.

The gate counts per worker process; the pool's own wait stays as a backstop. What it cannot do:
many addresses each sending different slow queries compete as equals with a newcomer until
each has run once (and so has a usage that sends it to the back).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class Refused(Exception):
    """A query was not given a process; ``retry_after`` is the advice for the client, in seconds."""

    status = 503

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Saturated(Refused):
    """Every query process stayed busy, or the waiting line was full of lighter clients."""

    status = 503


class ClientBusy(Refused):
    """This client already has as many queries under way as a client may."""

    status = 429


class RecentlyStopped(Refused):
    """The same query was stopped at the time limit moments ago, and would be again."""

    status = 503


@dataclass
class _Ticket:
    client: str
    order: int
    query_key: object = None
    granted: bool = False
    turned_away: bool = False
    stopped: bool = False          # the same query was stopped at the limit while this one waited
    ahead: bool = False            # goes before the waiting queries that are not (a catalog question)


class FairGate:
    """``with gate.slot(client): run the query`` -- see the module's docstring."""

    # Charged for each query given a process, so that many tiny queries add up too. Refused
    # queries are not charged: a refusal costs the server next to nothing.
    MINIMUM_CHARGE = 0.01

    def __init__(self, slots: int, wait: float, max_waiting: int = 6, per_client: int = 2,
                 half_life: float = 30.0, clients_kept: int = 10_000, stopped_for: float = 60.0,
                 stopped_kept: int = 1024):
        self.slots = max(1, slots)
        self.wait = wait
        self.max_waiting = max(0, max_waiting)
        self.per_client = max(1, per_client)
        self.half_life = half_life
        self.clients_kept = clients_kept
        self._condition = threading.Condition()
        self._running = 0
        self._waiting: list[_Ticket] = []
        self._under_way: dict[str, int] = {}
        self._usage: OrderedDict[str, tuple[float, float]] = OrderedDict()   # client -> (seconds, as of)
        self._order = itertools.count()
        self.stopped_for = stopped_for
        self.stopped_kept = stopped_kept
        self._stopped: OrderedDict[object, float] = OrderedDict()     # query key -> when it was stopped

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait))

    def usage(self, client: str, now: float | None = None) -> float:
        """The client's recent query time, in seconds, decayed to ``now``."""
        seconds, stamp = self._usage.get(client, (0.0, 0.0))
        if not seconds:
            return 0.0
        now = time.monotonic() if now is None else now
        return float(seconds * 0.5 ** ((now - stamp) / self.half_life))

    def _charge(self, client: str, seconds: float) -> None:
        now = time.monotonic()
        self._usage[client] = (self.usage(client, now) + seconds, now)
        self._usage.move_to_end(client)
        while len(self._usage) > self.clients_kept:
            self._usage.popitem(last=False)

    def remember_stopped(self, query_key: object) -> None:
        """The query of ``query_key`` (any hashable: text and dataset) was stopped at the time limit.

        Copies of it already waiting for a process are turned away too: a script that sent the
        same slow query many times at once would otherwise keep the processes busy for minutes.
        """
        with self._condition:
            self._stopped[query_key] = time.monotonic()
            self._stopped.move_to_end(query_key)
            while len(self._stopped) > self.stopped_kept:
                self._stopped.popitem(last=False)
            for ticket in [t for t in self._waiting if t.query_key == query_key]:
                self._waiting.remove(ticket)
                ticket.stopped = True
            self._condition.notify_all()

    def check_not_stopped(self, query_key: object) -> None:
        """Raise ``RecentlyStopped`` if this query was stopped at the time limit within ``stopped_for`` seconds."""
        with self._condition:
            self._refuse_if_stopped(query_key)

    def _refuse_if_stopped(self, query_key: object) -> None:
        when = self._stopped.get(query_key) if query_key is not None else None
        if when is None:
            return
        age = time.monotonic() - when
        if age >= self.stopped_for:
            del self._stopped[query_key]
            return
        raise RecentlyStopped(f"this same query was stopped at the time limit {age:.0f} seconds ago, and the data "
                              "has not changed since, so it would be stopped again; narrow it (add patterns or a "
                              "LIMIT) or run it on a dump of the dataset", max(1, math.ceil(self.stopped_for - age)))

    def _rank(self, ticket: _Ticket, now: float) -> tuple[bool, float, int]:
        """Who goes first: queries ahead, then the client that used least lately, then the first come."""
        return not ticket.ahead, self.usage(ticket.client, now), ticket.order

    @contextmanager
    def slot(self, client: str, query_key: object = None, ahead: bool = False) -> Iterator[None]:
        """Hold one of the query processes for the body of the ``with``; raise ``Refused`` if not given one.

        With ``query_key``, a query stopped at the time limit moments ago is refused at once,
        and so is this one if the same query is stopped while it waits. ``ahead``: see the module.
        """
        self._enter(client, query_key, ahead)
        started = time.monotonic()
        try:
            yield
        finally:
            with self._condition:
                self._running -= 1
                self._release(client)
                self._charge(client, self.MINIMUM_CHARGE + time.monotonic() - started)
                self._grant()

    def _release(self, client: str) -> None:
        left = self._under_way.get(client, 1) - 1
        if left > 0:
            self._under_way[client] = left
        else:
            self._under_way.pop(client, None)

    def _enter(self, client: str, query_key: object = None, ahead: bool = False) -> None:
        with self._condition:
            self._refuse_if_stopped(query_key)
            if self._under_way.get(client, 0) >= self.per_client:
                raise ClientBusy(f"this address already has {self.per_client} queries under way on this server "
                                 "process; wait for them to finish", self.retry_after)
            if self._running < self.slots and not self._waiting:
                self._running += 1
                self._under_way[client] = self._under_way.get(client, 0) + 1
                return
            ticket = _Ticket(client, next(self._order), query_key, ahead=ahead)
            if len(self._waiting) >= self.max_waiting:
                self._turn_away_heavier_than(ticket)
            self._waiting.append(ticket)
            self._under_way[client] = self._under_way.get(client, 0) + 1
            deadline = time.monotonic() + self.wait
            while not (ticket.granted or ticket.turned_away or ticket.stopped):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._condition.wait(left)
            if ticket.granted:
                return
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._release(client)
            if ticket.stopped:
                self._refuse_if_stopped(query_key)
            raise Saturated(f"every query process stayed busy for {self.wait:g} seconds", self.retry_after)

    def _turn_away_heavier_than(self, newcomer: _Ticket) -> None:
        now = time.monotonic()
        heaviest = max(self._waiting, key=lambda t: self._rank(t, now)) if self._waiting else None
        if heaviest is None or self._rank(heaviest, now)[:2] <= self._rank(newcomer, now)[:2]:
            raise Saturated("every query process is busy and the queries waiting for one are full",
                            self.retry_after)
        self._waiting.remove(heaviest)
        heaviest.turned_away = True
        self._condition.notify_all()

    def _grant(self) -> None:
        now = time.monotonic()
        while self._running < self.slots and self._waiting:
            lightest = min(self._waiting, key=lambda t: self._rank(t, now))
            self._waiting.remove(lightest)
            lightest.granted = True
            self._running += 1
        self._condition.notify_all()

    def state(self) -> dict[str, int]:
        """Counts for the tests and for logs: running, waiting, clients under way."""
        with self._condition:
            return {"running": self._running, "waiting": len(self._waiting), "clients": len(self._under_way)}
