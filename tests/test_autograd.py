"""The hand-built autograd (backprop_lib.autograd) and what the chapter "Build it yourself"
does with it (backprop_lib.autograd_tools): every operation's gradient, accumulation,
whole networks against the library and against JAX, the graph figure, the gate patterns
and the code exercise's check."""
import inspect
import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import autograd_tools as ag
from backprop_lib.autograd import Value

from strategies import networks


def numeric(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


OPERATIONS = {
    "add": (lambda v: v + 2.5, lambda x: x + 2.5),
    "radd": (lambda v: 2.5 + v, lambda x: 2.5 + x),
    "mul": (lambda v: v * -1.75, lambda x: x * -1.75),
    "rmul": (lambda v: -1.75 * v, lambda x: -1.75 * x),
    "self product": (lambda v: v * v, lambda x: x * x),
    "pow 3": (lambda v: v ** 3, lambda x: x ** 3),
    "pow -1": (lambda v: v ** -1, lambda x: x ** -1),
    "pow 0.5": (lambda v: (v * v + 1) ** 0.5, lambda x: (x * x + 1) ** 0.5),
    "exp": (lambda v: v.exp(), math.exp),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0)),
    "neg": (lambda v: -v, lambda x: -x),
    "sub": (lambda v: v - 0.3, lambda x: x - 0.3),
    "rsub": (lambda v: 0.3 - v, lambda x: 0.3 - x),
    "div": (lambda v: v / 4.0, lambda x: x / 4.0),
    "rdiv": (lambda v: 4.0 / v, lambda x: 4.0 / x),
    "composite": (lambda v: (v.tanh() * v.exp() - v / 3).sigmoid(),
                  lambda x: 1 / (1 + math.exp(-(math.tanh(x) * math.exp(x) - x / 3)))),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@pytest.mark.parametrize("x", [-1.3, -0.2, 0.7, 1.9])
def test_each_operation_has_the_right_value_and_gradient(name, x):
    make, plain = OPERATIONS[name]
    v = Value(x)
    out = make(v)
    out.backward()
    assert out.data == pytest.approx(plain(x), rel=1e-12, abs=1e-15)
    assert v.grad == pytest.approx(numeric(plain, x), rel=1e-7, abs=1e-8), name


def test_the_gradients_of_a_value_used_several_times_add_up():
    a = Value(3.0)
    y = a * a                                   # two uses in one operation
    y.backward()
    assert a.grad == 6.0
    a = Value(2.0)
    y = a * a + a                               # three uses
    y.backward()
    assert a.grad == 5.0
    a = Value(0.4)
    b = a.tanh()                                # a shared intermediate used by two operations
    y = b * 3.0 + b.exp()
    y.backward()
    t = math.tanh(0.4)
    assert a.grad == pytest.approx((3.0 + math.exp(t)) * (1 - t * t), rel=1e-14)
    assert b.grad == pytest.approx(3.0 + math.exp(t), rel=1e-14)


def test_each_value_passes_its_gradient_on_only_once_it_is_complete():
    # a diamond: x feeds p and q, both feed y.  A wrong order would pass x's share on early.
    x = Value(0.5)
    p, q = x * 2.0, x.exp()
    m = p * q
    y = m + p
    y.backward()
    want = numeric(lambda z: 2 * z * math.exp(z) + 2 * z, 0.5)
    assert x.grad == pytest.approx(want, rel=1e-8)


def test_a_long_chain_needs_no_recursion():
    x = Value(0.001)
    total = Value(0.0)
    for _ in range(20_000):
        total = total + x
    total.backward()
    assert x.grad == 20_000.0


def test_the_gate_patterns():
    rows = {name: (a, b, out, ga, gb) for name, a, b, out, ga, gb in ag.gate_rows(3.0, -2.0, 0.5)}
    assert rows["add"] == (3.0, -2.0, 1.0, 0.5, 0.5)                 # distributes
    assert rows["multiply"] == (3.0, -2.0, -6.0, -1.0, 1.5)          # swaps
    assert rows["max"] == (3.0, -2.0, 3.0, 0.5, 0.0)                 # routes to the larger
    rows = {name: (ga, gb) for name, _, _, _, ga, gb in ag.gate_rows(-1.0, 4.0, 2.0)}
    assert rows["max"] == (0.0, 2.0)
    table = ag.gate_table().text
    assert "distributes" in table and "swaps" in table and "routes" in table


def test_the_autograd_stays_a_small_readable_class():
    lines = ag.source_lines()
    assert lines == len(inspect.getsource(Value).splitlines())
    assert lines <= 110, f"the Value class has grown to {lines} lines; the chapter promises about 100"
    for name in ("class", "__add__", "__mul__", "__pow__", "exp", "tanh", "sigmoid", "relu", "rest", "backward"):
        text = ag.source_of(name).text
        assert text.startswith("```python\n") and text.endswith("\n```")
    assert "self.grad += out.grad" in ag.source_of("__add__").text
    assert "def __rtruediv__" in ag.source_of("rest").text and "def backward" not in ag.source_of("rest").text


# ------------------------------------------------------------------ whole networks
def test_the_first_documents_gradients_exactly():
    net = bp.preset("2-2-2")
    g = ag.value_gradient(net)
    names = [p.name for p in net.parameters()]
    by_name = dict(zip(names, g))
    assert f"{by_name['w5']:.9f}" == "0.082167041"
    assert f"{by_name['w1']:.9f}" == "0.000438568"
    assert bp.max_abs_diff(g, net.gradient()) <= 1e-12


def test_a_shared_bias_gets_the_sum_of_its_untied_copies():
    net = bp.preset("2-2-2")
    own = net.replace(biases=[np.full(2, net.biases[0]), np.full(2, net.biases[1])],
                      names={n: loc for n, loc in net.names.items() if not n.startswith("b")})
    tied, E1 = ag.value_network(net)
    untied, E2 = ag.value_network(own)
    E1.backward()
    E2.backward()
    assert E1.data == pytest.approx(E2.data, abs=1e-15)
    assert tied["b1"].grad == pytest.approx(untied["b1_1"].grad + untied["b1_2"].grad, abs=1e-15)
    assert tied["b2"].grad == pytest.approx(untied["b2_1"].grad + untied["b2_2"].grad, abs=1e-15)
    assert untied["b1_1"].grad != pytest.approx(untied["b1_2"].grad)


@settings(max_examples=80)
@given(networks(max_depth=3, max_size=4, max_samples=3))
def test_the_autograd_agrees_with_the_library_on_random_networks(net):
    assume(net.loss == "half_sse" and net.activations[-1] != "softmax")
    params, E = ag.value_network(net)
    assert E.data == pytest.approx(net.forward().loss, rel=1e-12, abs=1e-14)
    E.backward()
    mine = np.array([params[p.name].grad for p in net.parameters()])
    assert bp.max_abs_diff(mine, net.gradient()) <= 1e-12


def test_what_the_autograd_cannot_build_is_refused_in_one_line():
    net = bp.preset("2-2-2")
    with pytest.raises(bp.SpecError, match=r"^activations\[1\]: the hand-built autograd has no softmax"):
        ag.value_network(net.replace(activations=["sigmoid", "softmax"]))
    with pytest.raises(bp.SpecError, match=r"^loss: .*half_sse only, got cross_entropy"):
        ag.value_network(net.replace(loss="cross_entropy"))


def test_jax_agrees_with_the_library_on_random_networks():
    rng = np.random.default_rng(12)
    worst = 0.0
    for seed in range(6):
        net = _jax_case(rng, seed)               # every bias kind, both losses, sigmoid or softmax outputs
        worst = max(worst, bp.max_abs_diff(ag.jax_gradient(net), net.gradient()))
    assert worst <= 1e-12
    net = bp.preset("2-2-2")
    g = dict(zip([p.name for p in net.parameters()], ag.jax_gradient(net)))
    assert f"{g['w5']:.9f}" == "0.082167041"


def _jax_case(rng, seed):
    layers = [int(n) for n in rng.integers(1, 5, 3)]
    softmax = seed % 2 == 1
    loss = "cross_entropy" if seed % 3 == 0 else "half_sse"
    acts = [str(rng.choice(["sigmoid", "tanh", "relu", "linear"])), "softmax" if softmax else "sigmoid"]
    kinds = [seed % 3, (seed + 1) % 3]
    biases = [None if k == 0 else float(rng.uniform(-1, 1)) if k == 1 else rng.uniform(-1, 1, layers[i + 1])
              for i, k in enumerate(kinds)]
    samples = int(rng.integers(1, 4))
    targets = rng.uniform(0.05, 0.95, (samples, layers[-1]))
    if softmax and loss == "cross_entropy":
        targets = targets / targets.sum(axis=1, keepdims=True)
    return bp.Network(layers=layers, activations=acts,
                      weights=[rng.normal(0, 1, (layers[k + 1], layers[k])) for k in range(2)],
                      biases=biases, loss=loss, inputs=rng.uniform(-1, 1, (samples, layers[0])), targets=targets)


# ------------------------------------------------------------------ the graph figure
def test_the_graph_figure_shows_every_value_and_gradient_once():
    net = bp.preset("2-2-2")
    out_h1 = Value(bp.value(net, "out:h1"), label="out_h1")
    out_h2 = Value(bp.value(net, "out:h2"), label="out_h2")
    w5, w6, b2 = (Value(net[n], label=n) for n in ("w5", "w6", "b2"))
    net_o1 = w5 * out_h1 + w6 * out_h2 + b2
    net_o1.label = "net_o1"
    E = 0.5 * (net_o1.sigmoid() - 0.01) ** 2
    E.label = "E_o1"
    E.backward()
    fig = ag.graph_figure(E, title="one neuron")
    svg = fig._repr_svg_()
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<title>one neuron</title>" in svg
    boxes = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="124" height="50"', svg)
    assert len(boxes) == 13                       # 15 Values; the two constants are written into operations
    spans = [(float(x), float(y)) for x, y in boxes]
    for n, (x, y) in enumerate(spans):            # no two boxes overlap
        for x2, y2 in spans[n + 1:]:
            assert abs(x - x2) >= 124 or abs(y - y2) >= 50
    assert "grad 0.082167041" in svg and "value 0.274811083" in svg
    assert "× 0.5" in svg and "− 0.01" in svg and "σ" in svg
    assert "w5: value 0.400000000, grad 0.082167041" in repr(fig)
    assert "E_o1: value 0.274811083, grad 1.000000000" in repr(fig)


def test_a_value_used_twice_is_drawn_once():
    a = Value(1.5, label="a")
    y = a * a
    y.label = "y"
    y.backward()
    svg = ag.graph_figure(y).svg
    assert svg.count(">a</text>") == 1
    assert "grad 3.000000000" in svg


# ------------------------------------------------------------------ the code exercise
def _log(local, accumulate=True):
    def log(a):
        out = Value(math.log(a.data), (a,), "log")

        def _backward():
            if accumulate:
                a.grad += local(a) * out.grad
            else:
                a.grad = local(a) * out.grad
        out._backward = _backward
        return out
    return log


def test_the_log_exercise_accepts_the_solution():
    verdict = ag.check_log(_log(lambda a: 1 / a.data))
    assert verdict and repr(verdict).startswith("Right: ")


@pytest.mark.parametrize("log,says", [
    (_log(lambda a: 0), "a.grad stays 0"),
    (_log(lambda a: a.data), "is 1/a, not a"),
    (_log(lambda a: 1 / a.data, accumulate=False), "use += , not ="),
    (_log(lambda a: 2 / a.data), "should become"),
    (lambda a: math.log(a.data), "must return a Value"),
    (lambda a: Value(math.log(a.data)), "must remember its input"),
    (lambda a: Value(a.data, (a,)), "holds"),
    (lambda a: 1 / 0, "raised ZeroDivisionError"),
])
def test_the_log_exercise_says_what_is_wrong(log, says):
    verdict = ag.check_log(log)
    assert not verdict
    out = repr(verdict)
    assert out.startswith("Not yet: ") and says in out and "\n" not in out


def test_the_log_exercise_wants_the_chain_rule():
    def log(a):
        out = Value(math.log(a.data), (a,), "log")

        def _backward():
            a.grad += 1 / a.data                  # without out.grad
        out._backward = _backward
        return out
    verdict = ag.check_log(log)
    assert not verdict and "multiply the local derivative by out.grad" in repr(verdict)
