"""Timings: ``make bench`` (``python -m backprop_lib.bench``).

1. 10,000 online steps of the 2-2-2 network through the library, against a plain-Python
   per-scalar loop written here in the first document's style, and their ratio;
2. one slider event done in Python (forward, backward, update and the formatted numbers),
   per preset, median of many;
3. deriving and lambdifying each preset symbolically (from nothing cached);
4. the command line's start: ``explain 2-2-2 --format json`` and ``presets`` as a reader runs
   them, best of 5, with byte-code written as usual and with PYTHONDONTWRITEBYTECODE=1 (where
   only the byte-code compiled at install can be read);
(the digits CNN) one training step at batch 32 through the library against JAX's
   jit-compiled step of the same network, median of many, interleaved
   (:func:`backprop_lib.conv_digits.bench`);
(one gradient) a forward and a backward pass against the 2P nudged forward passes of finite
   differences, for networks of 10 to about 100,000 parameters (:func:`backprop_lib.cost.measure`).

Browser timings of the playground, where Chromium is available, come from
``tools/bench_browser.py``, which this runs last.
"""
from __future__ import annotations

import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import presets
from . import symbolic


def plain_loop(steps):
    """The first document's network, one scalar at a time, as its text works it through."""
    w1, w2, w3, w4, w5, w6, w7, w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55
    b1, b2 = 0.35, 0.60
    i1, i2, target_o1, target_o2 = 0.05, 0.10, 0.01, 0.99
    eta = 0.5
    errors = []
    for _ in range(steps):
        net_h1 = w1 * i1 + w2 * i2 + b1
        net_h2 = w3 * i1 + w4 * i2 + b1
        out_h1 = 1 / (1 + math.exp(-net_h1))
        out_h2 = 1 / (1 + math.exp(-net_h2))
        net_o1 = w5 * out_h1 + w6 * out_h2 + b2
        net_o2 = w7 * out_h1 + w8 * out_h2 + b2
        out_o1 = 1 / (1 + math.exp(-net_o1))
        out_o2 = 1 / (1 + math.exp(-net_o2))
        errors.append(0.5 * (target_o1 - out_o1) ** 2 + 0.5 * (target_o2 - out_o2) ** 2)
        pd_error_wrt_net_o1 = -(target_o1 - out_o1) * out_o1 * (1 - out_o1)
        pd_error_wrt_net_o2 = -(target_o2 - out_o2) * out_o2 * (1 - out_o2)
        pd_error_wrt_net_h1 = (pd_error_wrt_net_o1 * w5 + pd_error_wrt_net_o2 * w7) * out_h1 * (1 - out_h1)
        pd_error_wrt_net_h2 = (pd_error_wrt_net_o1 * w6 + pd_error_wrt_net_o2 * w8) * out_h2 * (1 - out_h2)
        w5 -= eta * pd_error_wrt_net_o1 * out_h1
        w6 -= eta * pd_error_wrt_net_o1 * out_h2
        w7 -= eta * pd_error_wrt_net_o2 * out_h1
        w8 -= eta * pd_error_wrt_net_o2 * out_h2
        w1 -= eta * pd_error_wrt_net_h1 * i1
        w2 -= eta * pd_error_wrt_net_h1 * i2
        w3 -= eta * pd_error_wrt_net_h2 * i1
        w4 -= eta * pd_error_wrt_net_h2 * i2
    net_h1 = w1 * i1 + w2 * i2 + b1
    net_h2 = w3 * i1 + w4 * i2 + b1
    out_h1, out_h2 = 1 / (1 + math.exp(-net_h1)), 1 / (1 + math.exp(-net_h2))
    out_o1 = 1 / (1 + math.exp(-(w5 * out_h1 + w6 * out_h2 + b2)))
    out_o2 = 1 / (1 + math.exp(-(w7 * out_h1 + w8 * out_h2 + b2)))
    errors.append(0.5 * (target_o1 - out_o1) ** 2 + 0.5 * (target_o2 - out_o2) ** 2)
    return errors


def best_of(fn, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def slider_event(net, name, value):
    """What a Python slider callback does: recompute everything shown, as text."""
    moved = net.with_params(**{name: value})
    trace = moved.forward()
    grads = moved.named_gradient(trace)
    after = moved.step()
    shown = [moved.fmt(trace.loss)] + [moved.fmt(v) for v in trace.outputs[0]]
    shown += [moved.fmt(g) for g in grads.values()] + [moved.fmt(p.value) for p in after.parameters()]
    return shown


def command_line_start(argv, repeat=5, **env):
    """Best of ``repeat`` wall-clock times of ``python -m backprop_lib ARGV`` in a new process."""
    import os
    environment = {**os.environ, **env}
    if not env:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "backprop_lib", *argv], check=True, env=environment,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def compiled_at_install():
    """Whether byte-code exists for what the command line imports (numpy, backprop_lib)."""
    import importlib.util
    import numpy
    return all(Path(importlib.util.cache_from_source(m.__file__)).exists() for m in (numpy, sys.modules[__package__]))


def main():
    net = presets.load("2-2-2")
    net.train(10)                                    # compile once, as any first use would
    library = best_of(lambda: net.train(10000))
    plain = best_of(lambda: plain_loop(10000))
    lib_final, plain_final = net.train(10000)[0][-1], plain_loop(10000)[-1]
    print("10,000 online steps of 2-2-2 (best of 7)")
    print(f"  backprop_lib          {library * 1000:8.2f} ms")
    print(f"  plain-Python loop     {plain * 1000:8.2f} ms")
    print(f"  ratio library/plain   {library / plain:8.2f}   (required ≤ 1.5)")
    print(f"  final errors agree to {abs(lib_final - plain_final):.1e}")

    print("\nOne slider event in Python (forward, backward, update, formatted numbers), median of 500")
    for pid in presets.IDS:
        p = presets.load(pid)
        name = p.parameters()[0].name
        times = []
        for n in range(500):
            start = time.perf_counter()
            slider_event(p, name, p[name] + 0.001 * (n % 7))
            times.append(time.perf_counter() - start)
        print(f"  {pid}   {statistics.median(times) * 1000:7.3f} ms   (required ≤ 16 ms)")

    print("\nDeriving and lambdifying each preset with sympy (nothing cached)")
    for pid in presets.IDS:
        p = presets.load(pid)
        symbolic._CACHE.clear()
        start = time.perf_counter()
        d = symbolic.derive(p)
        d.whole_gradient(p)
        d.chain_gradient(p)
        print(f"  {pid}   {time.perf_counter() - start:7.3f} s   (required ≤ 2 s)")

    print("\nThe command line's start (a new process each time, best of 5)")
    for argv, limit in ((["explain", "2-2-2", "--format", "json"], 0.4), (["presets"], 0.4)):
        print(f"  {' '.join(argv):32s} {command_line_start(argv):6.3f} s   (required ≤ {limit} s)")
    slow = command_line_start(["explain", "2-2-2", "--format", "json"], PYTHONDONTWRITEBYTECODE="1")
    print(f"  {'the same, PYTHONDONTWRITEBYTECODE=1':32s} {slow:6.3f} s   (required ≤ 1.2 s; byte-code from "
          f"the install {'present' if compiled_at_install() else 'MISSING'})")

    print("\nexplain --check on a width-1 tanh chain of depth 60 (a new process, best of 3)")
    import json
    import tempfile
    depth = 60
    chain = {"layers": [1] * (depth + 1), "activations": ["tanh"] * depth,
             "weights": [[[0.9]] for _ in range(depth)], "inputs": [0.5], "targets": [0.2],
             "loss": "half_sse", "learning_rate": 0.1}
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "tanh60.json"
        spec.write_text(json.dumps(chain))
        took = command_line_start(["explain", str(spec), "--check"], repeat=3)
    print(f"  {'explain tanh60.json --check':32s} {took:6.3f} s   (required ≤ 5 s)")

    print()                                   # the digits CNN: the library's step against JAX's jit-compiled one
    from .conv_digits import bench as conv_bench
    conv_bench()

    print()                                   # Part II's digits network: the NumPy step against JAX's
    from .classifier import bench as digits_bench
    digits_bench()

    print("\nOne gradient: a forward and a backward pass against 2P nudged forward passes "
          "(processor time; the four equations chapter)")
    from . import cost
    rows = cost.measure()
    print("  " + cost.table(rows).replace("\n", "\n  "))
    print(f"  slope of log(ratio) against log(P): {cost.slope(rows):.2f}   (1: the ratio grows like P)")

    browser = Path(__file__).resolve().parent.parent / "tools" / "bench_browser.py"
    if browser.exists():
        print()
        sys.stdout.flush()
        subprocess.run([sys.executable, str(browser)], check=False)


if __name__ == "__main__":
    main()
