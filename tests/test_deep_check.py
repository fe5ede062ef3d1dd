"""``explain SPEC --check`` on deep and wide networks: it checks them or refuses in one line.

A width-1 tanh chain of depth 60 once ended in sympy's RecursionError (a traceback, exit 1),
because the whole-expression derivative was chosen whenever a network had few paths.  These
tests run the command line as a reader does (a fresh process) and assert the check's numbers;
how long it takes is measured by ``make bench``, not here.
"""
import json
import subprocess
import sys

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import checking
from backprop_lib.cli import symbolic_gradient


def chain_spec(depth, width=1, activation="tanh", biases=False, seed=0):
    rng = np.random.default_rng(seed)
    layers = [width] * (depth + 1)
    spec = {"layers": layers, "activations": [activation] * depth,
            "weights": [rng.uniform(0.5, 1.2, (width, width)).tolist() for _ in range(depth)],
            "inputs": rng.uniform(-1, 1, width).tolist(), "targets": [0.2] * width,
            "loss": "half_sse", "learning_rate": 0.1}
    if biases:
        spec["biases"] = rng.uniform(-0.2, 0.2, depth).tolist()
    return spec


def explain(tmp_path, spec, *options):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    return subprocess.run([sys.executable, "-m", "backprop_lib", "explain", str(path), *options],
                          capture_output=True, text=True, timeout=120)


def test_depth_60_tanh_of_width_1_is_checked_by_the_chain(tmp_path):
    spec = chain_spec(60)
    proc = explain(tmp_path, spec, "--check", "--format", "json", "--steps", "0")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    checks = json.loads(proc.stdout)["checks"]
    assert checks["symbolic_method"] == "chain"
    net = bp.parse(spec)
    scale = float(np.max(np.abs(net.gradient())))
    assert 0 < scale < 1                                 # tanh′ < 1 and weights ≤ 1.2: a small gradient
    assert checks["symbolic_max_abs_diff"] <= 1e-12 * scale
    assert checks["finite_difference_max_abs_diff"] <= 1e-6 * scale + 1e-10


def test_depth_60_text_report_names_the_method(tmp_path):
    proc = explain(tmp_path, chain_spec(60, biases=True, seed=3), "--check")
    assert proc.returncode == 0, proc.stderr
    [line] = [l for l in proc.stdout.splitlines() if l.startswith("check:")]
    assert line.startswith("check: sympy (chain) differs from backpropagation by at most")


def test_the_whole_expression_is_kept_for_the_documents_networks():
    for pid in bp.PRESETS:
        net = bp.preset(pid)
        assert checking.method(net) == "whole", pid
        gradient, method = symbolic_gradient(net)
        assert method == "whole" and bp.max_abs_diff(gradient, net.gradient()) < 1e-15


@pytest.mark.parametrize("depth", [4, 40, 60])
def test_deep_networks_take_the_chain_and_agree(depth):
    net = bp.parse(chain_spec(depth, biases=True, seed=depth))
    assert checking.method(net) == "chain"
    gradient, method = symbolic_gradient(net)
    assert method == "chain"
    assert bp.max_abs_diff(gradient, net.gradient()) <= 1e-14 * max(1.0, float(np.max(np.abs(net.gradient()))))


def test_the_chain_itself_has_no_depth_limit():
    """Depth 200 (beyond what the command line's finite differences take): layers of one shape
    share one derivation, and the chain agrees with backpropagation to the last bits."""
    net = bp.parse(chain_spec(200, width=2, biases=True, seed=7))
    gradient = bp.derive(net).chain_gradient(net)
    scale = float(np.max(np.abs(net.gradient())))
    assert scale > 0 and bp.max_abs_diff(gradient, net.gradient()) <= 1e-13 * scale


def test_whole_expression_of_a_depth_60_chain_is_what_overflowed():
    """The reason for the choice: sympy's whole E of the depth-60 chain does overflow Python's
    recursion (so the command line must never pick it there)."""
    net = bp.parse(chain_spec(60))
    with pytest.raises(RecursionError):
        bp.derive(net).whole_gradient(net)


def test_too_wide_a_network_is_refused_in_one_line(tmp_path):
    rng = np.random.default_rng(1)
    spec = {"layers": [30, 30], "activations": ["tanh"], "weights": [rng.uniform(-1, 1, (30, 30)).tolist()],
            "inputs": rng.uniform(-1, 1, 30).tolist(), "targets": rng.uniform(-1, 1, 30).tolist(),
            "loss": "half_sse", "learning_rate": 0.1}
    proc = explain(tmp_path, spec, "--check")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("backprop_lib: error: --check: layers of up to 30 neurons need 2,760 local "
                                  "derivatives from sympy; the check writes at most 2,000")
    without = explain(tmp_path, spec)                    # the worked example itself still works
    assert without.returncode == 0 and "∂E_total/∂w1_1_1" in without.stdout


def test_too_deep_a_network_is_refused_in_one_line(tmp_path):
    proc = explain(tmp_path, chain_spec(300), "--check")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("backprop_lib: error: --check: 300 parameters in 300 layers need 180,000 layer "
                           "evaluations for the finite differences; the check does at most 100,000 "
                           "(a smaller network, or leave out --check)\n")


def test_written_size_grows_with_the_paths():
    small, wide = bp.preset("2-2-2"), bp.parse(chain_spec(2, width=4))
    # an input is 1 symbol; a hidden net input 2·(1 + 2) + 2 = 8 (two weighted inputs and a bias);
    # an output's 2·(8 + 2) + 2 = 22; E two terms of 22 + 3
    assert checking.written_size(small) == 2 * (22 + 3)
    assert checking.written_size(wide) > 4 * checking.written_size(bp.parse(chain_spec(2, width=2)))
