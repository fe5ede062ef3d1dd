"""The conv widgets' JavaScript (``backprop_lib/widgets/js/conv.js``) against backprop_lib.conv,
run under Node: on a few hundred random conv networks (one or two conv layers, strides 1–2,
channels and filters 1–2, max-pools, dense layers, every activation, loss, bias kind and
mode), every layer's net and out, the loss, every gradient, the parameters after one step,
the loss over a few steps and many quantity keys agree within 1e-12; the fresh numbers of
"New numbers" are the same networks in both languages; and the answer judging agrees."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import conv
from backprop_lib.widgets import convolution
from backprop_lib.widgets._bundle import esm

from conv_strategies import random_spec

JS = Path(bp.__file__).parent / "widgets" / "js"
NODE = shutil.which("node")
TOLERANCE = 1e-12
N_NETWORKS = 240
STEPS = 3

RUNNER = """
import * as C from %s;
import * as J from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const arr = (a) => (a === null ? null : Array.from(a));
const out = tasks.map((t) => {
  try {
    if (t.kind === "network") {
      const net = C.fromSpec(t.spec);
      const trace = C.forward(net);
      const g = C.backward(net, trace);
      const run = C.train(net, t.steps);
      const cache = {};
      const values = {};
      for (const k of t.keys) values[k] = C.value(net, k, cache);
      return {
        net: trace.net.slice(1).map((l) => (l === null ? null : l.map(arr))),
        out: trace.out.slice(1).map((l) => l.map(arr)),
        input_gradient: g.dEdout[0].map(arr),
        loss: trace.loss,
        gradient: arr(C.gradient(net, trace, g)),
        after: arr(C.flat(C.step(net))),
        history: run.history,
        trained: arr(C.flat(run.net)),
        names: C.parameters(net).map((p) => p.name),
        neurons: C.neuronNames(net),
        spec: C.toSpec(net),
        values,
      };
    }
    if (t.kind === "draw") return { spec: C.toSpec(C.draw(C.fromSpec(t.spec), t.variant, t.seed)) };
    if (t.kind === "check") {
      const net = C.fromSpec(t.spec);
      return t.answers.map((a) => {
        const r = J.checkAnswer(net, t.key, a, t.tolerance);
        return [r.right, r.code, r.exact, r.allowed];
      });
    }
    if (t.kind === "mistakes") return J.mistakes(C.fromSpec(t.spec), t.key);
    throw new Error("unknown task " + t.kind);
  } catch (e) {
    return { error: String((e && e.stack) || e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tasks):
    if NODE is None:
        pytest.fail("node is not installed: the conv engine's tests need Node.js (v18 or later)")
    script = RUNNER % (json.dumps((JS / "conv.js").as_uri()), json.dumps((JS / "conv_judge.js").as_uri()))
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps({"tasks": tasks}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors[0]
    return results


def keys_for(net, rng):
    """Two random keys of every kind (per sample, per layer, per parameter, after steps)."""
    kinds = {}
    names = net.neuron_names
    for s in range(net.samples):
        sx = "" if s == 0 else f"[{s}]"
        for l, row in enumerate(names):
            layer = net.layers[l - 1] if l else None
            for n in row:
                kinds.setdefault(f"out {l}", []).append(f"out:{n}{sx}")
                kinds.setdefault(f"dE/dout {l}", []).append(f"dE/dout:{n}{sx}")
                if layer is not None and layer.type != "maxpool":
                    kinds.setdefault(f"net {l}", []).append(f"net:{n}{sx}")
                    kinds.setdefault(f"delta {l}", []).append(f"dE/dnet:{n}{sx}")
                    if layer.activation != "softmax":
                        kinds.setdefault(f"dout/dnet {l}", []).append(f"dout/dnet:{n}{sx}")
        for o in names[-1]:
            kinds.setdefault("dE:o/dout", []).append(f"dE:{o}/dout:{names[1][0]}{sx}")
    for p in net.parameters():
        kinds.setdefault(f"dE/dparam {p.location[1]}", []).append(f"dE/d{p.name}")
        kinds.setdefault("param+", []).append(f"{p.name}+")
        kinds.setdefault("param+@2", []).append(f"{p.name}+@2")
    kinds["E"] = ["E", "E@1", f"E@{STEPS}"] + [f"E:{o}" for o in names[-1]]
    keys = []
    for kind in sorted(kinds):
        choices = kinds[kind]
        picked = rng.choice(len(choices), size=min(2, len(choices)), replace=False)
        keys += [choices[i] for i in sorted(picked)]
    return keys


def diff(a, b):
    if a is None or b is None:
        assert a is None and b is None
        return 0.0
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


@pytest.fixture(scope="module")
def agreement():
    rng = np.random.default_rng(20261202)
    nets = [conv.example()]
    while len(nets) < N_NETWORKS:
        spec = random_spec(rng)
        if rng.random() < 0.25 and len(spec["inputs"]) > 1:
            spec.update(mode="minibatch", batch_size=int(rng.integers(1, len(spec["inputs"]))),
                        shuffle_seed=int(rng.integers(0, 1000)))
        net = conv.parse(spec)
        if conv.near_ties(net, margin=1e-6):
            continue
        history, trained = net.train(STEPS)
        # a diverging network has no numbers worth comparing (its later steps are ~1e75)
        if max(abs(v) for v in history) < 1e3 and np.max(np.abs(trained.flat()), initial=0.0) < 1e3:
            nets.append(net)
    keys = [keys_for(n, rng) for n in nets]
    tasks = [{"kind": "network", "spec": bp.to_spec(n), "keys": k, "steps": STEPS} for n, k in zip(nets, keys)]
    return nets, keys, run_node(tasks)


def test_engine_agrees_with_the_library_on_random_conv_networks(agreement):
    nets, keys, results = agreement
    worst, failures = {}, []
    modes, strides = set(), set()
    for n, (net, k, js) in enumerate(zip(nets, keys, results)):
        modes.add(net.mode)
        strides |= {layer.stride for layer in net.layers if layer.type == "conv2d"}
        trace = net.forward()
        grads = net.backward(trace)
        history, trained = net.train(STEPS)
        assert js["names"] == [p.name for p in net.parameters()]
        assert js["neurons"] == net.neuron_names
        assert js["spec"] == json.loads(json.dumps(bp.to_spec(net)))
        S = net.samples
        py = {
            "loss": trace.loss, "gradient": net.gradient(trace), "after": net.step().flat(),
            "history": history, "trained": trained.flat(),
            "input_gradient": grads.dE_dout[0].reshape(S, -1),
        }
        for field, value in py.items():
            d = diff(value, js[field])
            worst[field] = max(worst.get(field, 0.0), d)
            if d > TOLERANCE:
                failures.append(f"network {n}: {field} differs by {d:.3g}")
        for l in range(1, net.depth + 1):
            for field, table in (("net", trace.net), ("out", trace.out)):
                mine = None if table[l] is None else table[l].reshape(S, -1)
                d = diff(mine, js[field][l - 1])
                worst[field] = max(worst.get(field, 0.0), d)
                if d > TOLERANCE:
                    failures.append(f"network {n}: {field}[{l}] differs by {d:.3g}")
        values = conv.table(net, k)
        for key, v in values.items():
            d = abs(v - js["values"][key])
            worst["keys"] = max(worst.get("keys", 0.0), d)
            if not d <= TOLERANCE:
                failures.append(f"network {n}: {key} = {v!r} (library) vs {js['values'][key]!r} (engine)")
    print("largest differences:", {k: f"{v:.2e}" for k, v in worst.items()})
    assert not failures, f"{len(failures)} disagreements, e.g. " + "; ".join(failures[:5])
    assert len(nets) == N_NETWORKS and modes == {"batch", "online", "minibatch"} and strides == {1, 2}
    assert sum(len(k) for k in keys) > 20 * len(nets)


def test_the_example_to_the_last_printed_digit(agreement):
    nets, keys, results = agreement
    net, js = nets[0], results[0]
    for key, v in js["values"].items():
        assert net.fmt(v) == net.fmt(conv.value(net, key)), key


def test_fresh_numbers_are_the_same_networks():
    rng = np.random.default_rng(4)
    nets = [conv.example()] + [conv.parse(random_spec(rng)) for _ in range(10)]
    tasks, expected = [], []
    for n, net in enumerate(nets):
        for variant in (1, 2, 5, 40):
            tasks.append({"kind": "draw", "spec": bp.to_spec(net), "variant": variant, "seed": n * 31})
            expected.append(json.loads(json.dumps(bp.to_spec(conv.draw(net, variant, n * 31)))))
    for want, got in zip(expected, run_node(tasks)):
        assert got["spec"] == want


def test_the_judge_agrees_with_python():
    net = conv.example()
    tasks, expected = [], []
    for variant in (0, 1, 2):
        shown = conv.draw(net, variant, seed=15)
        for key in ["dE/dk11", "dE/dk22", "dE/db1", "out:p2_12", "E", "k21+", "dE/dw3_1_2", "dE/dout:i23",
                    "dE/dnet:c1_13"]:
            tol = convolution.tolerance_spec(None)
            exact = conv.value(shown, key)
            answers = [exact, exact * (1 + 3e-5), exact + 0.01, "nonsense", f"{exact:.4g}"]
            answers += [v for _, v in convolution.mistakes(shown, key)]
            expected.append([convolution.check_answer(shown, key, a, tol) for a in answers])
            tasks.append({"kind": "check", "spec": bp.to_spec(shown), "key": key, "answers": answers, "tolerance": tol})
    for want, got in zip(expected, run_node(tasks)):
        for (right, code, exact, allowed), (jr, jcode, jexact, jallowed) in zip(want, got):
            assert (right, code) == (jr, jcode)
            assert abs(exact - jexact) <= TOLERANCE and abs(allowed - jallowed) <= TOLERANCE


def test_mistakes_agree_and_are_recognised():
    net = conv.example()
    keys = ["dE/dk11", "dE/db1", "k11+", "E", "dE/dout:c1_11", "dE/dw3_2_4"]
    got = run_node([{"kind": "mistakes", "spec": bp.to_spec(net), "key": k} for k in keys])
    for key, js in zip(keys, got):
        py = convolution.mistakes(net, key)
        assert [c for c, _ in py] == [c for c, _ in js]
        assert diff([v for _, v in py], [v for _, v in js]) <= TOLERANCE
    codes = dict(convolution.mistakes(net, "dE/dk11"))
    assert "spread" in codes and codes["spread"] != conv.value(net, "dE/dk11")


@pytest.mark.parametrize("view", ["conv_widget.js", "conv_answer.js"])
def test_the_joined_module_is_one_valid_es_module(tmp_path, view):
    code = esm(view)
    assert 'from "./conv.js"' not in code and code.count("export default") == 1
    assert "function backward" in code and "function render" in code
    path = tmp_path / "bundle.mjs"
    path.write_text(code, encoding="utf-8")
    proc = subprocess.run([NODE or "node", "--check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
