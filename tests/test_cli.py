"""The command line: its worked examples, its JSON, and one clear line for every bad input."""
import copy
import json
import subprocess
import sys

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import presets
from backprop_lib.cli import main

SPEC = {
    "layers": [2, 3, 2],
    "activations": ["tanh", "softmax"],
    "weights": [[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], [[0.7, -0.8, 0.9], [0.2, 0.1, -0.3]]],
    "biases": [0.1, [0.05, -0.05]],
    "update_biases": True,
    "inputs": [[1.0, 2.0], [-0.5, 0.25]],
    "targets": [[0.3, 0.7], [0.9, 0.1]],
    "loss": "cross_entropy",
    "learning_rate": 0.2,
    "mode": "online",
    "names": {"u": ["weights", 0, 0, 0], "c": ["biases", 1, 0]},
}


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path, spec, name="net.json"):
    path = tmp_path / name
    path.write_text(spec if isinstance(spec, str) else json.dumps(spec))
    return str(path)


def test_presets_lists_the_three_documents(capsys):
    status, out, err = run(capsys, "presets")
    assert status == 0 and err == ""
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["2-2-2", "3-2-2", "2-2-1"]
    assert "A Step by Step Backpropagation Example" in lines[0] and "learning rate 0.5" in lines[0]


def test_explain_text_works_the_first_document_through(capsys):
    status, out, err = run(capsys, "explain", "2-2-2")
    assert status == 0 and err == ""
    assert "net_h1 = w1·i1 + w2·i2 + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.377500000" in out
    assert "out_o1 = 1/(1 + e^(−net_o1)) = 1/(1 + e^(−1.105905967)) = 0.751365070" in out
    assert "E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109" in out
    assert ("∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = "
            "0.741365070 · 0.186815602 · 0.593269992 = 0.082167041") in out
    assert "∂E_total/∂out_h1 = δ_o1·w5 + δ_o2·w7 = 0.138498562·0.4 + (-0.038098237)·0.5 = 0.036350306" in out
    assert "w5⁺ = w5 − η·∂E_total/∂w5 = 0.4 − 0.5·0.082167041 = 0.358916480" in out
    assert "b1⁺ = b1 = 0.35   (biases are not updated)" in out


def test_explain_uses_the_documents_precision(capsys):
    _, out, _ = run(capsys, "explain", "3-2-2")
    assert "∂E_total/∂w7 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w7 = 0.7896 · 0.0983 · 0.9866 = 0.0765" in out
    assert "b2⁺ = b2 − η·∂E_total/∂b2 = 0.5 − 0.01·0.1975 = 0.4980" in out


def test_explain_markdown_is_latex(capsys):
    status, out, _ = run(capsys, "explain", "2-2-1", "--format", "markdown")
    assert status == 0
    assert out.startswith("# Backpropagation Step by Step")
    assert (r"\mathrm{net}_{h1} = w_{1} \cdot i_{1} + w_{2} \cdot i_{2} = 0.11 \cdot 2 + 0.21 \cdot 3 = 0.850"
            in out)
    assert r"\mathrm{out}_{h1} = \mathrm{net}_{h1} = 0.850" + "\n" in out     # said once, not "= 0.850 = 0.850"
    assert out.count("$$") % 2 == 0 and out.count("$$") >= 40


@pytest.mark.parametrize("preset", ["2-2-1", "2-2-2", "3-2-2"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_explain_says_nothing_twice(capsys, preset, fmt):
    """No equality repeats a number: "out_h1 = net_h1 = 0.850 = 0.850" and "E_total =
    E_prediction = 0.327 = 0.327" become "… = 0.850" and "… = 0.327"."""
    import re
    _, out, _ = run(capsys, "explain", preset, "--format", fmt)
    number = re.compile(r"^\(?-?\d+(\.\d+)?\)?$")
    lines = [line for line in out.splitlines() if " = " in line]
    assert len(lines) > 20
    for line in lines:
        parts = [p.strip() for p in line.split("   (")[0].replace(r" \quad", "   (").split("   (")[0].split(" = ")]
        for a, b in zip(parts, parts[1:]):
            assert a != b, line
            if number.match(a) and number.match(b):
                assert float(a.strip("()")) != float(b.strip("()")), line
    if preset == "2-2-1" and fmt == "text":
        assert "  out_h1 = net_h1 = 0.850\n" in out
        assert "  E_total = E_prediction = 0.327\n" in out
        assert "  ∂out_h1/∂net_h1 = 1\n" in out


def test_chain_keeps_the_first_way_of_writing_a_number():
    from backprop_lib.explain import chain
    assert chain(["out_h1", "net_h1", "0.850", "0.850"]) == ["out_h1", "net_h1", "0.850"]
    assert chain(["b1⁺", "b1", "0.35", "0.350000000"]) == ["b1⁺", "b1", "0.35"]
    assert chain(["x", "(-0.5)", "−0.500"]) == ["x", "(-0.5)"]
    assert chain(["y", "0.1·2", "0.2"]) == ["y", "0.1·2", "0.2"]          # a product, then its value
    assert chain(["z", "0.333", "0.334"]) == ["z", "0.333", "0.334"]      # different numbers stay


def test_explain_several_samples_and_softmax(capsys, tmp_path):
    status, out, err = run(capsys, "explain", write(tmp_path, SPEC), "--steps", "3", "--check")
    assert status == 0 and err == ""
    assert "Forward pass — sample 1 of 2 (i1 = 1, i2 = 2, target_o1 = 0.3, target_o2 = 0.7)" in out
    assert "Update after sample 2" in out
    net = bp.parse(SPEC)
    history, after = net.train(3)
    assert f"after 3 steps (online): E = {history[-1]:.9f}" in out
    assert "check: sympy (whole)" in out


def test_json_report_holds_every_number(capsys, tmp_path):
    status, out, err = run(capsys, "explain", write(tmp_path, SPEC), "--format", "json", "--steps", "4", "--check")
    assert status == 0 and err == ""
    report = json.loads(out)
    net = bp.parse(SPEC)
    trace, grads = net.forward(), net.backward()
    assert report["loss"] == trace.loss
    assert report["forward"][0]["net"] == trace.net[1].tolist()
    assert report["forward"][1]["out"] == trace.out[2].tolist()
    assert report["gradients"]["weights"][1] == grads.weights[1].tolist()
    assert report["gradients"]["biases"][0] == grads.biases[0]            # shared: one number
    assert report["gradients"]["biases"][1] == grads.biases[1].tolist()   # per neuron: a list
    assert report["named_gradients"]["u"] == grads.weights[0][0, 0]
    assert report["named_gradients"]["c"] == grads.biases[1][0]
    history, after = net.train(4)
    assert report["history"] == history and len(history) == 5
    assert report["after"]["loss"] == history[-1]
    assert report["after"]["weights"][0] == after.weights[0].tolist()
    assert report["after"]["outputs"] == after.forward().outputs.tolist()
    assert report["checks"]["symbolic_max_abs_diff"] < 1e-12
    assert report["checks"]["finite_difference_max_abs_diff"] < 1e-7


def test_json_for_a_preset_has_its_names_and_no_check_unless_asked(capsys):
    _, out, _ = run(capsys, "explain", "2-2-2", "--format", "json", "--steps", "10000")
    report = json.loads(out)
    assert set(report["named_gradients"]) == {"w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2"}
    assert report["gradients"]["biases"] == [pytest.approx(0.018725609, abs=5e-10), pytest.approx(0.100400325, abs=5e-10)]
    assert "checks" not in report and len(report["history"]) == 10001
    assert report["after"]["biases"] == [0.35, 0.6]


def test_json_without_names_has_no_named_gradients(capsys, tmp_path):
    spec = {k: v for k, v in SPEC.items() if k != "names"}
    _, out, _ = run(capsys, "explain", write(tmp_path, spec), "--format", "json", "--steps", "0")
    report = json.loads(out)
    assert "named_gradients" not in report and len(report["history"]) == 1


def mutate(**changes):
    spec = copy.deepcopy(SPEC)
    for key, value in changes.items():
        if value is KeyError:
            del spec[key]
        else:
            spec[key] = value
    return spec


BAD = [
    ("malformed JSON", '{"layers": [2, 2], ', "not valid JSON"),
    ("not an object", "[1, 2]", "spec: must be a JSON object"),
    ("missing field", mutate(loss=KeyError), "loss: missing"),
    ("unknown field", mutate(learnig_rate=0.1), "learnig_rate: unknown field"),
    ("one layer", mutate(layers=[2]), "layers: needs at least two sizes"),
    ("zero-size layer", mutate(layers=[2, 0, 2]), "layers[1]: must be a whole number ≥ 1"),
    ("activation count", mutate(activations=["tanh"]), "activations: expected 2 activations"),
    ("unknown activation", mutate(activations=["sigmod", "softmax"]), 'activations[0]: unknown activation "sigmod"'),
    ("softmax not last", mutate(activations=["softmax", "softmax"]), "activations[0]: softmax is allowed on the last layer only"),
    ("weights rows", mutate(weights=[[[0.1, 0.2]], SPEC["weights"][1]]), "weights[0]: expected 3 rows"),
    ("weights columns", mutate(weights=[SPEC["weights"][0], [[0.7, 0.8], [0.2, 0.1, 0.3]]]), "weights[1][0]: expected 3 numbers"),
    ("non-numeric weight", mutate(weights=[[[0.1, "x"], [0.3, 0.4], [0.5, 0.6]], SPEC["weights"][1]]), 'weights[0][0][1]: must be a number, got "x"'),
    ("boolean weight", mutate(weights=[[[0.1, True], [0.3, 0.4], [0.5, 0.6]], SPEC["weights"][1]]), "weights[0][0][1]: must be a number, got true"),
    ("NaN literal", json.dumps(SPEC).replace('"learning_rate": 0.2', '"learning_rate": NaN'), "NaN is not a number JSON allows"),
    ("infinite number", json.dumps(SPEC).replace('"learning_rate": 0.2', '"learning_rate": 1e999'), "learning_rate: must be a finite number"),
    ("rate zero", mutate(learning_rate=0), "learning_rate: must be greater than 0"),
    ("rate negative", mutate(learning_rate=-0.5), "learning_rate: must be greater than 0"),
    ("bias list size", mutate(biases=[0.1, [0.05]]), "biases[1]: expected 2 numbers"),
    ("bias count", mutate(biases=[0.1]), "biases: expected 2 entries"),
    ("input size", mutate(inputs=[[1.0, 2.0, 3.0], [0.5, 0.25]]), "inputs[0]: expected 2 numbers (one per input)"),
    ("target size", mutate(targets=[0.3]), "targets: expected 2 numbers (one per output)"),
    ("sample counts", mutate(targets=[[0.3, 0.7]]), "targets: 1 sample(s) for 2 sample(s) of inputs"),
    ("mixed samples", mutate(inputs=[1.0, [2.0, 3.0]]), "inputs: must be one sample (a list of numbers) or a list of samples"),
    ("unknown loss", mutate(loss="mse"), 'loss: unknown loss "mse"'),
    ("log of a tanh", mutate(activations=["tanh", "tanh"]), "loss: cross_entropy takes log(out)"),
    ("mode", mutate(mode="stochastic"), 'mode: must be "batch", "online" or "minibatch"'),
    ("batch_size missing", mutate(mode="minibatch"), "batch_size: missing"),
    ("batch_size zero", mutate(mode="minibatch", batch_size=0), "batch_size: must be a whole number ≥ 1"),
    ("batch_size in batch mode", mutate(mode="batch", batch_size=2), 'batch_size: only with mode "minibatch"'),
    ("shuffle_seed", mutate(shuffle_seed=-1), "shuffle_seed: must be a whole number from 0"),
    ("bad name location", mutate(names={"u": ["weights", 0, 5, 0]}), 'names.u: no weight at ["weights", 0, 5, 0]'),
    ("shared-bias name on a list", mutate(names={"c": ["biases", 1]}), "names.c: layer 1 has no shared bias"),
    ("update_biases type", mutate(update_biases="yes"), "update_biases: must be true or false"),
]


@pytest.mark.parametrize("label,spec,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_the_field(capsys, tmp_path, label, spec, message):
    status, out, err = run(capsys, "explain", write(tmp_path, spec))
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("backprop_lib: error: ")
    assert message in lines[0]


@pytest.mark.parametrize("argv,message", [
    (["explain", "no/such/file.json"], "no/such/file.json: no such file"),
    (["explain", "2-2-3"], "2-2-3: unknown preset and no such file (presets: 2-2-2, 3-2-2, 2-2-1)"),
    (["explain", "2-2-2", "--steps", "-1"], "--steps: must be 0 or more"),
    (["explain", "2-2-2", "--steps", "many"], "argument --steps: invalid int value: 'many'"),
    (["explain", "2-2-2", "--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: command"),
])
def test_bad_arguments_are_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err


def test_divergence_is_one_line(capsys, tmp_path):
    spec = json.loads(json.dumps(presets.info("2-2-1")["spec"]))
    spec["learning_rate"] = 5.0
    status, _, err = run(capsys, "explain", write(tmp_path, spec), "--steps", "5000")
    assert status == 2 and len(err.splitlines()) == 1
    assert "training diverged: the loss became inf" in err


def test_the_process_itself_prints_no_traceback(tmp_path):
    bad = write(tmp_path, '{"layers": [2, 2], "activations": ["sigmoid"], ')
    done = subprocess.run([sys.executable, "-m", "backprop_lib", "explain", bad], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "backprop_lib", "explain", "2-2-1", "--format", "json"],
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert json.loads(done.stdout)["after"]["loss"] < json.loads(done.stdout)["loss"]


def test_spec_round_trips():
    net = bp.parse(SPEC)
    again = bp.parse(bp.to_spec(net))
    assert np.array_equal(again.flat(), net.flat())
    assert [p.name for p in again.parameters()] == [p.name for p in net.parameters()]
    assert again.forward().loss == net.forward().loss


# ---------------------------------------------------------------------------- start-up and progress
def _in_a_terminal(argv, columns=None):
    """Run the command line with stderr on a pseudo-terminal (stdout on a pipe), as a reader's
    shell would; ``columns=None`` leaves the terminal's size unset (0 × 0), as some do.
    Returns (status, stdout, what the terminal showed)."""
    import fcntl
    import os
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    shown = []

    def read():
        try:
            while chunk := os.read(master, 65536):
                shown.append(chunk)
        except OSError:           # the terminal closes when the process ends
            pass
    reader = threading.Thread(target=read)
    reader.start()
    try:
        done = subprocess.run([sys.executable, "-m", "backprop_lib", *argv], stdout=subprocess.PIPE,
                              stderr=slave, timeout=120)
    finally:
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    return done.returncode, done.stdout.decode(), b"".join(shown).decode("utf-8", "replace")


@pytest.mark.parametrize("columns", [100, None])
def test_a_long_run_shows_progress_on_a_terminal_and_nothing_more_on_stdout(columns):
    status, out, shown = _in_a_terminal(["explain", "2-2-2", "--steps", "200000", "--format", "json"], columns)
    assert status == 0
    frames = [f for f in shown.split("\r") if f.startswith("training:")]
    percents = [int(f.split(":")[1].split("%")[0]) for f in frames]
    assert len(frames) >= 2 and percents[0] == 0 and percents == sorted(percents), shown[:300]
    assert "200k" in frames[0]
    report = json.loads(out)                        # stdout is the report alone
    direct = bp.preset("2-2-2").train(200000)[0]
    assert len(report["history"]) == 200001 and report["history"][-1] == direct[-1]


def test_a_short_run_or_a_pipe_shows_no_progress(capfd):
    status, out, shown = _in_a_terminal(["explain", "2-2-2", "--steps", "99999", "--format", "json"], 100)
    assert status == 0 and "training" not in shown and json.loads(out)["history"]
    done = subprocess.run([sys.executable, "-m", "backprop_lib", "explain", "2-2-2", "--steps", "100000"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    assert "after 100000 steps (online): E = " in done.stdout


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_training_in_chunks_for_progress_gives_the_same_numbers(engine):
    net = bp.preset("3-2-2").replace(mode="batch", inputs=[[0.1, 0.2, 0.7], [0.5, -0.3, 0.2]],
                                     targets=[[1.0, 0.0], [0.0, 1.0]])
    calls = []
    plain, plain_net = net.train(537, engine)
    chunked, chunked_net = net.train(537, engine, progress=calls.append)
    assert chunked == plain and chunked_net.flat().tolist() == plain_net.flat().tolist()
    assert sum(calls) == 537 and 50 <= len(calls) <= 100


@pytest.mark.parametrize("argv", [["presets"], ["explain", "2-2-2", "--format", "json"],
                                  ["explain", "3-2-2", "--steps", "3"]])
def test_the_command_line_does_not_import_sympy_matplotlib_or_widgets(argv):
    code = ("import sys, runpy; sys.argv = ['backprop_lib', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('backprop_lib', run_name='__main__')\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sympy', 'matplotlib', 'ipywidgets', 'anywidget', 'IPython', 'myst_nb'))\n"
            "print('HEAVY', heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the command printed nothing"
    assert "HEAVY []" in done.stderr, done.stderr.splitlines()[-1]


def test_check_still_derives_with_sympy(capsys):
    status, out, err = run(capsys, "explain", "2-2-2", "--check", "--format", "json")
    checks = json.loads(out)["checks"]
    assert status == 0 and checks["symbolic_method"] == "whole" and checks["symbolic_max_abs_diff"] < 1e-15
    assert bp.derive is bp.symbolic.derive
