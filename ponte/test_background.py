"""The background loop's promises: woken early, never killed by one bad pass, stopped cleanly."""

import threading

import pytest

from ponte.background import BackgroundLoop


class Counting:
    """A worker that counts its passes and can be told to fail the next one."""

    def __init__(self) -> None:
        self.passes = 0
        self.fail_next = False
        self.closed = False
        self.passed = threading.Event()

    def run_pass(self) -> None:
        self.passes += 1
        self.passed.set()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the database went away")

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def running():
    worker = Counting()
    loop = BackgroundLoop("ponte-test", lambda: worker, period=lambda: 60.0).start()
    assert worker.passed.wait(5), "the first pass runs at once"
    yield loop, worker
    loop.stop()


def next_pass(worker: Counting) -> bool:
    worker.passed.clear()
    return worker.passed.wait(5)


def test_a_wake_starts_the_next_pass_long_before_the_period_ends(running):
    loop, worker = running
    worker.passed.clear()
    loop.wake()
    assert worker.passed.wait(5)
    assert worker.passes == 2


def test_a_pass_that_raises_is_logged_and_the_loop_goes_on(running, caplog):
    loop, worker = running
    worker.fail_next = True
    loop.wake()
    assert next_pass(worker)
    assert next_pass(worker), "tried again a moment later, without a wake"
    assert "ponte-test: pass failed" in caplog.text


def test_stop_ends_the_thread_and_closes_the_worker(running):
    loop, worker = running
    loop.stop()
    assert worker.closed
    assert not [t for t in threading.enumerate() if t.name == "ponte-test"]
