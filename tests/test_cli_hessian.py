"""``explain --hessian``: the Hessian over the trainable parameters in text, Markdown and
JSON, its checks, and one clear line where it does not apply."""
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings

import backprop_lib as bp
from backprop_lib import hessian as hs
from backprop_lib.cli import main, report

from strategies import away_from_kinks, networks


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_json_gives_the_first_documents_8_by_8_matrix_at_full_precision(capsys):
    status, out, err = run(capsys, "explain", "2-2-2", "--hessian", "--format", "json")
    assert status == 0 and err == ""
    report = json.loads(out)
    assert report["hessian"]["names"] == ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]
    matrix = np.array(report["hessian"]["matrix"])
    assert matrix.shape == (8, 8) and np.array_equal(matrix, matrix.T)
    assert np.array_equal(matrix, hs.hessian(bp.preset("2-2-2")))          # every bit survives JSON
    assert report["hessian"]["matrix"][4][4] == -0.0122229541891884
    assert "checks" not in report


def test_json_check_reports_sympy_and_finite_differences(capsys):
    status, out, _ = run(capsys, "explain", "2-2-2", "--hessian", "--check", "--format", "json", "--steps", "0")
    checks = json.loads(out)["checks"]
    assert checks["hessian_symbolic_method"] == "whole"
    assert 0 <= checks["hessian_symbolic_max_abs_diff"] < 1e-15
    assert 0 < checks["hessian_finite_difference_max_abs_diff"] < 1e-9
    assert checks["symbolic_max_abs_diff"] < 1e-15                     # the gradient's checks stay


def test_text_and_markdown_tables_name_the_parameters(capsys):
    status, out, _ = run(capsys, "explain", "2-2-2", "--hessian", "--check", "--steps", "0")
    assert status == 0
    table = out[out.index("Hessian: ∂²E_total/∂p∂q"):].splitlines()
    assert table[2].split() == ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]
    assert table[7].split() == ["w5", "0.001571561", "0.003143122", "-0.000111539", "-0.000223078",
                                "-0.012222954", "-0.012297420", "0.000000000", "0.000000000"]
    assert "check: sympy (whole) differs from the second-order backward pass by at most" in out
    status, out, _ = run(capsys, "explain", "2-2-2", "--hessian", "--format", "markdown", "--steps", "0")
    assert "| $p$ \\ $q$ | $w_{1}$ | $w_{2}$ |" in out
    assert "| $w_{7}$ | -0.000274985 | -0.000549970 | 0.000202560 | 0.000405121 | 0.000000000 | 0.000000000 | " \
           "0.018161603 | 0.018272249 |" in out


def test_trainable_biases_join_in_the_networks_order(tmp_path, capsys):
    spec = bp.to_spec(bp.preset("2-2-2"))
    spec["update_biases"] = True
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    _, out, _ = run(capsys, "explain", str(path), "--hessian", "--format", "json", "--steps", "0")
    names = json.loads(out)["hessian"]["names"]
    assert names == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2"]


def test_too_large_for_sympy_says_so(tmp_path, capsys):
    rng = np.random.default_rng(3)
    net = bp.Network(layers=[4, 5, 5, 3], activations=["tanh", "tanh", "sigmoid"],
                     weights=[rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, (5, 5)), rng.uniform(-1, 1, (3, 5))],
                     inputs=rng.uniform(-1, 1, (2, 4)), targets=rng.uniform(0, 1, (2, 3)))
    path = tmp_path / "big.json"
    path.write_text(json.dumps(bp.to_spec(net)))
    _, out, _ = run(capsys, "explain", str(path), "--hessian", "--check", "--format", "json", "--steps", "0")
    report = json.loads(out)
    assert np.array(report["hessian"]["matrix"]).shape == (60, 60)
    assert report["checks"]["hessian_symbolic_max_abs_diff"] is None
    assert report["checks"]["hessian_symbolic_method"] == "too large for sympy's whole expression"
    assert report["checks"]["hessian_finite_difference_max_abs_diff"] < 1e-8
    _, out, _ = run(capsys, "explain", str(path), "--hessian", "--check", "--steps", "0")
    assert "check: sympy: not compared (too large for sympy's whole expression); finite differences" in out


def test_convolution_specs_are_refused_in_one_line(tmp_path, capsys):
    from backprop_lib import conv
    path = tmp_path / "conv.json"
    path.write_text(json.dumps(conv.EXAMPLE))
    for fmt in ("text", "json"):
        status, out, err = run(capsys, "explain", str(path), "--hessian", "--format", fmt)
        assert status == 2 and out == ""
        assert err == "backprop_lib: error: --hessian: works for dense networks only; " \
                      "this spec has convolution or pooling layers\n"


def test_the_installed_command(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "backprop_lib", "explain", "2-2-1", "--hessian", "--format", "json",
                           "--steps", "0"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["hessian"]["names"] == ["w1", "w2", "w3", "w4", "w5", "w6"]
    assert report["hessian"]["matrix"][0][0] == pytest.approx(0.0784, rel=1e-12)     # (w5·i1)² with r-term 0


@settings(max_examples=40)
@given(networks(max_depth=3, max_size=4, max_samples=3))
def test_random_dense_specs_agree_with_finite_differences_of_gradients(net):
    """The JSON's matrix on random dense specs: within 1e-6 of the finite difference of the
    backpropagated gradient, relative to the matrix's largest entry."""
    assume(away_from_kinks(net, margin=1e-2))
    result = report(bp.parse(bp.to_spec(net)), 0, False, hessian=True)
    H = np.array(result["hessian"]["matrix"]).reshape(len(result["hessian"]["names"]), -1)
    assume(H.size and np.max(np.abs(H)) > 1e-8)
    json.dumps(result, allow_nan=False)
    gap = np.max(np.abs(hs.finite_difference_hessian(net) - H)) / np.max(np.abs(H))
    assert gap < 1e-6
