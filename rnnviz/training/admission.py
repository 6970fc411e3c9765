"""How many training runs train at once in one server process, and a fair queue for the others.

A server process has a few cores; every running session trains in bursts of ``FAST_TICK_SECONDS``. With more
runs training than cores, every run (and every other session's page) slows down together. The gate lets
``slots`` runs train at once; the others wait in a first-come queue and see how many runs are ahead of them.

It is a *lease*, not a lock: a run asks again on every tick (``poll``), and a run that stops asking (its tab
closed, its session gone) loses its slot or its place in the queue after ``lease_seconds``. A run that has
trained for ``turn_seconds`` while others wait goes to the back of the queue, so one long run cannot keep a
slot for ever. The turn counts the seconds the run spent training (``charge`` after each tick), not the wall
time since it got its slot: on a busy server a page's ticks come further apart, and a run that would finish
in a few seconds of training must not be sent to the back of the queue for the time spent between its ticks.

Settings, read once per process from the environment (``Dockerfile``, ``deploy/``):
``RNNVIZ_TRAINING_SLOTS`` (default: the cores this process may use) and ``RNNVIZ_TRAINING_TURN_SECONDS``.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import NamedTuple

from rnnviz.core.environment import number_from_environment

SLOTS_VARIABLE = "RNNVIZ_TRAINING_SLOTS"
TURN_VARIABLE = "RNNVIZ_TRAINING_TURN_SECONDS"
#: A run that has not polled for this long has gone (its tab closed): its slot is given away. A page asks for a
#: tick every 0.25-2 s, but on a full server its ticks come much later (measured: 15 s apart with 8 sessions
#: training on a loaded 2-core machine, and the run lost its slot to the back of the queue), so the lease is long.
LEASE_SECONDS = 60.0
#: A run trains at least this many seconds (its ticks' training time) before it yields its slot to a waiting one.
TURN_SECONDS = 30.0


class GateState(NamedTuple):
    training: int  # runs holding a slot
    waiting: int  # runs in the queue
    slots: int


class TrainingGate:
    """At most ``slots`` runs train at once; the others queue, first come first served (thread-safe).

    ``poll(run)`` on every tick: 0 means "train now", n > 0 means "n runs are ahead of you in the queue";
    ``charge(run, seconds)`` after a tick that trained. ``leave(run)`` when the run pauses, finishes or is
    dropped. A run is any hashable object.
    """

    def __init__(self, slots: int, *, lease_seconds: float = LEASE_SECONDS, turn_seconds: float = TURN_SECONDS) -> None:
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise ValueError(f"slots must be a whole number >= 1, got {slots!r}")
        for name, value in (("lease_seconds", lease_seconds), ("turn_seconds", turn_seconds)):
            if not value > 0:
                raise ValueError(f"{name} must be > 0, got {value!r}")
        self.slots = slots
        self.lease_seconds = lease_seconds
        self.turn_seconds = turn_seconds
        self._lock = threading.Lock()
        self._training: dict[Hashable, tuple[float, float]] = {}  # run -> (seconds trained in this turn, last poll)
        self._waiting: OrderedDict[Hashable, float] = OrderedDict()  # run -> last poll, in queue order

    def poll(self, run: Hashable, now: float | None = None) -> int:
        """0 when ``run`` may train now; else how many runs are ahead of it in the queue (it joins the queue)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_gone(now, asking=run)
            if run in self._training:
                trained, _ = self._training[run]
                if self._waiting and trained >= self.turn_seconds:  # its turn is over: back of the queue
                    del self._training[run]
                    self._waiting[run] = now
                else:
                    self._training[run] = (trained, now)
                    return 0
            else:
                self._waiting[run] = now
            self._admit()
            if run in self._training:
                return 0
            return list(self._waiting).index(run) + 1

    def charge(self, run: Hashable, seconds: float) -> None:
        """Count ``seconds`` of training against ``run``'s turn (nothing for a run that holds no slot)."""
        with self._lock:
            if run in self._training:
                trained, seen = self._training[run]
                self._training[run] = (trained + max(seconds, 0.0), seen)

    def leave(self, run: Hashable) -> None:
        """``run`` no longer trains nor waits (safe to call for a run that never polled)."""
        with self._lock:
            self._training.pop(run, None)
            self._waiting.pop(run, None)
            self._admit()

    def state(self) -> GateState:
        with self._lock:
            return GateState(len(self._training), len(self._waiting), self.slots)

    def _forget_gone(self, now: float, asking: Hashable) -> None:
        """Drop the runs whose lease ran out, except ``asking``: a run asking now has not gone."""
        gone = [run for run, (_, seen) in self._training.items() if now - seen > self.lease_seconds]
        gone += [run for run, seen in self._waiting.items() if now - seen > self.lease_seconds]
        gone = [run for run in gone if run != asking]
        for run in gone:
            self._training.pop(run, None)
            self._waiting.pop(run, None)

    def _admit(self) -> None:
        """Give free slots to the head of the queue (a run admitted here learns it at its next poll)."""
        while self._waiting and len(self._training) < self.slots:
            run, seen = self._waiting.popitem(last=False)
            self._training[run] = (0.0, seen)


def process_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def gate_from_environment(environ: Mapping[str, str] = os.environ) -> TrainingGate:
    """A gate set by ``RNNVIZ_TRAINING_SLOTS`` (default: the cores) and ``RNNVIZ_TRAINING_TURN_SECONDS``."""
    slots = number_from_environment(SLOTS_VARIABLE, process_cores(), whole=True, environ=environ)
    turn = number_from_environment(TURN_VARIABLE, TURN_SECONDS, environ=environ)
    return TrainingGate(int(slots), turn_seconds=turn)


_process_gate: TrainingGate | None = None
_process_gate_lock = threading.Lock()


def process_gate() -> TrainingGate:
    """The gate every run of this process shares, made from the environment on first use."""
    global _process_gate
    with _process_gate_lock:
        if _process_gate is None:
            _process_gate = gate_from_environment()
        return _process_gate
