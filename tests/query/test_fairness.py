"""The fair, bounded wait for a query process (query/fairness.py), in-process with threads.

Each test is over in well under a second: waits are tenths of seconds, and every thread is
joined with a timeout.
"""

from __future__ import annotations

import threading
import time

import pytest

from nkhr.query.fairness import ClientBusy, FairGate, RecentlyStopped, Saturated


def hold(gate: FairGate, client: str, until: float | threading.Event, outcomes: list,
         ahead: bool = False) -> threading.Thread:
    """Take a slot for ``client`` in a thread and keep it for ``until`` seconds, or until the
    event is set: a test that must see others queue behind a running query holds it by an event,
    so a loaded machine slow to start the other threads cannot let it finish first."""
    def run() -> None:
        started = time.monotonic()
        try:
            with gate.slot(client, ahead=ahead):
                outcomes.append((client, "ran", time.monotonic() - started))
                if isinstance(until, threading.Event):
                    until.wait(timeout=10)
                else:
                    time.sleep(until)
        except (Saturated, ClientBusy) as exc:
            outcomes.append((client, type(exc).__name__, time.monotonic() - started))
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until(condition, limit: float = 2.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def newcomer_to_a_full_line(gate: FairGate, waiting: tuple[str, ...], newcomer: str,
                            ahead: bool = False) -> tuple[list[str], list[str]]:
    """One query running (held until the line is settled), ``waiting`` filling the line behind
    it, then ``newcomer``: the order the clients ran in, and who was turned away."""
    outcomes: list = []
    release = threading.Event()
    threads = [hold(gate, "running", release, outcomes)]
    wait_until(lambda: gate.state()["running"] == 1)
    threads += [hold(gate, client, 0.0, outcomes) for client in waiting]
    wait_until(lambda: gate.state()["waiting"] == len(waiting), limit=10.0)
    threads.append(hold(gate, newcomer, 0.0, outcomes, ahead=ahead))
    wait_until(lambda: any(outcome == "Saturated" for _, outcome, _ in outcomes), limit=10.0)
    release.set()
    for thread in threads:
        thread.join(timeout=4)
    return ([client for client, outcome, _ in outcomes if outcome == "ran"],
            [client for client, outcome, _ in outcomes if outcome == "Saturated"])


def test_a_free_slot_is_taken_at_once_and_given_back():
    gate = FairGate(slots=2, wait=1.0)
    with gate.slot("a"):
        assert gate.state()["running"] == 1
    assert gate.state() == {"running": 0, "waiting": 0, "clients": 0}


def test_beyond_its_share_a_client_is_refused_at_once():
    gate = FairGate(slots=4, wait=1.0, per_client=2)
    with gate.slot("a"), gate.slot("a"):
        started = time.monotonic()
        with pytest.raises(ClientBusy, match="2 queries under way") as refused:
            with gate.slot("a"):
                pass
        assert time.monotonic() - started < 0.05 and refused.value.status == 429
        with gate.slot("b"):               # another client is not affected
            pass


def test_the_wait_is_bounded_and_a_full_line_is_refused_at_once():
    gate = FairGate(slots=1, wait=0.3, max_waiting=1, per_client=5)
    outcomes: list = []
    release = threading.Event()
    threads = [hold(gate, "heavy", release, outcomes)]
    wait_until(lambda: gate.state()["running"] == 1)
    threads.append(hold(gate, "second", 0.0, outcomes))
    wait_until(lambda: gate.state()["waiting"] == 1)
    started = time.monotonic()
    with pytest.raises(Saturated, match="full"):
        with gate.slot("third"):
            pass
    assert time.monotonic() - started < 0.05
    threads[1].join(timeout=3)
    release.set()
    threads[0].join(timeout=3)
    second = next(o for o in outcomes if o[0] == "second")
    assert second[1] == "Saturated" and 0.25 < second[2] < 1.0, outcomes


def test_a_freed_slot_goes_to_the_client_that_used_least_and_a_light_newcomer_displaces_a_heavy_waiter():
    gate = FairGate(slots=1, wait=2.0, max_waiting=2, per_client=5)
    for heavy in ("h1", "h2"):
        gate._charge(heavy, 10.0)          # both ran slow queries just now
    order, turned_away = newcomer_to_a_full_line(gate, ("h1", "h2"), "light")   # h2 or h1 makes room
    assert order[:2] == ["running", "light"], (order, turned_away)
    assert len(turned_away) == 1 and turned_away[0] in ("h1", "h2"), (order, turned_away)


def test_a_catalog_question_goes_before_the_waiting_queries_and_displaces_one_from_a_full_line():
    """Even from the heaviest client, a query ``ahead`` is given the next process; among the
    others the lightest goes first, and a full line turns the heaviest of them away."""
    gate = FairGate(slots=1, wait=2.0, max_waiting=2, per_client=5)
    gate._charge("catalog reader", 10.0)
    order, turned_away = newcomer_to_a_full_line(gate, ("u1", "u2"), "catalog reader", ahead=True)
    assert order[:2] == ["running", "catalog reader"], (order, turned_away)
    assert turned_away == ["u2"] and order[2:] == ["u1"], (order, turned_away)      # equal usage: the later comes last


def test_a_catalog_question_counts_against_its_client_like_any_query():
    gate = FairGate(slots=4, wait=1.0, per_client=2)
    with gate.slot("a", ahead=True), gate.slot("a", ahead=True):
        with pytest.raises(ClientBusy):
            with gate.slot("a", ahead=True):
                pass
    assert gate.usage("a") >= 2 * FairGate.MINIMUM_CHARGE


def test_usage_fades_with_time():
    gate = FairGate(slots=1, wait=1.0, half_life=0.2)
    gate._charge("a", 8.0)
    time.sleep(0.4)
    assert 1.5 < gate.usage("a") < 2.5


def test_a_query_stopped_at_the_limit_is_refused_until_it_is_forgotten():
    gate = FairGate(slots=1, wait=1.0, stopped_for=0.3)
    key = ("SELECT * { ?a ?b ?c . ?d ?e ?f }", (), ())
    gate.check_not_stopped(key)
    gate.remember_stopped(key)
    with pytest.raises(RecentlyStopped, match="stopped at the time limit") as refused:
        gate.check_not_stopped(key)
    assert refused.value.retry_after >= 1
    gate.check_not_stopped(("another query", (), ()))
    time.sleep(0.35)
    gate.check_not_stopped(key)


def test_copies_of_a_query_waiting_when_it_is_stopped_are_turned_away_with_it():
    """The first copy holds its slot until the copies have been answered, so none can run; each
    copy's answer is timed from the stop, not from its start, so a loaded machine (slow to start
    threads) cannot make the test flaky, while an answer only at the end of the 2 s wait fails it."""
    gate = FairGate(slots=1, wait=2.0, max_waiting=4, per_client=5)
    key = ("SELECT * { ?a ?b ?c . ?d ?e ?f }", (), ())
    outcomes: list = []
    release = threading.Event()

    def copy(client: str) -> None:
        try:
            with gate.slot(client, key):
                if client == "first":
                    release.wait(timeout=5)
            outcomes.append((client, "ran", time.monotonic()))
        except RecentlyStopped:
            outcomes.append((client, "RecentlyStopped", time.monotonic()))

    first = threading.Thread(target=copy, args=("first",))
    first.start()
    wait_until(lambda: gate.state()["running"] == 1)
    waiting = [threading.Thread(target=copy, args=(f"copy {i}",)) for i in range(3)]
    for thread in waiting:
        thread.start()
    wait_until(lambda: gate.state()["waiting"] == 3, limit=10.0)
    stopped_at = time.monotonic()
    gate.remember_stopped(key)                 # what the endpoint does when the first one times out
    for thread in waiting:
        thread.join(timeout=3)
    release.set()
    first.join(timeout=3)
    copies = [o for o in outcomes if o[0].startswith("copy")]
    assert [o[1] for o in copies] == ["RecentlyStopped"] * 3, outcomes
    assert all(o[2] - stopped_at < 1.0 for o in copies), outcomes
