"""The widgets' JavaScript engine against backprop_lib, run under Node.

The browser computes every number of the playground and the answer boxes with
``backprop_lib/widgets/js/engine.js``; these tests hold it to the library on hundreds of
random networks (every activation, loss, bias kind, mode, one to three samples): forward
values, loss, every gradient, the parameters after one step, the loss history of a few
steps and every kind of quantity key must agree within 1e-12.  The same engine draws the
exercises' fresh numbers: they must match the Python side exactly.  (Judging answers,
js/judge.js, is tested against Python in tests/test_answers.py.)
"""
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import variants
from backprop_lib.explain import _given
from backprop_lib.widgets import AnswerBox, Playground, check
from backprop_lib.widgets._bundle import esm

ENGINE = Path(bp.__file__).parent / "widgets" / "js" / "engine.js"
NODE = shutil.which("node")
TOLERANCE = 1e-12
N_NETWORKS = 520
HISTORY_STEPS = 3

# The Node side: read {"tasks": [...]} on stdin, answer one result per task on stdout.
RUNNER = """
import * as E from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const arr = (a) => Array.from(a);
const out = tasks.map((t) => {
  try {
    if (t.kind === "network") {
      const net = E.fromSpec(t.spec);
      const trace = E.forward(net);
      const g = E.backward(net, trace);
      const stepped = E.step(net);
      const run = E.makeTrainer(net)(E.flat(net), t.steps);
      const cache = {};
      const values = {};
      for (const k of t.keys) values[k] = E.value(net, k, cache);
      return {
        net: trace.net.slice(1).map((l) => l.map(arr)),
        out: trace.out.slice(1).map((l) => l.map(arr)),
        loss: trace.loss,
        gradient: arr(E.gradient(net, trace, g)),
        after: arr(E.flat(stepped)),
        history: arr(run.history),
        trained: arr(run.theta),
        names: E.parameters(net).map((p) => p.name),
        values,
      };
    }
    if (t.kind === "draw") {
      const net = E.draw(E.fromSpec(t.spec), t.variant, t.seed);
      return { spec: E.toSpec(net), numbers: E.numbers(t.seed, t.variant, 50) };
    }
    if (t.kind === "format") return t.values.map(([x, d]) => E.formatNumber(x, d));
    if (t.kind === "given") return t.values.map((x) => E.given(x));
    if (t.kind === "mulberry32") {
      // Tommy Ettinger's mulberry32 in the form its JavaScript port is usually published
      let a = t.state;
      const next = () => {
        let z = (a += 0x6D2B79F5);
        z = Math.imul(z ^ (z >>> 15), z | 1);
        z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
        return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
      };
      return Array.from({ length: t.count }, next);
    }
    throw new Error("unknown task " + t.kind);
  } catch (e) {
    return { error: String(e && e.stack || e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tasks):
    if NODE is None:
        pytest.fail("node is not installed: the widget engine's tests need Node.js (v18 or later)")
    script = RUNNER % json.dumps(ENGINE.as_uri())
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps({"tasks": tasks}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors[0]
    return results


# ------------------------------------------------------------------ random networks
def random_network(rng):
    """One random network: depth 1–3, sizes 1–4, every activation, loss, bias kind and mode."""
    depth = int(rng.integers(1, 4))
    layers = [int(rng.integers(1, 5)) for _ in range(depth + 1)]
    loss = str(rng.choice(["half_sse", "cross_entropy"]))
    elementwise = ["sigmoid", "tanh", "relu", "linear"]
    activations = [str(rng.choice(elementwise)) for _ in range(depth)]
    last = ["sigmoid", "softmax"] if loss == "cross_entropy" else elementwise + ["softmax"]
    activations[-1] = str(rng.choice(last))
    samples = int(rng.integers(1, 4))
    weights = [rng.uniform(-1.2, 1.2, (layers[k + 1], layers[k])).tolist() for k in range(depth)]
    biases = []
    for k in range(depth):
        kind = rng.choice(["none", "shared", "each"])
        biases.append(None if kind == "none" else float(rng.uniform(-1, 1)) if kind == "shared"
                      else rng.uniform(-1, 1, layers[k + 1]).tolist())
    inputs = rng.uniform(-1, 1, (samples, layers[0])).tolist()
    if loss == "cross_entropy":
        targets = rng.uniform(0.05, 0.95, (samples, layers[-1]))
        if activations[-1] == "softmax":
            targets = targets / targets.sum(axis=1, keepdims=True)
        targets = targets.tolist()
    else:
        targets = rng.uniform(-1, 1, (samples, layers[-1])).tolist()
    return bp.Network(layers=layers, activations=activations, weights=weights, biases=biases, loss=loss,
                      learning_rate=float(rng.choice([0.01, 0.1, 0.5])), update_biases=bool(rng.integers(0, 2)),
                      inputs=inputs, targets=targets, mode=str(rng.choice(["batch", "online"])))


def quantity_keys(net, rng):
    """Every kind of quantity key, two random instances of each (for any sample), so each
    network checks some 40 keys and the 500 networks check every kind many times over."""
    kinds = {}

    def add(kind, key):
        kinds.setdefault(kind, []).append(key)

    params = net.parameters()
    L = net.depth
    outputs = net.neuron_names[-1]
    add("E", "E")
    for o in outputs:
        add("E:o", f"E:{o}")
    for s in range(net.samples):
        sx = "" if s == 0 else f"[{s}]"
        for n in net.neuron_names[0]:
            add("out:input", f"out:{n}{sx}")
        for l in range(1, L + 1):
            for j, n in enumerate(net.neuron_names[l]):
                add("net", f"net:{n}{sx}")
                add("out", f"out:{n}{sx}")
                add("dE/dout", f"dE/dout:{n}{sx}")
                add("dE/dnet", f"dE/dnet:{n}{sx}")
                if net.activations[l - 1] != "softmax":
                    add("dout/dnet", f"dout/dnet:{n}{sx}")
                    add("dout:n/dnet:n", f"dout:{n}/dnet:{n}{sx}")
                for o in outputs:
                    add("dE:o/dout", f"dE:{o}/dout:{n}{sx}")
                    add("dE:o/dnet", f"dE:{o}/dnet:{n}{sx}")
                for m in net.neuron_names[l - 1]:
                    add("dnet/dout", f"dnet:{n}/dout:{m}{sx}")
                for p in params:
                    add("dnet/dparam (same layer)" if p.layer == l else "dnet/dparam (other layer)",
                        f"dnet:{n}/d{p.name}{sx}")
    for p in params:
        add("dE/dparam", f"dE/d{p.name}")
        add("param+", f"{p.name}+")
        add("param+@2", f"{p.name}+@2")
    add("E@1", "E@1")
    add("E@N", f"E@{HISTORY_STEPS}")
    for s in range(net.samples):
        for o in outputs:
            add("out@2", f"out:{o}{'' if s == 0 else f'[{s}]'}@2")
    keys = []
    for kind in sorted(kinds):
        choices = kinds[kind]
        picked = rng.choice(len(choices), size=min(2, len(choices)), replace=False)
        keys += [choices[i] for i in sorted(picked)]
    return keys


def python_side(net, keys):
    trace = net.forward()
    history, trained = net.train(HISTORY_STEPS)
    return {
        "net": [trace.net[l].tolist() for l in range(1, net.depth + 1)],
        "out": [trace.out[l].tolist() for l in range(1, net.depth + 1)],
        "loss": trace.loss,
        "gradient": net.gradient(trace).tolist(),
        "after": net.step().flat().tolist(),
        "history": history,
        "trained": trained.flat().tolist(),
        "names": [p.name for p in net.parameters()],
        "values": bp.table(net, keys),
    }


def max_diff(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


@pytest.fixture(scope="module")
def agreement():
    """The engine's numbers and the library's for every random network (and the presets)."""
    rng = np.random.default_rng(20261123)
    nets = [bp.preset(p) for p in bp.PRESETS]
    while len(nets) < N_NETWORKS:
        net = random_network(rng)
        history, _ = net.train(HISTORY_STEPS)
        if all(math.isfinite(v) for v in history):          # diverging networks have no numbers to compare
            nets.append(net)
    keys = [quantity_keys(n, rng) for n in nets]
    tasks = [{"kind": "network", "spec": bp.to_spec(n), "keys": k, "steps": HISTORY_STEPS} for n, k in zip(nets, keys)]
    js = run_node(tasks)
    py = [python_side(n, k) for n, k in zip(nets, keys)]
    return nets, py, js


def test_engine_agrees_with_backprop_lib_on_random_networks(agreement):
    nets, py, js = agreement
    assert len(nets) >= 500
    worst = {}
    failures = []
    for n, (net, p, j) in enumerate(zip(nets, py, js)):
        assert p["names"] == j["names"]
        for field in ("loss", "gradient", "after", "history", "trained"):
            diff = max_diff(p[field], j[field])
            worst[field] = max(worst.get(field, 0.0), diff)
            if diff > TOLERANCE:
                failures.append(f"network {n} {net.layers} {net.activations}: {field} differs by {diff:.3g}")
        for field in ("net", "out"):
            for l, (a, b) in enumerate(zip(p[field], j[field])):
                diff = max_diff(a, b)
                worst[field] = max(worst.get(field, 0.0), diff)
                if diff > TOLERANCE:
                    failures.append(f"network {n}: {field}[{l + 1}] differs by {diff:.3g}")
        for key, v in p["values"].items():
            diff = abs(v - j["values"][key])
            worst["quantity keys"] = max(worst.get("quantity keys", 0.0), diff)
            if not diff <= TOLERANCE:
                failures.append(f"network {n}: {key} = {v!r} (library) vs {j['values'][key]!r} (engine)")
    print("largest differences:", {k: f"{v:.2e}" for k, v in worst.items()})
    assert not failures, f"{len(failures)} disagreements, e.g. " + "; ".join(failures[:5])
    n_keys = sum(len(p["values"]) for p in py)
    assert n_keys > 25 * len(nets)          # the comparison really covered the keys
    kinds = {key.split(":")[0].split("/")[0] for p in py for key in p["values"]}
    assert {"E", "net", "out", "dE", "dout", "dnet", "E@1"} <= kinds


def test_presets_engine_numbers_at_the_documents_precision():
    keys = ["E", "out:o1", "dE/dw5", "dE/dw1", "w5+", "w1+", "dE:o2/dout:h1", "E@1", "E@10000", "out:o1@10000"]
    nets = [bp.preset(p) for p in bp.PRESETS]
    results = run_node([{"kind": "network", "spec": bp.to_spec(n), "keys": [k for k in keys if _has(n, k)],
                         "steps": 1} for n in nets])
    for net, r in zip(nets, results):
        assert r["values"], net.title
        for key, v in r["values"].items():
            assert net.fmt(v) == net.fmt(bp.value(net, key)), key


def _has(net, key):
    try:
        bp.value(net, key.replace("@10000", "@1"))
        return True
    except (KeyError, bp.SpecError):
        return False


# ------------------------------------------------------------------ numbers as text
def test_number_formatting_matches_python():
    rng = np.random.default_rng(7)
    values = [(float(x), int(d)) for x, d in zip(rng.normal(0, 3, 400), rng.integers(0, 13, 400))]
    values += [(x, d) for x in (0.5, 1.5, 2.5, -2.5, 0.125, 0.375, -0.0625, 1e-12, -1e-12, -0.0, 0.0,
                                123456.789, 1e21 + 0.0, 2.675, 0.3)
               for d in (0, 1, 2, 3, 4, 9)]
    (js,) = run_node([{"kind": "format", "values": values}])
    expected = [bp.format_number(x, d) for x, d in values]
    bad = [(v, e, j) for v, e, j in zip(values, expected, js) if e != j]
    assert not bad, bad[:5]


def test_given_numbers_match_python_repr():
    values = [0.15, 0.2, 1.0, 5.0, -0.019, 1e-05, 0.0001, 1e16, 1.5e-7, 123.456, -3.0, 0.1 + 0.2, 2.5e20]
    (js,) = run_node([{"kind": "given", "values": values}])
    assert js == [_given(v).strip("()") for v in values]


# ------------------------------------------------------------------ fresh numbers
def test_python_and_javascript_draw_the_same_numbers():
    rng = np.random.default_rng(3)
    nets = [bp.preset(p) for p in bp.PRESETS] + [random_network(rng) for _ in range(12)]
    tasks = []
    expected = []
    for n, net in enumerate(nets):
        for variant in (1, 2, 3, 17, 2**31 - 1):
            seed = (n * 7919) % 1000
            tasks.append({"kind": "draw", "spec": bp.to_spec(net), "variant": variant, "seed": seed})
            expected.append((variants.draw(net, variant, seed), variants.numbers(seed, variant, 50)))
    results = run_node(tasks)
    for (drawn, numbers), r in zip(expected, results):
        assert r["numbers"] == numbers                       # bit for bit
        assert r["spec"] == json.loads(json.dumps(bp.to_spec(drawn)))


def test_whole_targets_of_a_sigmoid_output_stay_class_labels_in_both_languages():
    """A classifier's targets are 0 or 1: fresh numbers must not make one 3 (a sigmoid never
    reaches it); a linear output's whole targets still range over 1 to 3."""
    classifier = bp.Network(layers=[2, 2, 1], activations=["tanh", "sigmoid"],
                            weights=[[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]], biases=[0.0, 0.0],
                            inputs=[[0.5, -0.5], [1.0, 0.2]], targets=[[1.0], [0.0]], learning_rate=0.5)
    drawn = [variants.draw(classifier, v, 7) for v in range(1, 41)]
    labels = {t for d in drawn for t in d.targets.ravel()}
    assert labels == {0.0, 1.0}
    linear = {t for v in range(1, 41) for t in variants.draw(bp.preset("2-2-1"), v, 7).targets.ravel()}
    assert linear == {1.0, 2.0, 3.0}
    results = run_node([{"kind": "draw", "spec": bp.to_spec(classifier), "variant": v, "seed": 7} for v in range(1, 41)])
    assert [r["spec"]["targets"] for r in results] == [d.targets.tolist() for d in drawn]


def test_variants_keep_the_shape_and_change_the_numbers():
    net = bp.preset("2-2-2")
    assert variants.draw(net, 0).flat().tolist() == net.flat().tolist()
    one, two = variants.draw(net, 1), variants.draw(net, 2)
    assert one.layers == net.layers and one.names == net.names and one.learning_rate == net.learning_rate
    assert one.flat().tolist() != net.flat().tolist() and one.flat().tolist() != two.flat().tolist()
    assert all(0.05 <= v <= 0.95 and round(v * 100) / 100 == v for v in one.flat())
    whole = variants.draw(bp.preset("3-2-2"), 5)
    assert all(float(x).is_integer() and 1 <= x <= 9 for x in whole.inputs.ravel())
    assert variants.draw(net, 4, seed=1).flat().tolist() != variants.draw(net, 4, seed=2).flat().tolist()
    with pytest.raises(bp.SpecError, match="variant: must be a whole number"):
        variants.draw(net, -1)
    # the generator is mulberry32 as its author published it (run in Node, written independently)
    (reference,) = run_node([{"kind": "mulberry32", "state": 123456789, "count": 20}])
    rng = variants.Mulberry32(123456789)
    assert [rng.next() for _ in range(20)] == reference


# (judging answers: tests/test_answers.py)


# ------------------------------------------------------------------ the widgets' Python side
def one_line_spec_error(fn):
    with pytest.raises(bp.SpecError) as info:
        fn()
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_widget_construction_errors_are_one_line():
    assert one_line_spec_error(lambda: Playground("9-9-9")).startswith("9-9-9: unknown preset")
    assert "expected a preset id" in one_line_spec_error(lambda: Playground(3.5))
    assert one_line_spec_error(lambda: Playground("2-2-2", steps=-1)).startswith("steps:")
    assert one_line_spec_error(lambda: Playground("2-2-2", steps=10**6)).startswith("steps:")
    assert one_line_spec_error(lambda: Playground("2-2-2", selected="w99")).startswith("selected:")
    assert one_line_spec_error(lambda: Playground({"layers": [2, 1]})).startswith("activations: missing")
    assert one_line_spec_error(lambda: AnswerBox("2-2-2", "dE/dw99")).startswith("dE/dw99:")
    assert one_line_spec_error(lambda: AnswerBox("2-2-2", "speed")).startswith("speed: not a quantity key")
    assert one_line_spec_error(lambda: AnswerBox("2-2-2", "out:o1[4]")).startswith("out:o1[4]:")
    assert one_line_spec_error(lambda: AnswerBox("2-2-2", "dE/dw5", tolerance="lots")).startswith("tolerance:")
    assert one_line_spec_error(lambda: AnswerBox("2-2-2", "dE/dw5", tolerance=-1)).startswith("tolerance:")
    assert one_line_spec_error(lambda: AnswerBox("2-2-2", "dE/dw5", seed=-3)).startswith("seed:")
    assert one_line_spec_error(lambda: AnswerBox(None, "E")).startswith("AnswerBox: expected")
    assert one_line_spec_error(lambda: check("2-2-2", "dE/dw5", 1, variant=-1)).startswith("variant:")
    bad = bp.preset("2-2-2")
    bad.weights[0][0, 0] = float("nan")
    assert one_line_spec_error(lambda: Playground(bad)).startswith("weights[0][0][0]: must be a finite number")


def test_playground_values_carry_into_backprop_lib():
    pg = Playground("2-2-2")
    assert pg.selected == "w5" and pg.steps == 1000
    assert set(pg.values) == {"w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2", "learning rate",
                              "i1", "i2", "target_o1", "target_o2"}
    assert pg.network().forward().loss == bp.preset("2-2-2").forward().loss
    pg.values = {**pg.values, "w5": 0.3, "learning rate": 0.25, "i2": 0.2, "target_o1": 0.05}   # as the page syncs them
    net = pg.network()
    assert (net["w5"], net.learning_rate, net.inputs[0, 1], net.targets[0, 0]) == (0.3, 0.25, 0.2, 0.05)
    assert net.forward().loss == bp.preset("2-2-2").with_params(w5=0.3).replace(
        learning_rate=0.25, inputs=[[0.05, 0.2]], targets=[[0.05, 0.99]]).forward().loss
    pg.set_value("w1", -0.5)
    assert pg.network()["w1"] == -0.5
    assert one_line_spec_error(lambda: pg.set_value("w42", 1.0)).startswith("values: no slider named 'w42'")
    assert one_line_spec_error(lambda: pg.set_value("learning rate", 0.0)).startswith("values['learning rate']")
    pg.reset()
    assert pg.network().flat().tolist() == bp.preset("2-2-2").flat().tolist()
    two = Playground(bp.parse({"layers": [1, 1], "activations": ["linear"], "weights": [[[0.5]]],
                               "inputs": [[1.0], [2.0]], "targets": [[0.0], [1.0]], "loss": "half_sse",
                               "learning_rate": 0.1}))
    assert {"i1", "i1[1]", "target_o1", "target_o1[1]"} <= set(two.values)


@pytest.mark.parametrize("view", ["widget.js", "answer.js"])
def test_the_joined_module_is_one_valid_es_module(tmp_path, view):
    code = esm(view)
    assert 'from "./engine.js"' not in code and code.count("export default") == 1
    assert "function makeTrainer" in code and "function render" in code
    path = tmp_path / "bundle.mjs"
    path.write_text(code, encoding="utf-8")
    proc = subprocess.run([NODE or "node", "--check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
