"""The one loop every periodic job runs in: each job steps, a failing step is logged and the
job goes on, and a stop (or disposing the app) ends every job at once, whatever its
interval. Every wait here is on an event or a join with a generous deadline that only
bounds a hang; nothing is timed."""

from __future__ import annotations

import logging
import threading

from app import dispose
from app.run.schedule import Job, Schedule
from tests.thread_guard import mayfly_threads, outliving

GENEROUS = 30.0  # seconds; only bounds a hang
LONG = 3600.0  # an interval no test could wait out: ending such a job proves it never slept


def stop_and_join(schedule: Schedule) -> None:
    schedule.stop.set()
    for thread in schedule.threads.values():
        thread.join(GENEROUS)
    assert [t.name for t in schedule.threads.values() if t.is_alive()] == []


def test_each_job_runs_its_step_in_a_named_background_thread(app):
    stepped = {name: threading.Event() for name in ("first", "second")}
    schedule = Schedule(app)
    schedule.start([Job(name, 0.01, stepped[name].set) for name in stepped])
    assert all(event.wait(GENEROUS) for event in stepped.values())
    assert sorted(t.name for t in schedule.threads.values()) == ["mayfly-first", "mayfly-second"]
    stop_and_join(schedule)


def test_a_failing_step_is_logged_and_the_job_goes_on(app, caplog):
    calls: list[int] = []
    went_on = threading.Event()

    def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store is away")
        went_on.set()

    schedule = Schedule(app)
    with caplog.at_level(logging.ERROR, logger="mayfly.schedule"):
        schedule.start([Job("flaky", 0.01, step)])
        assert went_on.wait(GENEROUS)
        stop_and_join(schedule)
    (failure,) = [r for r in caplog.records if r.name == "mayfly.schedule"]
    assert failure.getMessage().startswith("flaky failed; will try again")
    assert failure.exc_info is not None and "the store is away" in str(failure.exc_info[1])


def test_a_failing_finish_is_logged(app, caplog):
    def finish() -> None:
        raise RuntimeError("could not flush")

    schedule = Schedule(app)
    with caplog.at_level(logging.ERROR, logger="mayfly.schedule"):
        schedule.start([Job("closing", LONG, lambda: None, finish=finish)])
        stop_and_join(schedule)
    assert [r.getMessage() for r in caplog.records if r.name == "mayfly.schedule"] == [
        "closing failed to finish"]


def test_a_stop_ends_every_job_at_once_then_each_finishes(app):
    before = mayfly_threads()
    finished = {name: threading.Event() for name in ("hourly", "daily")}
    stepped = threading.Event()
    schedule = Schedule(app)
    schedule.start([Job(name, LONG, stepped.set, finish=finished[name].set)
                    for name in finished])
    stop_and_join(schedule)  # a loop that slept its interval would still be asleep
    assert all(event.is_set() for event in finished.values())
    assert not stepped.is_set()  # the first step comes one interval after the start
    assert outliving(before) == []  # what tests/thread_guard.py checks after every test


def test_disposing_the_app_ends_its_jobs(make_app):
    other = make_app()
    finished = threading.Event()
    schedule = Schedule(other)
    schedule.start([Job("until-disposed", LONG, lambda: None, finish=finished.set)])
    assert dispose(other) == []  # nothing left running after its deadline
    assert schedule.stop.is_set() and finished.is_set()
    assert not schedule.threads["until-disposed"].is_alive()


def test_a_stop_during_a_step_is_no_failure(app, caplog):
    """A step cut short by the stop (its work dropped on purpose) is not logged as failed."""
    inside, stop = threading.Event(), threading.Event()

    def step() -> None:
        inside.set()
        stop.wait(GENEROUS)
        raise RuntimeError("cut short")

    schedule = Schedule(app, stop)
    with caplog.at_level(logging.ERROR, logger="mayfly.schedule"):
        schedule.start([Job("cut", 0.01, step)])
        assert inside.wait(GENEROUS)
        stop_and_join(schedule)
    assert [r for r in caplog.records if r.name == "mayfly.schedule"] == []
