"""The training playground's JavaScript (widgets/js/trainer.js, datasets.js) against the library,
run under Node.

The browser draws the 2-D datasets, shuffles the mini-batches and trains the network itself;
these tests hold it to backprop_lib: the points, the shuffles and the starting weights bit
for bit, the loss after each of the first 100 seeded steps within 1e-12 on every dataset,
activation and batch size, the status line digit for digit, and every number of an opened
gradient within 1e-12.
"""
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import classifier, datasets, sgd
from backprop_lib.pages import training as training_page
from backprop_lib.variants import Mulberry32, start_state
from backprop_lib.widgets._bundle import esm

JS = Path(bp.__file__).parent / "widgets" / "js"
NODE = shutil.which("node")
TOLERANCE = 1e-12

RUNNER = """
import * as T from %s;
import * as D from %s;
import * as E from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const arr = (a) => Array.from(a);
const out = tasks.map((t) => {
  try {
    if (t.kind === "sincos") return t.xs.map((x) => D.sincos(x));
    if (t.kind === "plane") {
      const p = D.plane(t.name, t.n, t.noise, t.seed);
      return { X: arr(p.X), y: arr(p.y) };
    }
    if (t.kind === "permutation") return arr(D.permutation(t.n, E.mulberry32(E.startState(t.seed, t.epoch))));
    if (t.kind === "glorot") {
      const g = T.glorot(t.layers, t.seed);
      return { W: g.W.map(arr), b: g.b.map(arr) };
    }
    if (t.kind === "run") {
      const run = new T.Run(t.config);
      const rows = [];
      for (let s = 0; s < t.rowsFor; s++) rows.push(arr(run.batchRows(s)));
      run.train(t.steps, true);
      return { history: run.history, W: run.W.map(arr), b: run.b.map(arr), status: run.status(), rows,
               accuracy: run.last.accuracy };
    }
    if (t.kind === "status") {
      const run = new T.Run(t.config);
      if (t.chunks) for (const c of t.chunks) run.train(c);
      else run.train(t.steps);
      return run.status();
    }
    if (t.kind === "explain") {
      const run = new T.Run(t.config);
      run.train(t.steps);
      return t.names.map((n) => run.explain(n));
    }
    if (t.kind === "query") {
      if (t.search !== undefined) return T.fromQuery(t.search);
      return T.toQuery(t.config, t.steps);
    }
    if (t.kind === "validate") {
      try { T.validate(t.config); return "ok"; } catch (e) { return String(e.message); }
    }
    throw new Error("unknown task " + t.kind);
  } catch (e) {
    return { error: String((e && e.stack) || e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tasks):
    if NODE is None:
        pytest.fail("node is not installed: the playground's engine tests need Node.js (v18 or later)")
    script = RUNNER % tuple(json.dumps((JS / f).as_uri()) for f in ("trainer.js", "datasets.js", "engine.js"))
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps({"tasks": tasks}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors[0]
    return results


def js_config(plane):
    return {"dataset": plane.dataset, "seed": plane.seed, "noise": plane.noise, "hidden": list(plane.hidden),
            "activation": plane.activation, "rate": plane.learning_rate, "batch": plane.batch_size,
            "samples": plane.samples}


# ------------------------------------------------------------------ the same data, bit for bit
def test_sine_and_cosine_are_the_same_polynomial_in_both_languages():
    rng = np.random.default_rng(1)
    xs = [float(x) for x in np.concatenate([rng.uniform(-20, 20, 2000), np.arange(-8, 9) * math.pi / 4])]
    (js,) = run_node([{"kind": "sincos", "xs": xs}])
    assert js == [list(datasets.sincos(x)) for x in xs]                      # bit for bit
    worst = max(max(abs(s - math.sin(x)), abs(c - math.cos(x))) for x, (s, c) in zip(xs, js))
    assert worst < 5e-15                                                    # and they are sine and cosine


@pytest.mark.parametrize("name", datasets.PLANES)
def test_the_datasets_are_drawn_identically(name):
    cases = [(200, 0.1, 1), (200, 0.0, 7), (37, 0.5, 2**31 - 1), (2, 0.25, 0)]
    results = run_node([{"kind": "plane", "name": name, "n": n, "noise": noise, "seed": seed}
                        for n, noise, seed in cases])
    for (n, noise, seed), r in zip(cases, results):
        X, y = datasets.plane(name, n, noise, seed)
        assert r["X"] == X.ravel().tolist()
        assert r["y"] == y.astype(float).tolist()
        assert y.tolist() == [s % 2 for s in range(n)]


def test_the_datasets_have_their_shapes():
    X, y = datasets.plane("circles", 400, 0.0, 3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() <= 0.5 and r[y == 0].min() >= 0.7 and r[y == 0].max() <= 1.0
    X, y = datasets.plane("xor", 400, 0.0, 3)
    assert np.all((X[:, 0] * X[:, 1] > 0) == (y == 1)) and np.abs(X).min() >= 0.05
    X, y = datasets.plane("moons", 400, 0.0, 3)
    assert np.allclose(np.hypot(X[y == 0, 0] + 0.5, X[y == 0, 1] + 0.25), 1.0)
    assert np.allclose(np.hypot(X[y == 1, 0] - 0.5, X[y == 1, 1] - 0.25), 1.0)
    X, y = datasets.plane("spirals", 400, 0.0, 3)
    assert np.allclose(X[1::2], -X[0::2])                                     # half a turn apart
    noisy, _ = datasets.plane("moons", 4000, 0.2, 3)
    clean, _ = datasets.plane("moons", 4000, 0.0, 3)
    assert abs(np.std(noisy - clean) - 0.2) < 0.01                            # noise has the standard deviation asked


def test_shuffles_and_starting_weights_are_identical():
    tasks, expected = [], []
    for n, seed, epoch in [(200, 1, 0), (200, 1, 1), (105, 4, 7), (13, 2**31 - 1, 3), (1, 0, 0)]:
        tasks.append({"kind": "permutation", "n": n, "seed": seed, "epoch": epoch})
        expected.append(sgd.permutation(n, Mulberry32(start_state(seed, epoch))))
    for layers, seed in [([2, 8, 8, 1], 1), ([2, 1], 5), ([2, 3, 8, 2, 4, 1], 99)]:
        tasks.append({"kind": "glorot", "layers": layers, "seed": seed})
        W, b = classifier.glorot(layers, seed)
        expected.append({"W": [np.ravel(w).tolist() for w in W], "b": b})
    assert run_node(tasks) == expected


# ------------------------------------------------------------------ the same training
CONFIGS = [
    classifier.Plane(),                                                          # the defaults: moons, 8-8 tanh
    classifier.Plane(dataset="circles", hidden=(4,), activation="relu", learning_rate=1.0, batch_size=1, seed=3),
    classifier.Plane(dataset="xor", hidden=(3, 5), activation="sigmoid", learning_rate=3.0, batch_size=7, seed=11),
    classifier.Plane(dataset="spirals", hidden=(8, 8, 8, 8), activation="tanh", learning_rate=0.1, batch_size=200,
                     noise=0.3, seed=2),
    classifier.Plane(dataset="moons", hidden=(), activation="linear", learning_rate=0.03, batch_size=50, seed=4),
    classifier.Plane(dataset="xor", hidden=(2,), activation="linear", learning_rate=0.3, batch_size=20, samples=37),
]


@pytest.fixture(scope="module")
def runs():
    tasks = [{"kind": "run", "config": js_config(p), "steps": 100, "rowsFor": 45} for p in CONFIGS]
    return run_node(tasks)


@pytest.mark.parametrize("n", range(len(CONFIGS)))
def test_the_first_100_steps_give_the_librarys_losses(runs, n):
    plane, js = CONFIGS[n], runs[n]
    net = plane.network()
    history, trained = classifier.minibatch_steps(net, 100)
    assert len(js["history"]) == 101
    gap = max(abs(a - b) for a, b in zip(history, js["history"]))
    assert gap <= TOLERANCE, f"{plane}: the losses differ by {gap:.2e}"
    weights = max(float(np.max(np.abs(np.ravel(w) - np.array(v)))) for w, v in zip(trained.weights, js["W"]))
    biases = max(float(np.max(np.abs(b - np.array(v)))) for b, v in zip(trained.biases, js["b"]))
    assert max(weights, biases) <= 1e-11
    assert js["rows"] == [classifier.batch_rows(net, s) for s in range(45)]       # the same mini-batches
    assert js["accuracy"] == classifier.accuracy(trained)


def test_whole_epochs_of_steps_are_the_librarys_minibatch_training():
    net = classifier.Plane(dataset="circles", batch_size=20).network()
    per_epoch = len(sgd.batches(net, 0))
    history, trained = classifier.minibatch_steps(net, 3 * per_epoch)
    reference, ref_net = sgd.train(net, 3)
    assert [history[0], history[per_epoch], history[2 * per_epoch], history[3 * per_epoch]] == reference
    assert trained.flat().tolist() == ref_net.flat().tolist()                 # exactly, bit for bit


def test_the_status_line_is_pythons_digit_for_digit():
    cases = [(classifier.Plane(), 0), (classifier.Plane(), 600), (classifier.Plane(), 1234),
             (classifier.Plane(dataset="xor", hidden=(4, 4), activation="relu", batch_size=5), 321),
             (classifier.Plane(dataset="circles", learning_rate=1.0), 150)]
    tasks = [{"kind": "status", "config": js_config(p), "steps": s} for p, s in cases]
    # trained in uneven slices, as frames and a replayed link do: the same line
    tasks.append({"kind": "status", "config": js_config(classifier.Plane()), "chunks": [1, 19, 20, 7, 553]})
    js = run_node(tasks)
    python = [classifier.status_line(p.trained(s)[1], s) for p, s in cases]
    assert js[:-1] == python
    assert js[-1] == python[1]
    assert python[1].startswith("step 600 · loss 0.0") and python[0] == "step 0 · loss 0.104607 · accuracy 0.850"


def test_an_opened_gradient_has_the_librarys_numbers():
    plane = classifier.Plane()
    names = ["w1_1_1", "w1_8_2", "b1_3", "w2_4_1", "b2_8", "w3_1_1", "b3_1"]
    (js,) = run_node([{"kind": "explain", "config": js_config(plane), "steps": 37, "names": names}])
    net = plane.trained(37)[1]
    for name, j in zip(names, js):
        p = classifier.explain_step(net, 37, name)
        assert j["step"] == 37 and [s["row"] for s in j["samples"]] == p["rows"]
        for a, b in zip(j["samples"], p["samples"]):
            for key in ("out", "net", "dEdout", "local", "delta", "input", "product"):
                assert abs(a[key] - b[key]) <= TOLERANCE, (name, key)
            assert a["target"] == b["target"][0]
        for key in ("value", "gradient", "updated"):
            assert abs(j[key] - p[key]) <= TOLERANCE, (name, key)
        assert abs(np.mean([s["product"] for s in p["samples"]]) - p["gradient"]) <= 1e-15
        for a, b in zip(j["terms"], p["terms"]):
            assert a["neuron"] == b["neuron"] and a["weight"] == b["weight"]
            assert abs(a["delta"] - b["delta"]) <= TOLERANCE and abs(a["w"] - b["w"]) <= TOLERANCE
    # the update the panel announces is the one the next step makes
    after = plane.trained(38)[1]
    assert abs(js[0]["updated"] - after["w1_1_1"]) <= TOLERANCE


# ------------------------------------------------------------------ the address
def test_the_address_holds_the_state_and_forgives_bad_values():
    plane = classifier.Plane(dataset="spirals", hidden=(8, 8, 8), activation="relu", noise=0.15, seed=42)
    config = js_config(plane)
    text, back, bad, none, defaults = run_node([
        {"kind": "query", "config": config, "steps": 6600},
        {"kind": "query", "search": "?" + training_page.query(plane, 6600)},
        {"kind": "query", "search": "?dataset=moons&seed=-3&noise=9&hidden=8-99&activation=cosine&rate=0&batch=0&steps=x"},
        {"kind": "query", "search": "?highlight=word"},
        {"kind": "query", "search": "?dataset=xor&hidden=none"},
    ])
    assert text == training_page.query(plane, 6600)                # Python writes the same link as the page
    assert back == {"config": config, "steps": 6600}
    assert bad["config"] == js_config(classifier.Plane()) and bad["steps"] == 0
    assert none is None
    assert defaults["config"]["hidden"] == [] and defaults["config"]["dataset"] == "xor"


def test_settings_outside_the_ranges_are_refused_with_their_field():
    base = js_config(classifier.Plane())
    bad = [("dataset", "stars"), ("seed", -1), ("noise", 2), ("hidden", [9]), ("hidden", [1] * 5),
           ("activation", "softmax"), ("rate", 0), ("batch", 0), ("batch", 201)]
    results = run_node([{"kind": "validate", "config": {**base, k: v}} for k, v in bad])
    for (k, _), message in zip(bad, results):
        assert message.startswith(k + ":"), message
    for k, v in [("dataset", "stars"), ("seed", -1), ("noise", 2), ("hidden", (9,)), ("activation", "softmax"),
                 ("learning_rate", 0), ("batch_size", 0), ("batch_size", 201)]:
        with pytest.raises(bp.SpecError) as info:
            classifier.Plane(**{k: v})
        assert "\n" not in str(info.value) and str(info.value).split(":")[0] in (k, "samples")


def test_the_view_is_one_valid_es_module(tmp_path):
    code = esm("train_view.js")
    assert 'from "./' not in code and code.count("export default") == 1
    assert "class Run" in code and "function plane" in code and "function render" in code
    path = tmp_path / "bundle.mjs"
    path.write_text(code, encoding="utf-8")
    proc = subprocess.run([NODE or "node", "--check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
