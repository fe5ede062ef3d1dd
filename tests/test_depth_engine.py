"""The deeper-networks playgrounds' JavaScript (``widgets/js/depth.js``) against the library
(:mod:`backprop_lib.depth`), run under Node: the same networks drawn from the same seeds,
the same gradient size per layer, the same training step by step, to 1e-12."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import depth as dp
from backprop_lib.widgets._bundle import esm

JS = Path(bp.__file__).parent / "widgets" / "js"
NODE = shutil.which("node")
TOLERANCE = 1e-12

RUNNER = """
import * as D from %s;
import * as E from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const out = tasks.map((t) => {
  try {
    if (t.kind === "depth") {
      const spec = D.depthSpec(t.state);
      const r = D.depthPlayground(t.state);
      return { spec, sizes: r.sizes, ratio: r.ratio, loss: r.loss };
    }
    if (t.kind === "symmetry") {
      const spec = D.symmetrySpec(t.base, t.state);
      const r = D.symmetryRun(t.base, t.state);
      return { spec, gaps: r.gaps, losses: r.losses, theta: Array.from(E.flat(r.net)) };
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
        pytest.fail("node is not installed: the playgrounds' engine tests need Node.js (v18 or later)")
    script = RUNNER % (json.dumps((JS / "depth.js").as_uri()), json.dumps((JS / "engine.js").as_uri()))
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps({"tasks": tasks}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    errors = [r["error"] for r in results if "error" in r]
    assert not errors, errors[0]
    return results


def close(a, b, rel=TOLERANCE):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(a - b) <= rel * np.maximum(1.0, np.abs(b)))), float(np.max(np.abs(a - b), initial=0))


def depth_states():
    rng = np.random.default_rng(13)
    states = [dp.depth_state(d, a, s, seed) for d in (1, 5, 10) for a in dp.ACTIVATIONS
              for s in (0.1, 1.0, 1.41, 4.0) for seed in (0, 3)]
    states += [dp.depth_state(int(rng.integers(1, 11)), str(rng.choice(dp.ACTIVATIONS)),
                              float(np.round(rng.uniform(0.1, 4.0), 2)), int(rng.integers(0, 10))) for _ in range(40)]
    return states


def symmetry_states():
    rng = np.random.default_rng(29)
    states = [dp.symmetry_state(start, steps=steps) for start in dp.STARTS for steps in (0, 1, 300)]
    for _ in range(18):
        w = np.round(rng.uniform(-1, 1, 4), 2)
        states.append(dp.symmetry_state(str(rng.choice(dp.STARTS)), *map(float, w), seed=int(rng.integers(0, 21)),
                                         steps=int(rng.integers(0, 4)) * 100))
    return states


def test_depth_playground_agrees_with_the_library():
    states = depth_states()
    results = run_node([{"kind": "depth", "state": s} for s in states])
    for state, js in zip(states, results):
        spec = dp.depth_spec(state)
        assert js["spec"]["weights"] == spec["weights"], state          # the same draws, bit for bit
        assert js["spec"]["inputs"] == spec["inputs"] and js["spec"]["targets"] == spec["targets"]
        assert js["spec"]["activations"] == spec["activations"] and js["spec"]["layers"] == spec["layers"]
        py = dp.depth_playground(state)
        assert len(js["sizes"]) == state["depth"] + 1
        ok, gap = close(np.array(js["sizes"]) / np.array(py["sizes"]), 1.0)
        assert ok, f"{state}: gradient sizes differ (relative {gap})"
        ok, gap = close(js["ratio"] / py["ratio"], 1.0)
        assert ok and close(js["loss"], py["loss"])[0], state


def test_depth_playground_shows_vanishing_and_exploding():
    """Not a tautology of the two implementations: the numbers behave as the chapter says.
    Sigmoid: every layer's gradient smaller than the one above (σ′ ≤ 1/4).  ReLU: the scale
    moves every layer's gradient together (ReLU is linear for positive inputs), from tiny to
    huge, level at He's scale √2."""
    vanish = dp.depth_playground(dp.depth_state(10, "sigmoid", 1.0, 0))
    assert vanish["ratio"] < 1e-5
    sizes = vanish["sizes"]
    assert all(a < b for a, b in zip(sizes, sizes[1:]))
    small, level, huge = (dp.depth_playground(dp.depth_state(10, "relu", s, 0))["sizes"] for s in (0.5, 1.4, 3.0))
    assert max(small) < 1e-4 and min(huge) > 1e5
    assert 0.1 < min(level) and max(level) < 10


def test_symmetry_playground_agrees_with_the_library():
    base = bp.to_spec(bp.preset("2-2-2"))
    states = symmetry_states()
    results = run_node([{"kind": "symmetry", "base": base, "state": s} for s in states])
    for state, js in zip(states, results):
        assert bp.parse(js["spec"]).flat().tolist() == bp.parse(dp.symmetry_spec(state)).flat().tolist(), state
        py = dp.symmetry_run(state)
        assert len(js["gaps"]) == state["steps"] + 1
        ok, gap = close(js["losses"], py["losses"])
        assert ok, f"{state}: losses differ by {gap}"
        ok, gap = close(js["gaps"], py["gaps"])
        assert ok, f"{state}: gaps differ by {gap}"
        ok, gap = close(js["theta"], py["net"].flat())
        assert ok, f"{state}: trained weights differ by {gap}"


def test_identical_hidden_neurons_stay_identical_and_others_do_not():
    equal = dp.symmetry_run(dp.symmetry_state("equal", 0.3, -0.2, 0.6, 0.1, steps=2000))
    assert equal["gaps"] == [0.0] * 2001                       # exactly, bit for bit
    assert equal["losses"][-1] < equal["losses"][0]            # it still learns, as one neuron twice
    net = equal["net"]
    assert net["w1"] == net["w3"] and net["w6"] == net["w5"] and net["w1"] != 0.3
    incoming = dp.symmetry_run(dp.symmetry_state("incoming", steps=300))
    assert incoming["gaps"][0] == abs(0.40 - 0.45) + abs(0.50 - 0.55)
    assert abs(incoming["net"]["w1"] - incoming["net"]["w3"]) > 0      # different outgoing weights split them
    random = dp.symmetry_run(dp.symmetry_state("random", seed=4, steps=100))
    assert random["gaps"][0] > 0 and random["gaps"][-1] > 0


def test_the_bundles_join_and_parse(tmp_path):
    """Each view joined with the modules it imports is one module that Node can parse."""
    if NODE is None:
        pytest.fail("node is not installed")
    for view in ("depth_view.js", "symmetry_view.js"):
        code = esm(view)
        assert "function depthSpec" in code and "function makeTrainer" in code and "export default" in code
        assert "import " not in code.split("export default")[0]
        path = tmp_path / f"{view}.mjs"
        path.write_text(code, encoding="utf-8")
        proc = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
