"""How much slower is ``rnnviz.trace`` than the module's own forward: before (the sequential engine,
``trace_sequential``) and after (the batched engine, ``rnnviz.trace``), in one run, with the memory of each.

Targets: batched trace / forward <= 2.5 for LSTM, GRU and RNN at hidden 256, seq 500, batch 8 and at hidden
1024, seq 200, batch 32; a trace at hidden 32, seq 50, batch 1 takes under 10 ms. A trace includes its own
call of the module's forward (the check behind ``max_abs_error``), so the ratio counts it.

Time: the forward and both engines run in turn, round after round, so they share whatever load the machine
has; torch uses one thread (``--threads``); medians. Memory: the forward and each engine run once more, each in
a fresh process: "peak" is the high-water mark of its resident memory during the call minus what the process
held before it (glibc is told to hand large blocks back at once, ``MALLOC_MMAP_THRESHOLD_``), "kept" the
bytes of the tensors the result holds afterwards.

Last, the batched engine's input-term matmul through MKL (``F.linear``, what rnnviz uses) and through oneDNN
(``torch._C._nn.mkldnn_linear``, converting the tensors each call as a library would), in the same run.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_trace.py [--repeats N] [--threads N] [--no-memory]
[--cells LSTM GRU RNN]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

import rnnviz
from rnnviz.core.trace import trace_sequential

LARGE = [(cell, 256, 500, 8) for cell in ("LSTM", "GRU", "RNN")] + [
    (cell, 1024, 200, 32) for cell in ("LSTM", "GRU", "RNN")
]
SMALL = [("LSTM", 32, 50, 1), ("GRU", 32, 50, 1)]
TARGET_RATIO, TARGET_SMALL_MS = 2.5, 10.0


def forward(module: nn.Module, x: torch.Tensor):
    with torch.no_grad():
        return module(x)


ENGINES = {"forward": forward, "sequential": trace_sequential, "batched": rnnviz.trace}


def setup(cell: str, hidden: int, seq: int, batch: int) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    return getattr(nn, cell)(hidden, hidden).eval(), torch.randn(seq, batch, hidden)


def interleaved_medians(functions: dict, repeats: int) -> dict[str, float]:
    """Seconds per call, median over ``repeats`` rounds in which every function runs once, in turn."""
    for fn in functions.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def held_bytes(result: object) -> int:
    """Bytes of the distinct tensor storages a forward result or a Trace holds."""
    tensors: list[torch.Tensor] = []

    def collect(value: object) -> None:
        if isinstance(value, torch.Tensor):
            tensors.append(value)
        elif isinstance(value, (tuple, list)):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            collect(list(value.values()))
        elif hasattr(value, "__dataclass_fields__"):
            collect([getattr(value, name) for name in value.__dataclass_fields__])

    collect(result)
    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors}
    return sum(storages.values())


def _status(field: str) -> int:
    """A /proc/self/status memory field in bytes."""
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+) kB", status.read()).group(1)) * 1024


def measure_memory_here(engine: str, case: tuple) -> dict:
    """Run ``engine`` once on ``case`` in this (fresh) process: peak resident growth and bytes kept."""
    module, x = setup(*case)
    forward(module, x)  # the kernels' one-time set-up is not the engine's
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset the high-water mark
    before = _status("VmRSS")
    result = ENGINES[engine](module, x)
    return {"peak": _status("VmHWM") - before, "kept": held_bytes(result)}


def memory(engine: str, case: tuple, threads: int) -> dict:
    """``measure_memory_here`` in a fresh process."""
    env = os.environ | {"MALLOC_MMAP_THRESHOLD_": "131072"}
    command = [sys.executable, __file__, "--threads", str(threads), "--measure", engine, *map(str, case)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def gemm_comparison(cell: str, hidden: int, seq: int, batch: int, repeats: int) -> str:
    """The input-term matmul (T*B, I) x (I, G*H) through MKL and through oneDNN, same rounds."""
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[cell]
    x = torch.randn(seq * batch, hidden)
    weight, bias = torch.randn(gates * hidden, hidden) / hidden**0.5, torch.randn(gates * hidden)

    def onednn():
        return torch._C._nn.mkldnn_linear(x.to_mkldnn(), weight.to_mkldnn(), bias.to_mkldnn()).to_dense()

    medians = interleaved_medians({"mkl": lambda: F.linear(x, weight, bias), "onednn": onednn}, repeats)
    difference = float((onednn() - F.linear(x, weight, bias)).abs().max())
    return (
        f"({seq * batch} x {hidden}) . ({hidden} x {gates * hidden}): F.linear (MKL) {medians['mkl'] * 1e3:.1f} ms, "
        f"mkldnn_linear (oneDNN) {medians['onednn'] * 1e3:.1f} ms, max |difference| {difference:.1e}"
    )


def case_medians(case: tuple, repeats: int) -> dict[str, float]:
    """Seconds per call of the forward and of each engine on ``case``, in turn, medians."""
    module, x = setup(*case)
    return interleaved_medians({name: (lambda fn=fn: fn(module, x)) for name, fn in ENGINES.items()}, repeats)


def table_row(case: tuple, medians: dict[str, float], memories: dict[str, dict]) -> str:
    def megabytes(engine: str, kind: str) -> str:
        return f"{memories[engine][kind] / 2**20:>5.0f}" if memories else f"{'-':>5}"

    def pad(text: str) -> str:  # the first column under "peak MB: fwd" / "kept MB: seq"
        return f"{text:>12}"

    fwd, seq, bat = medians["forward"], medians["sequential"], medians["batched"]
    peaks = pad(megabytes("forward", "peak")) + f" {megabytes('sequential', 'peak')} {megabytes('batched', 'peak')}"
    kept = pad(megabytes("sequential", "kept")) + f" {megabytes('batched', 'kept')}"
    return (
        f"{case[0]:4} {case[1]:>6} {case[2]:>4} {case[3]:>5} | {fwd * 1e3:>10.1f} | "
        f"{seq * 1e3:>13.1f} {seq / fwd:>5.2f} | {bat * 1e3:>10.1f} {bat / fwd:>5.2f} | {peaks} | {kept}"
    )


HEADER = (
    f"{'cell':4} {'hidden':>6} {'seq':>4} {'batch':>5} | {'forward ms':>10} | {'sequential ms':>13} {'ratio':>5} | "
    f"{'batched ms':>10} {'ratio':>5} | {'peak MB: fwd':>12} {'seq':>5} {'bat':>5} | {'kept MB: seq':>12} {'bat':>5}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurements")
    parser.add_argument("--cells", nargs="+", choices=("LSTM", "GRU", "RNN"), default=["LSTM", "GRU", "RNN"])
    parser.add_argument("--measure", nargs=5, help=argparse.SUPPRESS)  # engine cell hidden seq batch (a child)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.measure:
        engine, cell, *sizes = args.measure
        print(json.dumps(measure_memory_here(engine, (cell, *map(int, sizes)))))
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), medians of {args.repeats} rounds")
    print(HEADER)
    for case in [case for case in LARGE if case[0] in args.cells]:
        memories = {} if args.no_memory else {engine: memory(engine, case, args.threads) for engine in ENGINES}
        print(table_row(case, case_medians(case, args.repeats), memories), flush=True)
    print(f"target: batched ratio <= {TARGET_RATIO}")
    for case in [case for case in SMALL if case[0] in args.cells]:
        medians = {name: seconds * 1e3 for name, seconds in case_medians(case, 20).items()}
        print(
            f"{case[0]:4} {case[1]:>6} {case[2]:>4} {case[3]:>5} | forward {medians['forward']:.2f} ms, "
            f"sequential {medians['sequential']:.2f} ms, batched {medians['batched']:.2f} ms "
            f"(target < {TARGET_SMALL_MS:.0f} ms)"
        )
    print("the batched engine's input-term matmul:")
    for case in [case for case in LARGE if case[0] in args.cells]:
        print("  " + gemm_comparison(*case, repeats=args.repeats))


if __name__ == "__main__":
    main()
