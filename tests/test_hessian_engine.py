"""The browser's second derivatives (``widgets/js/hessian.js``, reached through the engine's
quantity keys ``d2E/dP/dQ``, ``lambda_max`` and ``eta_max``) against backprop_lib.hessian,
under Node, on random networks of every kind: within 1e-12 (relative to the Hessian's
largest entry)."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import hessian as hs
from backprop_lib.variants import draw
from backprop_lib.widgets import AnswerBox

JS = Path(bp.__file__).parent / "widgets" / "js"
NODE = shutil.which("node")
N_NETWORKS = 120

RUNNER = """
import * as E from %s;
import * as H from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const tasks = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const out = tasks.map((t) => {
  try {
    const net = t.variant ? E.draw(E.fromSpec(t.spec), t.variant, t.seed) : E.fromSpec(t.spec);
    const trace = E.forward(net);
    const grads = E.backward(net, trace);
    const params = E.parameters(net);
    const values = {};
    for (const k of t.keys) {
      try { values[k] = E.value(net, k, {}); } catch (e) { values[k] = "error: " + e.message; }
    }
    return {
      hessian: H.hessian(net, trace, grads, params).map((r) => Array.from(r)),
      eigenvalues: Array.from(H.eigenvalues(H.hessian(net, trace, grads, params))),
      values,
    };
  } catch (e) {
    return { error: String(e && e.stack || e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tasks):
    if NODE is None:
        pytest.fail("node is not installed: the widget engine's tests need Node.js (v18 or later)")
    script = RUNNER % (json.dumps((JS / "engine.js").as_uri()), json.dumps((JS / "hessian.js").as_uri()))
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps(tasks),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    errors = [r["error"] for r in results if "error" in r]
    assert not errors, errors[0]
    return results


def random_network(rng):
    depth = int(rng.integers(1, 4))
    layers = [int(rng.integers(1, 5)) for _ in range(depth + 1)]
    loss = str(rng.choice(["half_sse", "cross_entropy"]))
    elementwise = ["sigmoid", "tanh", "relu", "linear"]
    activations = [str(rng.choice(elementwise)) for _ in range(depth)]
    activations[-1] = str(rng.choice(["sigmoid", "softmax"] if loss == "cross_entropy" else elementwise + ["softmax"]))
    samples = int(rng.integers(1, 4))
    biases = []
    for k in range(depth):
        kind = rng.choice(["none", "shared", "each"])
        biases.append(None if kind == "none" else float(rng.uniform(-1, 1)) if kind == "shared"
                      else rng.uniform(-1, 1, layers[k + 1]).tolist())
    if loss == "cross_entropy":
        targets = rng.uniform(0.05, 0.95, (samples, layers[-1]))
        if activations[-1] == "softmax":
            targets = targets / targets.sum(axis=1, keepdims=True)
    else:
        targets = rng.uniform(-1, 1, (samples, layers[-1]))
    return bp.Network(layers=layers, activations=activations, loss=loss, biases=biases,
                      weights=[rng.uniform(-1.2, 1.2, (layers[k + 1], layers[k])) for k in range(depth)],
                      update_biases=bool(rng.integers(0, 2)), inputs=rng.uniform(-1, 1, (samples, layers[0])),
                      targets=targets)


def keys(net, rng):
    names = [p.name for p in net.parameters()]
    pairs = [(names[a], names[b]) for a, b in rng.integers(0, len(names), size=(4, 2))]
    return [f"d2E/d{p}/d{q}" for p, q in pairs] + ["lambda_max", "eta_max"]


def python_value(net, key):
    try:
        return bp.value(net, key)
    except bp.SpecError as e:
        return "error: " + str(e)


@pytest.fixture(scope="module")
def agreement():
    rng = np.random.default_rng(16)
    nets = [bp.preset(p) for p in bp.PRESETS]
    while len(nets) < N_NETWORKS:
        nets.append(random_network(rng))
    ks = [keys(n, rng) for n in nets]
    js = run_node([{"spec": bp.to_spec(n), "keys": k} for n, k in zip(nets, ks)])
    return nets, ks, js


def test_hessian_and_eigenvalues_agree(agreement):
    nets, _, js = agreement
    for net, r in zip(nets, js):
        H = hs.hessian(net)
        scale = max(1.0, np.max(np.abs(H), initial=0.0))
        assert np.asarray(r["hessian"]).shape == H.shape
        if H.size:
            assert np.max(np.abs(np.asarray(r["hessian"]) - H)) <= 1e-12 * scale, net.layers
            assert np.max(np.abs(np.asarray(r["eigenvalues"]) - np.linalg.eigvalsh(H))) <= 1e-12 * scale


def test_quantity_keys_agree(agreement):
    nets, ks, js = agreement
    compared = 0
    for net, k, r in zip(nets, ks, js):
        scale = max(1.0, np.max(np.abs(np.asarray(r["hessian"])), initial=0.0))
        for key in k:
            mine, theirs = python_value(net, key), r["values"][key]
            if isinstance(mine, str):
                assert isinstance(theirs, str) and "no positive eigenvalue" in mine and "no positive eigenvalue" in theirs
                continue
            assert theirs == pytest.approx(mine, rel=1e-12, abs=1e-12 * scale), key
            compared += 1
    assert compared > 5 * N_NETWORKS


def test_fresh_numbers_of_the_chapters_boxes_agree():
    """The chapter's answer boxes: the first document's network and a single linear neuron,
    their own numbers and the first fresh sets the browser draws."""
    first = bp.preset("2-2-2")
    neuron = bp.Network(layers=[2, 1], activations=["linear"], weights=[[[0.4, 0.6]]],
                        inputs=[[2.0, 3.0]], targets=[[1.0]], learning_rate=0.05)
    tasks, expected = [], []
    for net, key in ((first, "d2E/dw6/dw6"), (first, "d2E/dw5/dw6"), (neuron, "eta_max")):
        for variant in range(4):
            tasks.append({"spec": bp.to_spec(net), "keys": [key], "variant": variant, "seed": 16})
            expected.append((key, bp.value(draw(net, variant, 16), key)))
    for (key, value), r in zip(expected, run_node(tasks)):
        assert r["values"][key] == pytest.approx(value, rel=1e-12), key
    box = AnswerBox(neuron, "eta_max", seed=16, label="η_max =")
    assert box.key == "eta_max"


WORKING = """
import * as E from %s;
import * as J from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const tasks = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(JSON.stringify(tasks.map((t) => t.keys.map((k) => J.working(E.fromSpec(t.spec), k)))));
"""


def test_the_answer_boxs_working_for_second_order_keys():
    """The working the box unfolds: its last line is the key's value, and for two output
    weights of one output each step is the chapter's formula with the numbers shown."""
    script = WORKING % (json.dumps((JS / "engine.js").as_uri()), json.dumps((JS / "judge.js").as_uri()))
    rng = np.random.default_rng(161)
    nets = [bp.preset("2-2-2"), bp.preset("3-2-2"), bp.preset("2-2-1")] + [random_network(rng) for _ in range(30)]
    nets.append(bp.Network(layers=[2, 1], activations=["linear"], weights=[[[0.4, 0.6]]], inputs=[[2.0, 3.0]],
                           targets=[[1.0]]))
    keys = []
    for net in nets:
        names = [p.name for p in net.parameters() if p.kind == "weights"]     # the last ones: into the outputs
        ks = [f"d2E/d{names[-1]}/d{names[-min(2, len(names))]}", f"d2E/d{names[0]}/d{names[-1]}", "lambda_max"]
        if not isinstance(python_value(net, "eta_max"), str):
            ks.append("eta_max")
        keys.append(ks)
    proc = subprocess.run([NODE, "--input-type=module", "-e", script],
                          input=json.dumps([{"spec": bp.to_spec(n), "keys": k} for n, k in zip(nets, keys)]),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for net, ks, workings in zip(nets, keys, json.loads(proc.stdout)):
        scale = max(1.0, np.max(np.abs(hs.hessian(net)), initial=0.0))
        for key, lines in zip(ks, workings):
            assert lines[-1]["key"] == key and lines[-1]["value"] == pytest.approx(bp.value(net, key), rel=1e-12,
                                                                                   abs=1e-12 * scale), key
            assert all("NaN" not in line["text"] and "undefined" not in line["text"] for line in lines)
    first = dict(zip(keys[0], json.loads(proc.stdout)[0]))
    tr = bp.preset("2-2-2").forward()
    o, t = tr.out[2][0, 1], 0.99
    steps = first["d2E/dw8/dw7"]
    assert steps[1]["value"] == pytest.approx(o * (1 - o), rel=1e-15)
    assert steps[2]["value"] == pytest.approx(o * (1 - o) + (o - t) * (1 - 2 * o), rel=1e-15)
    assert "out_{h2}·out_{h1}·f′·bracket" in steps[3]["text"]
    neuron = dict(zip(keys[-1], json.loads(proc.stdout)[-1]))["eta_max"]
    assert neuron[1]["text"] == "λ_max = |x|² = i_{1}² + i_{2}² = 2² + 3²" and neuron[1]["value"] == 13
    assert neuron[2]["text"] == "η_max = 2/λ_max = 2/13"
