"""The sweep's bookkeeping: the plan's bounds and order, runs kept as they end, the summary per cell and T, and
the crossover said in words (every case of the sentence, from made-up results)."""

from __future__ import annotations

import pytest

from rnnviz.memory.crossover import breaks, crossover_sentence
from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.sweep import MAX_JOBS, Sweep, SweepPlan, SweepResult, parse_lengths, result_of, summary
from rnnviz.memory.trainer import MemoryTrainer

TINY = MemorySettings(hidden_size=4, batch_size=8, eval_every=5)


def result(cell: str, length: int, answered: float, seed: int = 0, solved_at: int | None = None) -> SweepResult:
    return SweepResult(cell, length, seed, 100, answered, 0.01, solved_at, 1.0, False)


def solved(cell: str, length: int, seed: int = 0) -> SweepResult:
    return result(cell, length, 0.97, seed, solved_at=400)


def test_lengths_are_parsed_sorted_and_junk_says_what_is_wrong():
    assert parse_lengths("20, 5 10,5") == (5, 10, 20)
    for text, words in [
        ("", "give at least one sequence length"),
        ("5, ten", "'ten' is not a whole number of steps >= 2"),
        ("1", "'1' is not a whole number"),
        ("-3", "'-3' is not a whole number"),
        ("2.5", "'2.5' is not a whole number"),
        (" ".join(["5"] * 13), "give at most 12 lengths, got 13"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_lengths(text)


def test_a_plan_is_bounded_and_ordered_shortest_t_first():
    plan = SweepPlan(TINY, ("LSTM", "RNN"), (10, 5), seeds=2, steps=20)
    assert plan.lengths == (5, 10)
    assert plan.jobs() == [
        ("LSTM", 5, 0), ("RNN", 5, 0), ("LSTM", 5, 1), ("RNN", 5, 1),
        ("LSTM", 10, 0), ("RNN", 10, 0), ("LSTM", 10, 1), ("RNN", 10, 1),
    ]  # fmt: skip
    job = plan.job_settings("RNN", 10, 1)
    assert (job.cell, job.length, job.seed, job.steps, job.when_solved, job.hidden_size) == (
        "RNN",
        10,
        1,
        20,
        "stop",
        4,
    )
    for kwargs, words in [
        (dict(cells=()), "cells must be some of RNN, LSTM, GRU"),
        (dict(cells=("CNN",)), "cells must be some of"),
        (dict(seeds=0), "seeds must be a whole number from 1 to 10"),
        (dict(seeds=11), "seeds must be a whole number from 1 to 10"),
        (dict(lengths=()), "give at least one sequence length"),
        (dict(lengths=(5, 1)), "length must be a whole number from 2"),
        (dict(lengths=(5, 90_000)), "length is too long for this machine"),
        (dict(seeds=10, lengths=(2, 3, 4, 5)), f"at most {MAX_JOBS} runs"),
        (dict(steps=5000, lengths=tuple(range(2, 16))), "200,000 steps"),
    ]:
        with pytest.raises(ValueError, match=words):
            SweepPlan(TINY, **{"cells": ("RNN", "LSTM", "GRU"), "lengths": (5,), **kwargs})


def test_a_sweep_trains_job_after_job_in_chunks_and_keeps_every_result():
    plan = SweepPlan(TINY, ("RNN", "GRU"), (3, 6), seeds=1, steps=12)
    sweep = Sweep(plan)
    sweep.step_for(1.0)
    assert sweep.results == [] and sweep.current_steps == 0  # a new sweep waits for resume
    sweep.resume()
    assert sweep.seconds_left() is None
    while not sweep.finished:
        sweep.step_for(0.0)  # at least one step per call
    assert [(r.cell, r.length) for r in sweep.results] == [("RNN", 3), ("GRU", 3), ("RNN", 6), ("GRU", 6)]
    assert all(r.steps_done == 12 or r.solved for r in sweep.results) and not sweep.running
    assert sweep.current is None and sweep.seconds_left() == 0
    rows = sweep.csv().splitlines()
    assert rows[0] == "cell,T,seed,steps,answered,mse,solved_at,seconds,diverged" and len(rows) == 5
    again = MemoryTrainer(plan.job_settings("GRU", 6, 0))  # each job is a fresh, deterministic run
    again.step(12)
    assert result_of(again)[:7] == sweep.results[-1][:7]


def test_pause_stops_a_sweep_between_steps():
    sweep = Sweep(SweepPlan(TINY, ("LSTM",), (4,), steps=50))
    sweep.resume()
    sweep.step_for(0.0)
    sweep.pause()
    steps = sweep.current_steps
    sweep.step_for(1.0)
    assert sweep.current_steps == steps > 0 and not sweep.running and not sweep.finished


def test_the_summary_groups_runs_by_cell_and_t():
    rows = summary(
        [
            solved("RNN", 5),
            result("RNN", 5, 0.5, seed=1),
            solved("LSTM", 5),
            solved("LSTM", 5, seed=1),
            result("RNN", 10, 0.1),
            solved("LSTM", 10),
        ]  # fmt: skip
    )
    assert [(r.cell, r.length, r.runs, r.solved) for r in rows] == [
        ("RNN", 5, 2, 1), ("RNN", 10, 1, 0), ("LSTM", 5, 2, 2), ("LSTM", 10, 1, 1)
    ]  # fmt: skip
    assert rows[0].answered == pytest.approx((0.97 + 0.5) / 2) and rows[0].steps_to_solve == 400
    assert rows[0].solved_here and not rows[1].solved_here and rows[1].steps_to_solve is None  # half solved counts


def test_the_crossover_sentence_names_where_the_rnn_breaks_and_the_gated_cells_there():
    results = [solved("RNN", 3), solved("RNN", 5), result("RNN", 10, 0.55), result("RNN", 20, 0.08)]
    results += [solved(cell, t) for cell in ("LSTM", "GRU") for t in (3, 5, 10, 20)]
    sentence = crossover_sentence(summary(results))
    assert sentence.startswith("The vanilla RNN solves T up to 5 and fails from T = 10 on (55% answered)")
    assert "the LSTM solves every T tried, up to 20; the GRU solves every T tried, up to 20." in sentence
    assert "The crossover: the vanilla RNN stops solving the task between T = 5 and T = 10." in sentence
    assert "At T = 10, the LSTM 97% and the GRU 97% of the held-out sequences are answered." in sentence
    assert sentence.endswith("(Always answering 1 answers 7.8%.)")
    assert crossover_sentence(summary(results), complete=False).startswith("So far: The vanilla RNN")
    assert crossover_sentence([]) == ""


def test_the_other_shapes_of_a_break():
    found = breaks(summary([result("RNN", 5, 0.4), solved("RNN", 10), result("RNN", 20, 0.1), solved("GRU", 5)]))
    rnn = found["RNN"]
    assert (rnn.solved_up_to, rnn.fails_from, rnn.solved_again) == (None, 5, (10,))
    assert rnn.describe() == (
        "the vanilla RNN fails already at the shortest T tried, 5 (40% answered), though it solves T = 10 again "
        "(short budgets are noisy: more seeds or steps help)"
    )
    sentence = crossover_sentence(summary([result("RNN", 5, 0.4), solved("GRU", 5)]))
    assert "stops solving the task at or below T = 5" in sentence and "At T = 5, the GRU 97%" in sentence
    only_lstm = crossover_sentence(summary([solved("LSTM", 5), result("LSTM", 50, 0.3)]))
    assert only_lstm.startswith("The LSTM solves T up to 5 and fails from T = 50 on (30% answered).")
    assert "crossover" not in only_lstm
