"""Conv networks: the worked example by hand, the vectorised layers against plain loops, the
backward rules, the tie rule, training, the spec's one-line errors and the command line."""
import copy
import json
import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import conv
from backprop_lib.cli import main

from conv_strategies import plain_forward, random_spec

EXAMPLE = conv.EXAMPLE
X = np.array(EXAMPLE["inputs"][0][0])
K = np.array(EXAMPLE["weights"][0][0][0])


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# ------------------------------------------------------------------ the worked example by hand
def test_example_forward_by_hand():
    net = conv.example()
    t = net.forward()
    assert net.input_shape == (1, 5, 5) and t.net[1].shape == (1, 1, 4, 4)
    for r in range(4):
        for c in range(4):
            by_hand = (0.10 * X[r, c] + 0.20 * X[r, c + 1] - 0.30 * X[r + 1, c] + 0.40 * X[r + 1, c + 1]) + 0.05
            assert abs(t.net[1][0, 0, r, c] - by_hand) < 1e-15
    # the one negative net input, and ReLU's zero
    negative = np.argwhere(t.net[1][0, 0] < 0).tolist()
    assert negative == [[0, 3]] and t.out[1][0, 0, 0, 3] == 0.0
    assert abs(t.net[1][0, 0, 0, 3] - (-0.06)) < 1e-15
    pooled = t.out[2][0, 0]
    assert np.allclose(pooled, [[0.37, 0.49], [0.21, 0.13]], atol=1e-15)
    assert t.choice[2][0, 0].tolist() == [[1, 0], [0, 2]]            # window positions in reading order
    net_o = [0.60 + 0.15 * 0.37 + 0.20 * 0.49 + 0.25 * 0.21 + 0.30 * 0.13,
             0.60 + 0.40 * 0.37 + 0.45 * 0.49 + 0.50 * 0.21 + 0.55 * 0.13]
    out_o = [sigmoid(n) for n in net_o]
    assert np.allclose(t.net[3][0], net_o, atol=1e-15) and np.allclose(t.out[3][0], out_o, atol=1e-15)
    E = 0.5 * (0.01 - out_o[0]) ** 2 + 0.5 * (0.99 - out_o[1]) ** 2
    assert abs(t.loss - E) < 1e-15
    assert f"{t.loss:.9f}" == "0.264490802"


def test_example_backward_rules_by_hand():
    net = conv.example()
    t = net.forward()
    g = net.backward(t)
    out_o = t.out[3][0]
    delta_o = (out_o - np.array([0.01, 0.99])) * out_o * (1 - out_o)
    W = net.weights[2]
    d_pool = delta_o @ W                                              # ∂E/∂out of the four pooled values
    assert np.allclose(g.dE_dout[2][0, 0].ravel(), d_pool, atol=1e-16)
    # routing: each pooled value's ∂E/∂out goes to its window's maximum, 0 elsewhere
    routed = np.zeros((4, 4))
    for (r, c), d in zip([(0, 1), (0, 2), (2, 0), (3, 2)], d_pool):
        routed[r, c] = d
    assert np.array_equal(g.dE_dout[1][0, 0], routed)
    # the ReLU gate: δ = ∂E/∂out where net > 0, else 0 (all four routed positions are open)
    delta = g.delta[1][0, 0]
    assert np.array_equal(delta, routed * (t.net[1][0, 0] > 0))
    # the kernel gradient: the correlation of the input with the deltas
    correlation = np.array([[np.sum(X[u:u + 4, v:v + 4] * delta) for v in range(2)] for u in range(2)])
    assert np.allclose(g.weights[0][0, 0], correlation, atol=1e-17)
    # the bias gradient: the sum of the deltas (a shared bias)
    assert abs(g.biases[0] - delta.sum()) < 1e-17
    # the input gradient: the full convolution of the deltas with the flipped kernel
    full = conv.full_convolution(delta, K)
    assert full.shape == (5, 5)
    assert np.allclose(g.dE_dout[0][0, 0], full, atol=1e-17)
    explicit = np.zeros((5, 5))
    for r in range(4):
        for c in range(4):
            explicit[r:r + 2, c:c + 2] += delta[r, c] * K
    assert np.allclose(full, explicit, atol=1e-17)
    assert f"{g.weights[0][0, 0, 0, 0]:.9f}" == "0.017952043" and f"{g.biases[0]:.9f}" == "0.049923218"


def test_example_matches_finite_differences_and_names():
    net = conv.example()
    names = [p.name for p in net.parameters()]
    assert names == ["k11", "k12", "k21", "k22", "b1", "w3_1_1", "w3_1_2", "w3_1_3", "w3_1_4",
                     "w3_2_1", "w3_2_2", "w3_2_3", "w3_2_4", "b3"]
    assert bp.max_abs_diff(net.gradient(), bp.finite_difference(net)) < 1e-9
    assert net.neuron_names[1][:2] == ["c1_11", "c1_12"] and net.neuron_names[2] == ["p2_11", "p2_12", "p2_21", "p2_22"]
    assert net.neuron("c1_23") == (1, 6) and net.neuron("i55") == (0, 24)


# ------------------------------------------------------------------ the layers against plain loops
@pytest.mark.parametrize("seed", range(40))
def test_vectorised_forward_matches_plain_loops(seed):
    spec = random_spec(np.random.default_rng(seed))
    net = conv.parse(spec)
    outs = net.forward().outputs
    for s, sample in enumerate(spec["inputs"]):
        assert np.allclose(outs[s], plain_forward(spec, sample), rtol=1e-12, atol=1e-13), (seed, spec["layers"])


def test_strided_multichannel_conv_and_its_input_gradient():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 7, 6))
    K2 = rng.normal(size=(4, 3, 3, 3))
    net, cols = conv.conv_forward(x, K2, None, 2)
    assert net.shape == (2, 4, 3, 2)
    for f in range(4):
        for r in range(3):
            for c in range(2):
                assert abs(net[1, f, r, c] - np.sum(K2[f] * x[1, :, 2 * r:2 * r + 3, 2 * c:2 * c + 3])) < 1e-12
    delta = rng.normal(size=net.shape)
    gK, dx = conv.conv_backward(delta, cols, K2, 2, (3, 7, 6))
    # both are the derivatives of Σ δ·net: compare with the adjoint written as loops
    gK_loop, dx_loop = np.zeros_like(K2), np.zeros_like(x)
    for s in range(2):
        for f in range(4):
            for r in range(3):
                for c in range(2):
                    gK_loop[f] += delta[s, f, r, c] * x[s, :, 2 * r:2 * r + 3, 2 * c:2 * c + 3]
                    dx_loop[s, :, 2 * r:2 * r + 3, 2 * c:2 * c + 3] += delta[s, f, r, c] * K2[f]
    assert np.allclose(gK, gK_loop, atol=1e-12) and np.allclose(dx, dx_loop, atol=1e-12)


def test_ties_go_to_the_first_in_reading_order():
    x = np.array([[[[0.5, 0.9, 0.1], [0.9, 0.2, 0.3], [0.4, 0.4, 0.0]]]])     # 0.9 twice in the first window
    out, arg = conv.pool_forward(x, 2)
    assert out.tolist() == [[[[0.9]]]] and arg.tolist() == [[[[1]]]]          # row 1, column 2: read first
    dx = conv.pool_backward(np.array([[[[2.0]]]]), arg, 2, (1, 3, 3))
    assert dx[0, 0].tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]   # the last row and column are dropped
    assert conv.near_ties(conv.example()) is False


def test_a_tie_in_the_example_shape_routes_to_the_first():
    spec = copy.deepcopy(EXAMPLE)
    spec["weights"][0] = [[[[0.0, 0.0], [0.0, 0.0]]]]                       # every conv output equals the bias
    net = conv.parse(spec)
    t = net.forward()
    assert np.all(t.choice[2] == 0)
    g = net.backward(t)
    assert np.count_nonzero(g.dE_dout[1][0, 0]) == 4
    assert all(g.dE_dout[1][0, 0][2 * r, 2 * c] != 0 for r in range(2) for c in range(2))
    assert conv.near_ties(net)


# ------------------------------------------------------------------ training
def test_training_modes():
    spec = copy.deepcopy(EXAMPLE)
    spec["inputs"] = spec["inputs"] + [[[[0.5 - 0.1 * ((r * 5 + c) % 4) for c in range(5)] for r in range(5)]]]
    spec["targets"] = [[0.01, 0.99], [0.7, 0.2]]
    batch = conv.parse(spec)
    theta = batch.flat() - 0.5 * batch.gradient()
    assert np.allclose(batch.step().flat(), theta, atol=1e-15)
    online = conv.parse({**spec, "mode": "online"})
    first = online.replace(inputs=online.inputs[:1], targets=online.targets[:1]).step()
    second = first.replace(inputs=online.inputs[1:], targets=online.targets[1:]).step()
    assert np.allclose(online.step().flat(), second.flat(), atol=1e-15)
    fixed = conv.parse({**spec, "update_biases": False})
    after = fixed.step()
    assert after["b1"] == 0.05 and after["b3"] == 0.6 and after["k11"] != 0.1
    history, trained = batch.train(50)
    assert len(history) == 51 and history[-1] < history[0] / 2
    assert trained.forward().loss == history[-1]
    mini = conv.parse({**spec, "mode": "minibatch", "batch_size": 1, "shuffle_seed": 3})
    h1, t1 = mini.train(4)
    h2, t2 = mini.train(4)
    assert h1 == h2 and np.array_equal(t1.flat(), t2.flat())


def test_training_diverges_with_one_line():
    net = conv.parse({**EXAMPLE, "learning_rate": 1e6, "layers": EXAMPLE["layers"][:2] + [
        {"type": "dense", "units": 2, "activation": "linear"}]})
    with pytest.raises(bp.TrainingDiverged, match="training diverged"):
        net.train(200)


# ------------------------------------------------------------------ quantities and fresh numbers
def test_quantity_keys():
    net = conv.example()
    v = conv.table(net, ["E", "E:o1", "net:c1_14", "out:c1_14", "out:p2_12", "out:o2", "dE/dk11", "dE/db1",
                         "dE/dnet:c1_12", "dE/dout:c1_11", "dE/dout:p2_11", "dE/dout:i23", "dout/dnet:c1_14",
                         "k11+", "E@1", "out:i12"])
    g = net.backward()
    assert v["E"] == net.forward().loss and abs(v["net:c1_14"] + 0.06) < 1e-15 and v["out:c1_14"] == 0.0
    assert abs(v["out:p2_12"] - 0.49) < 1e-15 and v["dout/dnet:c1_14"] == 0.0
    assert v["dE/dk11"] == net.named_gradient()["k11"] and v["dE/dnet:c1_12"] == g.delta[1][0, 0, 0, 1]
    assert v["dE/dout:c1_11"] == 0.0 and v["dE/dout:i23"] == g.dE_dout[0][0, 0, 1, 2]
    assert v["k11+"] == 0.1 - 0.5 * v["dE/dk11"] and v["E@1"] == net.train(1)[0][1]
    assert v["out:i12"] == 0.2
    for bad in ["net:p2_11", "dE/dk99", "speed", "dE/dout:c9_99", "E:c1_11", "out:o1[3]"]:
        with pytest.raises((bp.SpecError, KeyError)):
            conv.value(net, bad)


def test_draws_are_reproducible_tie_free_and_keep_the_shape():
    net = conv.example()
    assert np.array_equal(conv.draw(net, 0).flat(), net.flat())
    a, b = conv.draw(net, 1, seed=7), conv.draw(net, 1, seed=7)
    assert np.array_equal(a.flat(), b.flat()) and np.array_equal(a.inputs, b.inputs)
    assert a.input_shape == net.input_shape and [p.name for p in a.parameters()] == [p.name for p in net.parameters()]
    assert not np.array_equal(a.flat(), conv.draw(net, 2, seed=7).flat())
    for n in range(1, 30):
        fresh = conv.draw(net, n, seed=3)
        assert not conv.near_ties(fresh)
        assert all(abs(v) in {x / 10 for x in range(1, 10)} for v in fresh.weights[0].ravel())
        assert all(round(v * 10) == v * 10 and 0 <= v <= 0.9 for v in fresh.inputs.ravel())
    with pytest.raises(bp.SpecError, match="variant"):
        conv.draw(net, -1)


# ------------------------------------------------------------------ the spec
def test_spec_round_trip_and_dispatch():
    net = bp.parse(copy.deepcopy(EXAMPLE))
    assert isinstance(net, conv.ConvNetwork)
    again = bp.parse(json.loads(json.dumps(bp.to_spec(net))))
    assert np.array_equal(again.flat(), net.flat()) and again.layers == net.layers
    assert again.forward().loss == net.forward().loss
    named = bp.parse({**EXAMPLE, "names": {"kappa": ["weights", 0, 0, 0, 1, 1], "bc": ["biases", 0]}})
    assert named["kappa"] == 0.4 and named["bc"] == 0.05 and "k22" not in [p.name for p in named.parameters()]
    per_filter = bp.parse({**EXAMPLE, "biases": [[0.05], None, [0.6, 0.6]]})
    assert [p.name for p in per_filter.parameters()][4] == "b1_1"
    assert per_filter.forward().loss == net.forward().loss


def bad(change, **extra):
    spec = copy.deepcopy(EXAMPLE)
    change(spec)
    spec.update(extra)
    with pytest.raises(bp.SpecError) as info:
        bp.parse(spec)
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_bad_specs_name_the_field():
    def kernel_shape(s):
        s["weights"][0] = [[[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]]]
    assert bad(kernel_shape).startswith("weights[0][0][0][0]: expected 2 numbers (kernel 2 × 2), got 3")

    def kernel_rows(s):
        s["weights"][0] = [[[[0.1, 0.2]]]]
    assert bad(kernel_rows).startswith("weights[0][0][0]: expected 2 rows (kernel 2 × 2), got 1")

    def too_big(s):
        s["layers"][0]["kernel"] = 6
    assert bad(too_big) == "layers[0].kernel: 6 is larger than its input (5 × 5)"

    def dense_inputs(s):
        s["weights"][2] = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
    assert bad(dense_inputs).startswith("weights[2][0]: expected 4 numbers (the flattened size of its input, "
                                        "1 × 2 × 2 = 4), got 3")

    def pool_zero(s):
        s["layers"][1]["size"] = 0
    assert bad(pool_zero) == "layers[1].size: must be a whole number ≥ 1, got 0"

    def inputs_rows(s):
        s["inputs"][0][0] = s["inputs"][0][0][:4]
    assert bad(inputs_rows).startswith("inputs[0][0]: expected 5 rows (input_shape [1, 5, 5]), got 4")

    def inputs_channels(s):
        s["inputs"][0] = s["inputs"][0] * 2
    assert bad(inputs_channels).startswith("inputs[0]: expected 1 channels (input_shape [1, 5, 5]), got 2")

    def inputs_width(s):
        s["inputs"][0][0][2] = [0.1, 0.2]
    assert bad(inputs_width).startswith("inputs[0][0][2]: expected 5 numbers (input_shape [1, 5, 5]), got 2")

    def inputs_flat(s):
        s["inputs"] = [0.1] * 25
    assert bad(inputs_flat).startswith("inputs[0]: must be an image [channels][rows][columns]")

    def pool_weights(s):
        s["weights"][1] = [[0.1]]
    assert bad(pool_weights) == "weights[1]: a maxpool layer has no weights; give null"

    def unknown_type(s):
        s["layers"][1]["type"] = "avgpool"
    assert bad(unknown_type).startswith("layers[1].type: must be \"conv2d\", \"maxpool\" or \"dense\"")

    def no_activation(s):
        del s["layers"][0]["activation"]
    assert bad(no_activation).startswith("layers[0].activation: missing")

    def conv_after_dense(s):
        s["layers"] = [{"type": "dense", "units": 2, "activation": "relu"}] + s["layers"]
    assert bad(conv_after_dense).startswith("layers[1].type: a conv2d layer needs an image")

    def last_not_dense(s):
        s["layers"] = s["layers"][:2]
    assert bad(last_not_dense).startswith("layers[1].type: the last layer must be dense")

    def shape_bad(s):
        s["input_shape"] = [1, 5]
    assert bad(shape_bad).startswith("input_shape: expected 3 whole numbers")

    def stride_bad(s):
        s["layers"][0]["stride"] = 0
    assert bad(stride_bad) == "layers[0].stride: must be a whole number ≥ 1, got 0"

    def extra_field(s):
        s["activations"] = ["relu", "sigmoid"]
    assert bad(extra_field).startswith("activations: unknown field for a spec of layer objects")

    def bias_count(s):
        s["biases"][0] = [0.1, 0.2]
    assert bad(bias_count).startswith("biases[0]: expected 1 numbers (one per filter of layer 1), got 2")

    def bad_name(s):
        s["names"] = {"w": ["weights", 1, 0, 0]}
    assert bad(bad_name) == "names.w: layer 1 has no parameters"

    assert bad(lambda s: None, loss="cross_entropy", layers=EXAMPLE["layers"][:2] + [
        {"type": "dense", "units": 2, "activation": "relu"}]).startswith("loss: cross_entropy takes log(out)")


# ------------------------------------------------------------------ the command line
def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def example_file(tmp_path):
    path = tmp_path / "conv.json"
    spec = {k: v for k, v in EXAMPLE.items() if k != "title"}
    path.write_text(json.dumps(spec))
    return str(path)


def test_explain_text_works_the_example_through(capsys, example_file):
    status, out, err = run(capsys, "explain", example_file)
    assert status == 0 and err == ""
    assert ("net_c1_11 = k11·i11 + k12·i12 + k21·i21 + k22·i22 + b1 = 0.1·0 + 0.2·0.2 + (-0.3)·0.1 + 0.4·0 + 0.05"
            " = 0.060000000") in out
    assert "out_c1_14 = max(0, net_c1_14) = max(0, (-0.060000000)) = 0.000000000" in out
    assert ("out_p2_11 = max(out_c1_11, out_c1_12, out_c1_21, out_c1_22) = max(0.060000000, 0.370000000, "
            "0.100000000, 0.320000000) = 0.370000000   (the maximum is c1_12's)") in out
    assert "E_total = E_o1 + E_o2 = 0.237717004 + 0.026773799 = 0.264490802" in out
    assert "∂E_total/∂out_c1_12 = ∂E_total/∂out_p2_11 = 0.004789167   (the maximum of p2_11's window)" in out
    assert "∂E_total/∂out_c1_11 = 0   (not the maximum of its window)" in out
    assert ("∂E_total/∂k11 = δ_c1_12·i12 + δ_c1_13·i13 + δ_c1_31·i31 + δ_c1_43·i43 = 0.004789167·0.2 + "
            "0.009916925·0.9 + 0.015044684·0 + 0.020172442·0.4 = 0.017952043   (12 terms with δ = 0 left out)") in out
    assert "k11⁺ = k11 − η·∂E_total/∂k11 = 0.1 − 0.5·0.017952043 = 0.091023979" in out
    assert sum(line.startswith("  net_c1_") for line in out.splitlines()) == 16
    assert out.count(" = max(0, net_c1_") == 16 and out.count("(the maximum is c1_") == 4


def test_explain_markdown_and_check(capsys, example_file):
    status, out, _ = run(capsys, "explain", example_file, "--format", "markdown", "--check")
    assert status == 0
    assert r"\mathrm{net}_{c^{(1)}_{11}} = k_{11} \cdot i_{11}" in out
    assert out.count("$$") % 2 == 0 and out.count("$$") > 200
    line = [l for l in out.splitlines() if "check: sympy" in l][0]
    gaps = [float(x.rstrip(";")) for x in line.replace(";", " ").split() if x[0].isdigit() or x.startswith("1e")]
    assert "sympy (chain)" in line and max(gaps) < 1e-9


def test_explain_json_shapes_and_checks(capsys, example_file):
    status, out, _ = run(capsys, "explain", example_file, "--format", "json", "--steps", "2", "--check")
    assert status == 0
    report = json.loads(out)
    net = conv.example()
    t, g = net.forward(), net.backward()
    assert report["loss"] == t.loss
    conv_f, pool_f, dense_f = report["forward"]
    assert np.array(conv_f["net"]).shape == (1, 1, 4, 4) and np.array(conv_f["out"]).shape == (1, 1, 4, 4)
    assert pool_f["net"] is None and pool_f["out"] == t.out[2].tolist()
    assert dense_f["out"] == t.out[3].tolist()
    grads = report["gradients"]
    assert grads["weights"][1] is None and grads["biases"][1] is None
    assert np.array(grads["weights"][0]).shape == (1, 1, 2, 2) and grads["weights"][0] == g.weights[0].tolist()
    assert grads["biases"] == [g.biases[0], None, g.biases[2]]
    assert report["history"] == net.train(2)[0] and len(report["history"]) == 3
    assert report["after"]["weights"][1] is None and report["after"]["loss"] == report["history"][-1]
    checks = report["checks"]
    assert checks["symbolic_method"] == "chain"
    assert checks["symbolic_max_abs_diff"] < 1e-12 and checks["finite_difference_max_abs_diff"] < 1e-8


def test_explain_several_samples_online(capsys, tmp_path):
    spec = random_spec(np.random.default_rng(11), max_samples=2)
    spec.update(mode="online", inputs=spec["inputs"][:1] * 2, targets=spec["targets"][:1] * 2)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(spec))
    status, out, err = run(capsys, "explain", str(path), "--steps", "2")
    assert status == 0 and err == ""
    assert "Forward pass — sample 2 of 2" in out and "Update after sample 2" in out


@pytest.mark.parametrize("change, start", [
    (lambda s: s["layers"][1].update(size=0), "layers[1].size: must be a whole number ≥ 1, got 0"),
    (lambda s: s["layers"][0].update(kernel=7), "layers[0].kernel: 7 is larger than its input (5 × 5)"),
    (lambda s: s["weights"].__setitem__(0, [[[[0.1, 0.2, 0.3]] * 3]]), "weights[0][0][0]: expected 2 rows"),
    (lambda s: s["weights"].__setitem__(2, [[0.1] * 5, [0.2] * 5]), "weights[2][0]: expected 4 numbers"),
    (lambda s: s["inputs"][0][0].pop(), "inputs[0][0]: expected 5 rows"),
])
def test_bad_specs_exit_2_with_one_line(capsys, tmp_path, change, start):
    spec = copy.deepcopy(EXAMPLE)
    change(spec)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    status, out, err = run(capsys, "explain", str(path))
    assert status == 2 and out == ""
    assert err.startswith(f"backprop_lib: error: {start}") and err.count("\n") == 1


def test_a_conv_network_too_big_to_check_gets_one_line(capsys, tmp_path):
    rng = np.random.default_rng(0)
    big = {"input_shape": [1, 12, 12], "layers": [{"type": "conv2d", "filters": 3, "kernel": 3, "activation": "relu"},
                                                  {"type": "maxpool", "size": 2},
                                                  {"type": "dense", "units": 4, "activation": "sigmoid"}],
           "weights": [rng.uniform(-1, 1, (3, 1, 3, 3)).tolist(), None, rng.uniform(-1, 1, (4, 75)).tolist()],
           "inputs": rng.uniform(0, 1, (1, 1, 12, 12)).tolist(), "targets": [[0.1, 0.2, 0.3, 0.4]],
           "loss": "half_sse", "learning_rate": 0.1}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big))
    status, out, err = run(capsys, "explain", str(path), "--check")
    assert status == 2 and out == ""
    assert err.startswith("backprop_lib: error: --check: sympy would write ") and err.count("\n") == 1
    assert "local derivatives" in err and "at most 5,000" in err


# ------------------------------------------------------------------ the widgets' Python side and the chapter's helpers
def one_line(fn):
    with pytest.raises(bp.SpecError) as info:
        fn()
    assert str(info.value) and "\n" not in str(info.value)
    return str(info.value)


def test_conv_widgets_construction_and_python_checks(capsys):
    from backprop_lib.widgets.convolution import ConvAnswerBox, ConvPlayground, check

    net = conv.example()
    pg = ConvPlayground(net, decimals=6)
    assert pg.spec["decimals"] == 6 and set(pg.values) == {p.name for p in net.parameters()}
    pg.values = {**pg.values, "k22": -0.2}                        # as the page syncs a slider
    assert pg.network()["k22"] == -0.2
    assert pg.network().forward().loss == net.with_params(k22=-0.2).forward().loss
    pg.reset()
    assert np.array_equal(pg.network().flat(), net.flat())
    assert one_line(lambda: pg.set_value("k99", 1.0)).startswith("values: no slider named 'k99'")
    assert one_line(lambda: ConvPlayground(bp.preset("2-2-2"))).startswith("ConvPlayground: expected a conv network")
    assert one_line(lambda: ConvPlayground(net, decimals=30)).startswith("decimals:")
    box = ConvAnswerBox(net, "dE/dk11", seed=15)
    assert box.label == "∂E/∂k11 =" and box.tolerance == {"figures": 3}
    assert box.check(f"{conv.value(net, 'dE/dk11'):.4g}") is True
    assert one_line(lambda: ConvAnswerBox(net, "dE/dk99")).startswith("dE/dk99: not a quantity of this network")
    assert one_line(lambda: ConvAnswerBox(net, "speed")).startswith("speed: not a quantity key")
    assert one_line(lambda: ConvAnswerBox(net, "E", tolerance="lots")).startswith("tolerance:")
    assert one_line(lambda: ConvAnswerBox(net, "E", seed=-1)).startswith("seed:")
    capsys.readouterr()
    g = conv.value(net, "dE/dk11")
    assert check(net, "dE/dk11", g) is True and capsys.readouterr().out.startswith("Right: 0.017952043")
    spread = dict(convolution_mistakes(net, "dE/dk11"))["spread"]
    assert check(net, "dE/dk11", spread) is False and "only to the position" in capsys.readouterr().out
    assert check(net, "k11+", 0.1 + 0.5 * g) is False and "you added the step" in capsys.readouterr().out
    fresh = conv.draw(net, 2, seed=15)
    assert check(net, "dE/dk11", conv.value(fresh, "dE/dk11"), variant=2, seed=15) is True


def convolution_mistakes(net, key):
    from backprop_lib.widgets.convolution import mistakes
    return mistakes(net, key)


def test_a_relu_gate_mistake_is_recognised():
    from backprop_lib.widgets.convolution import check_answer, tolerance_spec

    # a network where a routed position has net < 0, so forgetting the gate changes ∂E/∂k
    for n in range(1, 60):
        net = conv.draw(conv.example(), n, seed=3)
        t = net.forward()
        g = net.backward(t)
        if np.any((g.dE_dout[1] != 0) & (t.net[1] < 0)):
            break
    else:
        pytest.fail("no drawn network has a closed gate on a routed position")
    codes = dict(convolution_mistakes(net, "dE/dk11"))
    assert "no_gate" in codes
    assert check_answer(net, "dE/dk11", codes["no_gate"], tolerance_spec(None))[1] == "no_gate"


def test_the_code_exercise_check(capsys):
    from backprop_lib.conv_book import check_kernel_gradient

    def right(image, delta):
        h, w = delta.shape
        k = image.shape[0] - h + 1
        return np.array([[np.sum(image[u:u + h, v:v + w] * delta) for v in range(k)] for u in range(k)])

    def flipped(image, delta):
        return right(image, delta)[::-1, ::-1]

    def unwritten(image, delta):
        raise NotImplementedError

    assert check_kernel_gradient(right) is True and capsys.readouterr().out.startswith("Right")
    assert check_kernel_gradient(flipped) is False and "Not yet: on the worked example" in capsys.readouterr().out
    assert check_kernel_gradient(unwritten) is False and "still to be written" in capsys.readouterr().out
    assert check_kernel_gradient(lambda i, d: np.zeros((3, 3))) is False
    assert "yours is 3×3" in capsys.readouterr().out


def test_the_chapter_figures_and_sums_come_from_the_passes():
    from backprop_lib import conv_book as cb

    net = conv.example()
    sums = cb.conv_sums(net).text
    assert sums.count(r"\mathrm{net}_{") == 16 and r"= -0.060000000" in sums
    assert r"(-0.3) \cdot 0.1" in sums
    pooled = cb.pool_lines(net).text
    assert r"\max(0.06, 0.37, 0.1, 0.32) = 0.370000000" in pooled and r"\mathrm{out}_{12}" in pooled
    grads = cb.kernel_gradient_lines(net).text
    assert "= 0.017952043" in grads and "0.004789167 \\cdot 0.2" in grads
    fig = cb.forward_figure(net)
    assert "pooled 0.370000000 0.490000000 0.210000000 0.130000000" in repr(fig) and fig.svg.startswith("<svg")
    assert "dE/dk 0.017952043 0.013748258 0.005984014 0.017918184" in repr(cb.backward_figure(net))
    assert cb.short(0.06000000000000001) == "0.06" and cb.short(-0.0) == "0" and cb.short(-0.5) == "(-0.5)"


def test_the_library_gradient_is_jax_s():
    """A framework's automatic differentiation of the same network agrees (float64)."""
    import jax.numpy as jnp

    from backprop_lib import conv_digits

    data = conv_digits.load()
    net = conv.digits_network(inputs=data.train_images[:16], targets=data.train_targets[:16], seed=4)
    _, loss, grad = conv_digits.jax_step_function(net)
    params = tuple(jnp.asarray(a) for a in (net.weights[0], net.biases[0], net.weights[2], net.biases[2]))
    x, t = jnp.asarray(net.inputs), jnp.asarray(net.targets)
    assert abs(float(loss(params, x, t)) - net.forward().loss) < 1e-12
    g = net.backward(input_gradient=False)
    for a, b in zip(grad(params, x, t), (g.weights[0], g.biases[0], g.weights[2], g.biases[2])):
        assert np.max(np.abs(np.asarray(a) - b)) < 1e-12


def test_the_digits_cnn_learns():
    from backprop_lib import conv_digits

    data = conv_digits.load()
    assert (len(data.train_labels), len(data.test_labels)) == (1438, 359)
    assert set(np.bincount(data.test_labels)) <= {35, 36, 37}                 # a fifth of each digit
    history, cnn = conv_digits.train_cnn(data, epochs=6, learning_rate=0.3, seed=1)
    assert history[-1] < history[0] / 5
    assert conv_digits.accuracy(cnn, data.test_images, data.test_labels) > 0.9


def test_a_hand_calculation_is_right_to_the_digits_it_gives():
    """As every answer box of the book: the exact value rounded to the digits typed passes
    (from 3 significant figures), fewer digits are asked for, and a slip is named."""
    from backprop_lib.widgets.convolution import check_answer, tolerance_spec

    net = conv.example()
    tol = tolerance_spec(None)
    for key in ["k22+", "dE/dk11", "dE/db1", "E", "out:p2_12"]:
        exact = conv.value(net, key)
        for figures in (3, 4, 6):
            assert check_answer(net, key, f"{exact:#.{figures}g}", tol)[:2] == (True, None), (key, figures)
        if float(f"{exact:.2g}") != exact:          # (a pooled 0.49 is exact at two figures)
            assert check_answer(net, key, f"{exact:#.2g}", tol)[1] == "few_digits"
        off = float(f"{exact:.4g}") + 3 * 10 ** (math.floor(math.log10(abs(exact))) - 3)
        assert check_answer(net, key, f"{off:.4g}", tol)[0] is False
    grad = conv.value(net, "dE/dk11")
    assert check_answer(net, "dE/dk11", f"{-grad:.5g}", tol)[1] == "sign"
