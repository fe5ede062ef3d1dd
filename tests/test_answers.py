"""The answer box judges as a teacher would, in Python and in the browser's engine alike.

* Rounding-aware: an answer is right when it is the exact value rounded to the digits typed,
  from 3 significant figures up (the issue's own cases: 0.0827 and 0.08267 pass for
  ∂E/∂w6 = 0.082667628, 0.0828 does not); an author's tolerance stays as it was.
* Each recognised slip is made here by hand, on fresh random networks, independently of the
  judging code, and typed to a few significant figures: Python's ``check_answer`` and the
  JavaScript ``judge`` (run under Node) must both name it.
* Python and JavaScript give the same verdict on thousands of typed answers.
* The working the box shows after two wrong tries: every step's number equals the library's
  value of the quantity it names, and the last step is the answer, on random networks.
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
from backprop_lib.widgets import AnswerBox, check
from backprop_lib.widgets import answers
from backprop_lib.widgets.answers import check_answer, tolerance_spec

from test_widget_engine import random_network

JS = Path(bp.__file__).parent / "widgets" / "js"
NODE = shutil.which("node")
DEFAULT = tolerance_spec(None)

RUNNER = """
import * as E from %s;
import * as J from %s;
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const out = tasks.map((t) => {
  try {
    const net = E.fromSpec(t.spec);
    const cache = {};
    if (t.kind === "judge") return t.answers.map((a) => {
      const r = J.judge(net, t.key, a, t.tolerance, t.ask || "number", cache);
      return [r.right, r.code, r.exact, r.allowed, r.figures, J.verdict(net, t.key, r, t.hints, "", t.ask || "number")];
    });
    if (t.kind === "mistakes") return J.mistakes(net, t.key);
    if (t.kind === "working") return t.keys.map((k) => J.working(net, k));
    if (t.kind === "choice") return t.keys.map((k) => J.correctChoice(net, k, t.ask));
    if (t.kind === "precision") return t.answers.map((a) => J.typedPrecision(a));
    throw new Error("unknown task " + t.kind);
  } catch (e) {
    return { error: String(e && e.stack || e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tasks):
    if NODE is None:
        pytest.fail("node is not installed: the answer tests need Node.js (v18 or later)")
    script = RUNNER % (json.dumps((JS / "engine.js").as_uri()), json.dumps((JS / "judge.js").as_uri()))
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps({"tasks": tasks}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors[0]
    return results


def judge_both(net, key, typed, tol=DEFAULT, ask="number"):
    """(Python's judgements, JavaScript's) for several typed answers."""
    cache = {}
    py = [check_answer(net, key, a, tol, ask, cache) for a in typed]
    (js,) = run_node([{"kind": "judge", "spec": bp.to_spec(net), "key": key, "answers": typed,
                       "tolerance": tol, "ask": ask, "hints": answers.HINTS}])
    return py, js


def figures(x, n):
    """x typed to n significant figures, as a reader would write it."""
    return f"{x:#.{n}g}" if abs(x) >= 1e-4 else f"{x:.{n - 1}e}"


# ------------------------------------------------------------------ the cases
def test_a_hand_calculation_right_to_its_digits_passes(capsys):
    net = bp.preset("2-2-2")
    exact = bp.value(net, "dE/dw6")
    assert net.fmt(exact) == "0.082667628"
    assert check(net, "dE/dw6", "0.0827") is True
    assert capsys.readouterr().out.strip() == \
        "Right to 3 significant figures; the exact value is 0.082667628."
    assert check(net, "dE/dw6", "0.08267") is True
    assert "Right to 4 significant figures" in capsys.readouterr().out
    assert check(net, "dE/dw6", 0.0827) is True                       # a float reads as its shortest text
    capsys.readouterr()
    for wrong in ("0.0828", "0.08266", "0.0826"):
        assert check(net, "dE/dw6", wrong) is False, wrong
        assert "Not yet" in capsys.readouterr().out
    assert check(net, "dE/dw6", "0.083") is False                      # 2 figures
    assert "give at least 3 significant figures" in capsys.readouterr().out
    assert check(net, "dE/dw6", "0.44251") is False                    # σ′ left out
    assert "the activation's slope is missing" in capsys.readouterr().out
    assert check(net, "dE/dw6", "-0.082667628") is False
    assert "the sign is flipped" in capsys.readouterr().out
    assert check(net, "dE/dw6", "0.082667628") is True
    assert capsys.readouterr().out.strip() == "Right: 0.082667628."
    # and the browser says the same, word for word
    typed = ["0.0827", "0.08267", "0.0828", "0.083", "0.44251", "-0.082667628", "0.082667628", "8.27e-2",
             "−0,0827", "0.0827 ", "zero", ""]
    py, js = judge_both(net, "dE/dw6", typed)
    for answer, p, j in zip(typed, py, js):
        assert [p.right, p.code, p.figures] == [j[0], j[1], j[4]], answer
        assert answers.verdict(p, "", net) == j[5], answer
    assert [j[1] for j in js[:6]] == [None, None, "last_digit", "few_digits", "sigma_missing", "sign"]


def test_typed_precision_counts_figures_as_a_teacher_does():
    cases = {"0.0827": (3, 1e-4), "0.08270": (4, 1e-5), "8.27e-2": (3, 1e-4), "120": (3, 1.0),
             "-1.50": (3, 1e-2), "0.000": (0, 1e-3), "5": (1, 1.0), "1e-3": (1, 1e-3), ".5": (1, 0.1),
             "−0,125": (3, 1e-3), "3.": (1, 1.0)}
    for text, (n, unit) in cases.items():
        got = answers.typed_precision(text)
        assert got[0] == n and math.isclose(got[1], unit, rel_tol=1e-12), (text, got)
    assert answers.typed_precision("1.2.3") is None and answers.typed_precision("e5") is None
    (js,) = run_node([{"kind": "precision", "spec": bp.to_spec(bp.preset("2-2-1")), "answers": list(cases)}])
    assert [tuple(r) for r in js] == [answers.typed_precision(t) for t in cases]


def test_too_few_digits_to_tell_the_update_from_no_update():
    net = bp.preset("3-2-2")                       # η = 0.01: b1 barely moves
    b1_plus = bp.value(net, "b1+")
    assert f"{b1_plus:.3g}" == f"{net['b1']:.3g}"
    typed = [f"{b1_plus:.3f}", f"{b1_plus:.9f}"]
    py, js = judge_both(net, "b1+", typed)
    assert [p.code for p in py] == ["more_digits", None] and py[1].right
    assert [j[1] for j in js] == ["more_digits", None]


def test_an_authors_tolerance_is_kept(capsys):
    net = bp.preset("2-2-2")
    g5 = bp.value(net, "dE/dw5")
    assert check(net, "dE/dw5", g5 + 0.004, tolerance=0.005) is True
    assert check(net, "dE/dw5", g5 * 1.009, tolerance="1%") is True
    assert check(net, "dE/dw5", g5 * 1.02, tolerance="1%") is False
    assert check(net, "dE/dw5", "0.08", tolerance=0.005) is True       # no figure count under an author's rule
    capsys.readouterr()
    assert check(net, "w5+", bp.value(net, "w5+") + 0.4 * 0.5 * g5 * 1e-4, tolerance="0.01%") is True
    fresh = variants.draw(net, 3)
    assert check(net, "dE/dw5", bp.value(fresh, "dE/dw5"), variant=3) is True
    assert check(net, "dE/dw5", bp.value(fresh, "dE/dw5"), variant=0) is False


# ------------------------------------------------------------------ slips made by hand
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def one_hidden_layer(rng, n_in=2, hidden=2, n_out=2, samples=1):
    """A fresh sigmoid network with one hidden layer and shared biases, numbers as the
    documents choose them."""
    two = lambda *shape: np.round(rng.uniform(0.05, 0.95, shape), 2)     # noqa: E731
    W1, W2 = two(hidden, n_in), two(n_out, hidden)
    b1, b2 = float(two()), float(two())
    x, t = np.round(rng.uniform(0.01, 0.99, (samples, n_in)), 2), np.round(rng.uniform(0.01, 0.99, (samples, n_out)), 2)
    net = bp.Network(layers=[n_in, hidden, n_out], activations=["sigmoid", "sigmoid"], weights=[W1, W2],
                     biases=[b1, b2], inputs=x, targets=t, learning_rate=float(rng.choice([0.1, 0.5])),
                     mode="batch", loss="half_sse")
    return net, W1, W2, b1, b2, x[0], t[0]


def hand_pass(W1, W2, b1, b2, x, t):
    h = _sigmoid(W1 @ x + b1)
    o = _sigmoid(W2 @ h + b2)
    d_o = (o - t) * o * (1 - o)
    d_h = (W2.T @ d_o) * h * (1 - h)
    return h, o, d_o, d_h


def name_of(net, location):
    return next(p.name for p in net.parameters() if p.location == location)


def hand_slips(rng):
    """One network and, for each slip, (key, the slip's value, the code it must get)."""
    net, W1, W2, b1, b2, x, t = one_hidden_layer(rng, n_in=int(rng.integers(2, 4)))
    h, o, d_o, d_h = hand_pass(W1, W2, b1, b2, x, t)
    rate = net.learning_rate
    w6, w1 = name_of(net, ("weights", 1, 0, 1)), name_of(net, ("weights", 0, 0, 0))
    slips = [
        # ∂E/∂w6 without σ′ (the 0.44251)
        (f"dE/d{w6}", (o[0] - t[0]) * h[1], "sigma_missing"),
        # σ′ as net·(1 − net)
        (f"dE/d{w6}", (o[0] - t[0]) * (W2 @ h + b2)[0] * (1 - (W2 @ h + b2)[0]) * h[1], "sigma_net"),
        # the other hidden output on the last factor (∂net_o1/∂w6 is out_h2, not out_h1)
        (f"dE/d{w6}", d_o[0] * h[0], "wrong_input"),
        # ∂E/∂w1 through the updated output weights (the first document's own trap)
        (f"dE/d{w1}", ((W2 - rate * np.outer(d_o, h)).T @ d_o)[0] * h[0] * (1 - h[0]) * x[0], "updated_weights"),
        # ∂E/∂w1 with one output's error only
        (f"dE/d{w1}", d_o[0] * W2[0, 0] * h[0] * (1 - h[0]) * x[0], "one_path"),
        # the shared bias's gradient from one neuron
        ("dE/db1", d_h[0], "bias_one_neuron"),
        # the second document's formula: one path per hidden neuron
        ("dE/db1", d_o[0] * W2[0, 0] * h[0] * (1 - h[0]) + d_o[1] * W2[1, 1] * h[1] * (1 - h[1]), "missing_paths"),
        # a reader of the first document: w6 in place of w7 in ∂E_o2/∂out_h1
        ("dE:o2/dout:h1", d_o[1] * W2[0, 1], "wrong_weight"),
        # the updated weight with σ′ left out, and added instead of subtracted
        (f"{w6}+", W2[0, 1] - rate * (o[0] - t[0]) * h[1], "sigma_missing"),
        (f"{w6}+", W2[0, 1] + rate * d_o[0] * h[1], "added"),
        (f"{w1}+", W1[0, 0] - rate * d_h[0] * x[1], "wrong_input") if len(x) > 1 else None,
        ("dE/dout:h1", -(W2.T @ d_o)[0], "sign"),
        ("dE/dout:h1", d_o[1] * W2[1, 0], "one_path"),
        ("dE/dout:h1", 2 * (W2.T @ d_o)[0], "factor2"),
    ]
    # the hand computations are right where they should be
    assert math.isclose(bp.value(net, f"dE/d{w6}"), d_o[0] * h[1], rel_tol=1e-12)
    assert math.isclose(bp.value(net, "dE/db1"), d_h.sum(), rel_tol=1e-12)
    return net, [s for s in slips if s is not None]


def test_each_recognised_slip_on_fresh_random_networks():
    rng = np.random.default_rng(17)
    tasks, cases = [], []
    for _ in range(40):
        net, slips = hand_slips(rng)
        for key, v, code in slips:
            exact = bp.value(net, key)
            typed = [figures(v, n) for n in (4, 6)]
            unit = 10.0 ** (math.floor(math.log10(abs(v))) - 3) if v else 1.0
            if abs(v - exact) <= 3 * unit:
                continue                       # not a slip at that precision here: nothing to recognise
            cases.append((net, key, typed, code))
            tasks.append({"kind": "judge", "spec": bp.to_spec(net), "key": key, "answers": typed,
                          "tolerance": DEFAULT, "hints": answers.HINTS})
    results = run_node(tasks)
    seen, ambiguous = {}, 0
    for (net, key, typed, code), js in zip(cases, results):
        cache = {}
        for answer, j in zip(typed, js):
            _, unit = answers.typed_precision(answer)
            same = [c for c, v in answers._slips(net, key, cache) if abs(float(answer) - v) <= 0.5 * unit]
            if same and same[0] != code:
                ambiguous += 1             # two slips give the same number here: either hint is fair
                continue
            p = check_answer(net, key, answer, DEFAULT, cache=cache)
            assert (p.right, p.code) == (False, code), (key, answer, p, net.flat().tolist())
            assert (j[0], j[1]) == (False, code), (key, answer, j)
            assert answers.HINTS[code] in answers.verdict(p, "", net)
            # the hint never gives the answer
            assert net.fmt(p.exact)[:6] not in answers.HINTS[code]
        seen[code] = seen.get(code, 0) + 1
    expected = {"sigma_missing", "sigma_net", "wrong_input", "updated_weights", "one_path", "bias_one_neuron",
                "missing_paths", "wrong_weight", "added", "sign", "factor2"}
    assert set(seen) == expected and min(seen.values()) >= 10, seen
    assert ambiguous <= 0.05 * sum(seen.values()), ambiguous


def test_a_slip_equal_to_the_answer_at_the_typed_precision_is_not_named():
    # a linear output: leaving out its activation's slope changes nothing, so no σ′ hint
    net = bp.preset("2-2-1")
    assert all(code != "sigma_missing" for code, _ in answers.mistakes(net, "dE/dw5"))
    # on the first document, ∂E/∂w5 through one output is the whole of it: only the exact counts
    net = bp.preset("2-2-2")
    exact = bp.value(net, "dE/dw5")
    assert check_answer(net, "dE/dw5", f"{exact:.5g}", DEFAULT).right


# ------------------------------------------------------------------ Python and JavaScript agree
def typed_answers(net, key, rng):
    """What readers type: the exact value and each slip at 2 to 8 figures, off by one in the
    last digit, full floats, and text that is not a number."""
    exact = bp.value(net, key)
    out = [exact, str(exact), "abc", "1.2.3"]
    values = [exact] + [v for _, v in answers.mistakes(net, key)]
    for v in values[:12]:
        if not math.isfinite(v) or v == 0:
            continue
        for n in (2, 3, 4, 6, 8):
            out.append(figures(v, n))
        n = int(rng.integers(3, 7))
        unit = 10.0 ** (math.floor(math.log10(abs(v))) - n + 1)
        out += [figures(v + unit, n), figures(v - 2 * unit, n), v]
    return out


def test_javascript_judges_as_python_on_thousands_of_answers():
    rng = np.random.default_rng(11)
    nets = [bp.preset(p) for p in bp.PRESETS] + [random_network(rng) for _ in range(20)]
    nets += [one_hidden_layer(rng, n_in=3, samples=int(rng.integers(1, 3)))[0] for _ in range(6)]
    tasks, expected = [], []
    for n, net in enumerate(nets):
        names = [p.name for p in net.parameters()]
        hidden = net.neuron_names[1][0] if net.depth > 1 else net.neuron_names[-1][0]
        out0 = net.neuron_names[-1][0]
        keys = ["E", f"E:{out0}", f"dE/d{names[0]}", f"dE/d{names[-1]}", f"{names[0]}+", f"{names[-1]}+",
                f"out:{out0}", f"dE/dout:{hidden}", f"dE/dnet:{hidden}", f"dE:{out0}/dout:{hidden}", "E@1"]
        if net.activations[-1] != "softmax":
            keys.append(f"dout/dnet:{out0}")
        shared = [p.name for p in net.parameters() if p.kind == "biases" and len(p.location) == 2]
        keys += [f"dE/d{b}" for b in shared[:1]]
        for m, key in enumerate(keys):
            tol = [None, None, None, 0.001, "0.5%"][(n + m) % 5]
            spec = tolerance_spec(tol)
            typed = typed_answers(net, key, rng)
            cache = {}
            expected.append([check_answer(net, key, a, spec, cache=cache) for a in typed])
            tasks.append({"kind": "judge", "spec": bp.to_spec(net), "key": key, "answers": typed,
                          "tolerance": spec, "hints": answers.HINTS})
    results = run_node(tasks)
    total = 0
    codes = {}
    for task, exp, got in zip(tasks, expected, results):
        for answer, p, j in zip(task["answers"], exp, got):
            assert (p.right, p.code, p.figures) == (j[0], j[1], j[4]), (task["key"], answer, p, j)
            assert abs(p.exact - j[2]) <= 1e-12 * max(1.0, abs(p.exact))
            assert abs(p.allowed - j[3]) <= 1e-12 * max(1.0, abs(p.allowed))
            total += 1
            codes[p.code] = codes.get(p.code, 0) + 1
    assert total > 3000
    assert {"few_digits", "last_digit", "sign", "sigma_missing", "not_a_number", None} <= set(codes), codes


def test_mistake_values_agree():
    rng = np.random.default_rng(5)
    nets = [bp.preset(p) for p in bp.PRESETS] + [random_network(rng) for _ in range(20)]
    tasks, expected = [], []
    for net in nets:
        names = [p.name for p in net.parameters()]
        keys = ["E", "dE/d" + names[0], "dE/d" + names[-1], names[0] + "+", names[-1] + "+", "E@2"]
        keys += [f"dE/dout:{n}" for n in net.neuron_names[1][:1]]
        for key in keys:
            tasks.append({"kind": "mistakes", "spec": bp.to_spec(net), "key": key})
            expected.append(answers.mistakes(net, key))
    for exp, got in zip(expected, run_node(tasks)):
        assert [c for c, _ in exp] == [c for c, _ in got]
        a, b = np.array([v for _, v in exp], dtype=float), np.array([v for _, v in got], dtype=float)
        assert np.array_equal(np.isfinite(a), np.isfinite(b))
        assert np.all(np.abs(a - b)[np.isfinite(a)] <= 1e-12 * np.maximum(1.0, np.abs(a[np.isfinite(a)])))


# ------------------------------------------------------------------ directions and signs
def test_directions_and_signs(capsys):
    net = bp.preset("2-2-2")
    assert check(net, "w7+", "up", ask="direction") is True            # ∂E/∂w7 < 0: w7 rises
    assert capsys.readouterr().out.strip() == "Right: up."
    assert check(net, "w7+", "down", ask="direction") is False
    assert "sign of the gradient" in capsys.readouterr().out
    assert check(net, "b2+", "no change", ask="direction") is True     # the document holds its biases
    assert check(net, "E@1", "down", ask="direction") is True
    assert check(net, "dE/dw7", "negative", ask="sign") is True
    assert check(net, "dE/dw7", "sideways", ask="sign") is False
    capsys.readouterr()
    rng = np.random.default_rng(23)
    nets = [random_network(rng) for _ in range(25)] + [one_hidden_layer(rng)[0] for _ in range(10)]
    tasks, expected = [], []
    for net in nets:
        keys = [f"{p.name}+" for p in net.parameters()][:6]
        tasks.append({"kind": "choice", "spec": bp.to_spec(net), "keys": keys, "ask": "direction"})
        expected.append([answers.correct_choice(net, k, "direction") for k in keys])
        grads = [f"dE/d{p.name}" for p in net.parameters()][:6]
        tasks.append({"kind": "choice", "spec": bp.to_spec(net), "keys": grads, "ask": "sign"})
        expected.append([answers.correct_choice(net, k, "sign") for k in grads])
    results = run_node(tasks)
    assert results == expected
    flat = [c for e in expected for c in e]
    assert {"up", "down", "positive", "negative"} <= set(flat)
    # a direction is the opposite of the gradient's sign, for a batch step of a trainable weight
    for net in nets[-10:]:
        for p in net.parameters():
            if p.kind == "weights":
                d, s = answers.correct_choice(net, f"{p.name}+", "direction"), answers.correct_choice(net, f"dE/d{p.name}", "sign")
                assert (d, s) in {("up", "negative"), ("down", "positive"), ("no change", "zero")}


# ------------------------------------------------------------------ the working
def working_keys(net):
    names = [p.name for p in net.parameters()]
    keys = ["E", "E@1"] + [f"dE/d{n}" for n in names] + [f"{n}+" for n in names[:3]]
    for l in range(1, net.depth + 1):
        for n in net.neuron_names[l]:
            keys += [f"out:{n}", f"dE/dout:{n}", f"dE/dnet:{n}"]
            if net.activations[l - 1] != "softmax":
                keys.append(f"dout/dnet:{n}")
    out0 = net.neuron_names[-1][-1]
    keys += [f"dE:{out0}/dout:{net.neuron_names[1][0]}", f"E:{out0}"]
    if net.samples > 1:
        keys += [f"out:{out0}[1]", f"dE/dnet:{out0}[1]"]
    return keys


def test_the_working_is_the_library_step_by_step():
    rng = np.random.default_rng(31)
    nets = [bp.preset(p) for p in bp.PRESETS] + [random_network(rng) for _ in range(16)]
    nets += [one_hidden_layer(rng, n_in=3, samples=2)[0]]
    keys = [working_keys(n) for n in nets]
    results = run_node([{"kind": "working", "spec": bp.to_spec(n), "keys": k} for n, k in zip(nets, keys)])
    checked = 0
    for net, ks, workings in zip(nets, keys, results):
        for key, lines in zip(ks, workings):
            assert lines and lines[-1]["key"] == key, key
            exact = bp.value(net, key)
            assert abs(lines[-1]["value"] - exact) <= 1e-12 * max(1.0, abs(exact)), (key, lines[-1])
            for line in lines:
                text = line["text"]
                assert "undefined" not in text and "NaN" not in text and "null" not in text, (key, text)
                if line["key"]:
                    v = bp.value(net, line["key"])
                    assert abs(line["value"] - v) <= 1e-12 * max(1.0, abs(v)), (key, line)
                    checked += 1
    assert checked > 1500


def test_the_working_for_the_first_documents_w6_is_its_three_factors():
    net = bp.preset("2-2-2")
    (lines,) = run_node([{"kind": "working", "spec": bp.to_spec(net), "keys": ["dE/dw6"]}])[0:1]
    lines = lines[0]
    keys = [line["key"] for line in lines]
    # the forward pass, one neuron a line; then the three factors and their product
    assert keys == ["out:h1", "out:h2", "out:o1", "out:o2",
                    "dE/dout:o1", "dout/dnet:o1", "dE/dnet:o1", "dnet:o1/dw6", "dE/dw6"]
    assert lines[0]["text"] == "out_{h1} = σ(w_{1}·i_{1} + w_{2}·i_{2} + b_{1}) = σ(0.15·0.05 + 0.2·0.1 + 0.35) = σ(0.3775)"
    assert lines[4]["text"].startswith("∂E/∂out_{o1} = out_{o1} − target_{o1} = 0.75136507 − 0.01")
    assert "0.138498562·0.596884378" in lines[-1]["text"]
    # after "New numbers" the working is for the new numbers
    fresh = variants.draw(net, 1, 222)
    (again,) = run_node([{"kind": "working", "spec": bp.to_spec(fresh), "keys": ["dE/dw6"]}])
    assert abs(again[0][-1]["value"] - bp.value(fresh, "dE/dw6")) <= 1e-12
    assert f"{fresh['w1']:g}·{fresh.inputs[0, 0]:g}" in again[0][0]["text"]


# ------------------------------------------------------------------ the box's Python side
def test_the_constructor_stays_compatible_and_new_arguments_are_checked():
    box = AnswerBox("2-2-2", "dE/dw5", "Three factors.", None, True, 7, "∂E/∂w5 =")
    assert (box.hint, box.tolerance, box.variants, box.seed, box.label) == (
        "Three factors.", {"figures": 3}, True, 7, "∂E/∂w5 =")
    assert box.ask == "number" and box.working is True
    box = AnswerBox("2-2-2", "dE/dw5", hint="h", tolerance=1e-7, variants=False, seed=0, label="x")
    assert box.tolerance == {"absolute": 1e-7}
    assert "exact value" not in box._tolerance_text or "±1e-07" in box._tolerance_text
    assert AnswerBox("2-2-2", "w7+", ask="direction").ask == "direction"
    for bad, start in [(lambda: AnswerBox("2-2-2", "dE/dw5", ask="colour"), "ask:"),
                       (lambda: AnswerBox("2-2-2", "dE/dw5", ask="direction"), "ask:"),
                       (lambda: AnswerBox("2-2-2", "dE/dw5", working="yes"), "working:"),
                       (lambda: check("2-2-2", "dE/dw5", "up", ask="sideways"), "ask:")]:
        with pytest.raises(bp.SpecError) as info:
            bad()
        assert str(info.value).startswith(start) and "\n" not in str(info.value)
    # the box's own check judges the numbers it shows
    box = AnswerBox("2-2-2", "dE/dw6", seed=222)
    box.variant = 2
    assert box.check(figures(bp.value(variants.draw(bp.preset("2-2-2"), 2, 222), "dE/dw6"), 4)) is True


def test_python_check_names_the_slip_and_never_the_answer(capsys):
    net = bp.preset("2-2-2")
    g5 = bp.value(net, "dE/dw5")
    assert check("2-2-2", "dE/dw5", g5) is True
    assert capsys.readouterr().out.startswith("Right")
    assert check("2-2-2", "dE/dw5", "0.082167041") is True           # as the document prints it
    capsys.readouterr()
    sig = lambda x: f"{x:.6g}"                                         # noqa: E731  (typed to 6 figures)
    n_o1 = bp.value(net, "net:o1")
    cases = [
        ("dE/dw5", sig(-g5), "the sign is flipped"),
        ("dE/dw5", sig(2 * g5), "factor of 2"),
        ("w5+", sig(0.4 + 0.5 * g5), "you added the step"),
        ("w5+", sig(0.4 - g5), "the learning rate is missing"),
        ("w5+", "0.400000", "the value before the update"),
        ("dout/dnet:o1", sig(n_o1 * (1 - n_o1)), "out·(1 − out), not net·(1 − net)"),
        ("dE/dout:h1", sig(bp.value(net, "dE:o1/dout:h1")), "only one path"),
        ("out:o1", sig(n_o1), "that is the net input"),
        ("E@1", sig(bp.value(net, "E")), "the value before training"),
        ("dE/dw5", "0.500000", "Multiply the three factors."),        # no common slip: the author's hint
        ("dE/dw5", "zero", "type a number"),
        ("dE/dw5", "0.08", "at least 3 significant figures"),
    ]
    for key, answer, hint in cases:
        assert check("2-2-2", key, answer, hint="Multiply the three factors.") is False, key
        out = capsys.readouterr().out
        assert out.startswith("Not yet: ") and hint in out, (key, out)
        assert f"{bp.value(net, key):.6f}" not in out                  # the hint does not give the answer
