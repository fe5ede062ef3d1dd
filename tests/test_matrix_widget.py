"""The matrix playground: its JavaScript (js/matrixform.js, run under Node) against
backprop_lib.matrix_form on random networks, and its Python class."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import matrix_form as mf
from backprop_lib.widgets._bundle import esm
from backprop_lib.widgets.matrices import MatrixPlayground

JS = Path(bp.__file__).parent / "widgets" / "js"
NODE = shutil.which("node")
TOLERANCE = 1e-12
FIELDS = ["W", "b", "out_prev", "net", "out", "fprime", "dE_dout", "delta", "outer"]
JS_FIELDS = {"out_prev": "outPrev", "dE_dout": "dEdout"}

RUNNER = """
import * as E from %s;
import * as M from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const plain = (a) => (a instanceof Float64Array ? Array.from(a) : Array.isArray(a) ? a.map(plain) : a);
const out = tasks.map((t) => {
  try {
    const net = E.fromSpec(t.spec);
    if (!M.supported(net)) return { unsupported: true };
    return { layers: M.layerArrays(net, t.sample).map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, plain(v)]))) };
  } catch (e) {
    return { error: String(e && e.stack || e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tasks):
    if NODE is None:
        pytest.fail("node is not installed: the widgets' tests need Node.js (v18 or later)")
    script = RUNNER % (json.dumps((JS / "engine.js").as_uri()), json.dumps((JS / "matrixform.js").as_uri()))
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps({"tasks": tasks}),
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
    activations = [str(rng.choice(["sigmoid", "tanh", "relu", "linear"])) for _ in range(depth)]
    if loss == "cross_entropy":
        activations[-1] = "sigmoid"
    if rng.random() < 0.1:
        activations[-1] = "softmax"
        loss = "half_sse"
    kinds = [str(rng.choice(["none", "shared", "each"])) for _ in range(depth)]
    samples = int(rng.integers(1, 4))
    return bp.Network(
        layers=layers, activations=activations,
        weights=[rng.uniform(-1.2, 1.2, (layers[k + 1], layers[k])).tolist() for k in range(depth)],
        biases=[None if kind == "none" else float(rng.uniform(-1, 1)) if kind == "shared"
                else rng.uniform(-1, 1, layers[k + 1]).tolist() for k, kind in enumerate(kinds)],
        loss=loss, inputs=rng.uniform(-1, 1, (samples, layers[0])).tolist(),
        targets=rng.uniform(0.05, 0.95, (samples, layers[-1])).tolist())


def test_the_browsers_matrices_agree_with_the_library():
    rng = np.random.default_rng(2024)
    nets = [bp.preset("2-2-2"), bp.preset("3-2-2"), bp.preset("2-2-1")] + [random_network(rng) for _ in range(300)]
    tasks, expected = [], []
    for net in nets:
        sample = int(rng.integers(0, net.samples))
        tasks.append({"spec": bp.to_spec(net), "sample": sample})
        try:
            expected.append(mf.layer_arrays(net, sample))
        except bp.SpecError:
            expected.append(None)
    results = run_node(tasks)
    compared = 0
    for net, want, got in zip(nets, expected, results):
        if want is None:
            assert got == {"unsupported": True}
            continue
        assert len(got["layers"]) == net.depth
        for l, (w, g) in enumerate(zip(want, got["layers"])):
            for field in FIELDS:
                a, b = np.asarray(w[field], dtype=float), np.asarray(g[JS_FIELDS.get(field, field)], dtype=float)
                assert a.shape == b.shape, (field, l)
                assert np.max(np.abs(a - b), initial=0.0) <= TOLERANCE, (field, l, bp.to_spec(net))
                compared += a.size
    assert compared > 10_000
    assert sum(r == {"unsupported": True} for r in results) >= 5      # softmax networks were tried


def test_the_view_is_one_module_with_its_imports():
    code = esm("matrices.js")
    assert "import " not in code.split("\n", 1)[0]
    assert "const E = (() =>" in code and "const M = (() =>" in code
    assert code.index("const E = (() =>") < code.index("const M = (() =>")
    assert "export default { render }" in code


def test_the_python_class():
    w = MatrixPlayground("2-2-2")
    assert "learning rate" not in w.values
    assert set(w.values) == {"w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2", "i1", "i2",
                             "target_o1", "target_o2"}
    assert w.network().forward().loss == bp.preset("2-2-2").forward().loss
    w.set_value("w5", 0.3)
    assert w.network()["w5"] == 0.3
    assert "bp-matrices" in w._esm and ".bp-cell.bp-lit" in w._css and ".bp-playground" in w._css
    assert repr(w).startswith("MatrixPlayground(2-2-2")


@pytest.mark.parametrize("make,says", [
    (lambda: MatrixPlayground(bp.preset("2-2-2").replace(inputs=[[0, 1], [1, 0]], targets=[[0, 1], [1, 0]])),
     "shows one sample; this network has 2"),
    (lambda: MatrixPlayground(bp.preset("2-2-2").replace(activations=["sigmoid", "softmax"])),
     r"activations\[1\]: softmax"),
    (lambda: MatrixPlayground("9-9-9"), "^9-9-9: unknown preset"),
    (lambda: MatrixPlayground("2-2-2").set_value("learning rate", 0.1), "no slider named"),
    (lambda: MatrixPlayground("2-2-2").set_value("w5", float("nan")), "finite"),
])
def test_bad_input_is_refused_in_one_line(make, says):
    with pytest.raises(bp.SpecError, match=says) as e:
        make()
    assert "\n" not in str(e.value)
