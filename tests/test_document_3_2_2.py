"""The second document (3-2-2): its ∂E/∂b1, its code and its readers' numbers, reproduced.

Quoted numbers are the document's or its readers' (in the seed text); every other expected
value is computed here another way (the library's backward pass and training, sympy, finite
differences, or a separate implementation of the rule under test).
"""
import itertools

import numpy as np
import pytest
import sympy as sp

import backprop_lib as bp
from backprop_lib.documents import second
from backprop_lib.quantities import agrees

STEPS = 10000                                    # the document's numIter


@pytest.fixture(scope="module")
def net():
    return bp.preset("3-2-2")


@pytest.fixture(scope="module")
def runs():
    """The document's loop as written and with the exact ∂E/∂b1, over its full training."""
    return {"written": second.run_code(STEPS, print_iterations=(0, STEPS - 1)),
            "exact": second.run_code(STEPS, db1="exact")}


# ---------------------------------------------------------------------------- ∂E/∂b1
def test_the_four_paths_sum_to_the_gradient_and_the_text_keeps_two(net):
    paths = second.db1_paths(net)
    assert set(paths) == {("o1", "h1"), ("o1", "h2"), ("o2", "h1"), ("o2", "h2")}
    exact = net.named_gradient()["b1"]
    assert sum(paths.values()) == pytest.approx(exact, abs=1e-16)
    assert sum(paths.values()) == pytest.approx(float(bp.derive(net).whole_gradient(net)[
        [p.name for p in net.parameters()].index("b1")]), abs=1e-15)
    written = second.db1_as_written()["dE/db1"]
    assert written == pytest.approx(paths[("o1", "h1")] + paths[("o2", "h2")], abs=1e-18)
    assert agrees(written, "0.0008") and not agrees(exact, "0.0008")


def test_only_the_texts_pair_of_paths_rounds_to_its_number(net):
    paths = second.db1_paths(net)
    matching = [chosen for r in range(1, 5) for chosen in itertools.combinations(paths, r)
                if agrees(sum(paths[c] for c in chosen), "0.0008")]
    assert matching == [(("o1", "h1"), ("o2", "h2"))]


def test_db1_is_the_sum_of_dw1_and_dw2_over_x1(net):
    """∂z/∂w1 = x1 and ∂z/∂b1 = 1: symbolically, and with the document's own quotes."""
    d = bp.derive(net)
    x1 = d.inputs[0]
    assert sp.expand(x1 * d.whole("b1") - (d.whole("w1") + d.whole("w2"))) == 0
    quotes = {p["key"]: p["quote"] for p in bp.published("3-2-2") if p["section"] == "step 4"}
    from_quotes = (float(quotes["dE/dw1"]) + float(quotes["dE/dw2"])) / net.inputs[0, 0]
    assert agrees(net.named_gradient()["b1"], f"{from_quotes:.4f}")
    assert not agrees(from_quotes, quotes["dE/db1"])


def test_the_texts_line_with_its_printed_factors(net):
    assert agrees(second.db1_from_quoted_factors()["dE/db1"], "0.0008")
    # a reader's 0.5882953953632: the same line with 1598 for 0.1598
    assert second.micon_product()["dE/db1"] == pytest.approx(0.5882953953632, abs=1e-13)
    factors = second.QUOTED_DB1_FACTORS
    assert [float(f) for f in factors[0][:4]] == [0.7896, 0.0983, 0.7, 0.0132]
    assert agrees(bp.value(net, "dout/dnet:o2"), f"{factors[1][1]:.4f}")


# ---------------------------------------------------------------------------- its code
def test_code_with_the_exact_db1_is_the_librarys_training(net, runs):
    history, trained = net.train(STEPS)
    exact = runs["exact"]
    assert len(exact.err_list) == STEPS
    assert np.max(np.abs(np.array(exact.err_list) - np.array(history[:-1]))) < 1e-12
    lib = {p.name: p.value for p in trained.parameters()}
    assert max(abs(exact.params()[n] - lib[n]) for n in lib) < 1e-12


def _two_path_training(net, steps):
    """A separate implementation of the code's rule: backprop_lib's gradient with ∂E/∂b1
    replaced by the two paths through w7 and w10; returns (errors before each update, net)."""
    errors = []
    names = [p.name for p in net.parameters()]
    for _ in range(steps):
        trace = net.forward()
        errors.append(trace.loss)
        grads = net.backward(trace)
        g = net.named_gradient(trace)
        (d_o1, d_o2), (h1, h2) = grads.delta[2][0], trace.out[1][0]
        g["b1"] = d_o1 * net["w7"] * h1 * (1 - h1) + d_o2 * net["w10"] * h2 * (1 - h2)
        net = net.with_flat(net.flat() - net.learning_rate * np.array([g[n] for n in names]))
    return errors, net


def test_code_as_written_trains_with_the_two_path_rule(net):
    steps = 1500
    run = second.run_code(steps)
    errors, trained = _two_path_training(net, steps)
    assert np.max(np.abs(np.array(run.err_list) - np.array(errors))) < 1e-12
    assert max(abs(run.params()[p.name] - p.value) for p in trained.parameters()) < 1e-12
    assert run.dE_db1[0] == pytest.approx(second.db1_as_written()["dE/db1"], abs=1e-18)


def test_the_missing_paths_move_b1_not_the_error(net, runs):
    written, exact = runs["written"], runs["exact"]
    written_net, exact_net = written.network(), exact.network()
    b1_gap = abs(written_net["b1"] - exact_net["b1"])
    assert b1_gap > 1e-3                                      # b1 ends elsewhere …
    others = max(abs(written_net[n] - exact_net[n]) for n in written.params() if n != "b1")
    assert others < b1_gap / 10
    gap = np.abs(np.array(written.err_list) - np.array(exact.err_list))
    assert 0 < gap.max() < 1e-4                               # … the error curve barely moves
    assert written_net.forward().loss == pytest.approx(exact_net.forward().loss, rel=1e-3)
    # b1 moves a small part of the exact way
    moved = (net["b1"] - written_net["b1"]) / (net["b1"] - exact_net["b1"])
    assert 0 < moved < 0.2


def test_what_the_code_prints(net, runs):
    run = runs["written"]
    assert run.lines_printed == 7 * STEPS
    first = run.printed[0].split("\n")
    out = net.forward().outputs[0]
    assert first[0] == f"Running 1 of {STEPS}"
    assert float(first[1].removeprefix("o1: ")) == out[0]
    assert float(first[3].removeprefix("o2: ")) == out[1]
    assert first[2] == "t1: 0.1" and first[4] == "t2: 0.05"
    assert float(first[5].removeprefix("error: ")) == pytest.approx(net.forward().loss, abs=1e-16)
    last = run.printed[STEPS - 1].split("\n")
    assert last[0] == f"Running {STEPS} of {STEPS}"
    # the last error printed is before the last update; the final parameters' error is never printed
    assert float(last[5].removeprefix("error: ")) == run.err_list[-1]
    assert run.network().forward().loss < run.err_list[-1]


def test_its_w7_to_w10_inside_the_loop_are_the_forward_passs_weights():
    steps = 500
    scalars, from_list = second.run_code(steps), second.run_code(steps, dh_weights="wList")
    assert scalars.err_list == from_list.err_list
    assert scalars.w + scalars.b == from_list.w + from_list.b


def test_without_updates_in_the_loop_the_error_is_flat(net):
    flat = second.run_code(50, update=False)
    assert set(flat.err_list) == {net.forward().loss}


def test_bad_settings_are_clear_errors():
    with pytest.raises(ValueError, match="db1: must be"):
        second.run_code(1, db1="three paths")
    with pytest.raises(ValueError, match="dh_weights: must be"):
        second.run_code(1, dh_weights="w7")
    with pytest.raises(ValueError, match="num_iter: must be"):
        second.run_code(-1)


# ---------------------------------------------------------------------------- its readers
def test_the_gradient_check_comment_used_the_summed_binary_cross_entropy(net):
    up, down, slope = second.gradient_check(second.binary_cross_entropy, "w5", 1e-4, net)
    assert agrees(up, "3.5365879") and agrees(down, "3.5365727") and agrees(slope, "0.07614")
    for label, cost in second.COSTS.items():
        if cost is not second.binary_cross_entropy:
            u, dn, _ = second.gradient_check(cost, "w5", 1e-4, net)
            assert not (agrees(u, "3.5365879") and agrees(dn, "3.5365727")), label
    # the document's E passes the same check: its 0.0099 is right for its E
    assert second.gradient_check(second.half_sse, "w5", 1e-4, net)[2] == pytest.approx(
        net.named_gradient()["w5"], abs=1e-9)
    assert 7 < slope / net.named_gradient()["w5"] < 8                  # "7 times greater"


def test_sympy_differentiates_the_cross_entropy_to_the_readers_slope(net):
    d = bp.derive(net)
    C = second.binary_cross_entropy_expr(d)
    at = {**dict(zip(d.params, net.flat())), **dict(zip(d.inputs, net.inputs[0])),
          **dict(zip(d.targets, net.targets[0]))}
    assert float(C.subs(at)) == pytest.approx(second.binary_cross_entropy(net), abs=1e-13)
    dC_dw5 = float(sp.diff(C, d.symbol["w5"]).subs(at))
    assert agrees(dC_dw5, "0.07614")
    assert second.gradient_check_cross_entropy()["dE/dw5"] == pytest.approx(dC_dw5, abs=1e-8)
    # the same number as the document's E backpropagated without the outputs' o(1 − o)
    trace = net.forward()
    delta = trace.outputs[0] - net.targets[0]
    h1 = trace.out[1][0, 0]
    without = (delta @ net.weights[1][:, 0]) * h1 * (1 - h1) * net.inputs[0, 2]
    assert without == pytest.approx(dC_dw5, abs=1e-15)


def test_the_reader_who_read_t2_as_a_half(net):
    assert agrees(second.kyunghoon_target()["dE/dout:o2"], ".3004")
    assert agrees(bp.value(net, "dE/dout:o2"), "0.7504")
    six = bp.value(second.with_target_o2(0.6, net), "dE/dout:o2")
    assert not agrees(six, "0.7504") and not agrees(six, ".3004")
    assert agrees(net.forward().outputs[0, 1] - 0.7504, "0.05")


def test_several_samples_batch_and_online(net):
    batch = second.several_samples("batch", net)
    assert batch.samples == 3 and np.array_equal(batch.inputs[0], net.inputs[0])
    each = [batch.replace(inputs=batch.inputs[s:s + 1], targets=batch.targets[s:s + 1]) for s in range(3)]
    assert np.max(np.abs(np.mean([e.gradient() for e in each], axis=0) - batch.gradient())) < 1e-16
    assert bp.max_abs_diff(bp.derive(batch).whole_gradient(batch), batch.gradient()) < 1e-15
    online = second.several_samples("online", net)
    one_step = online.step()
    by_hand = batch
    for e in each:       # one update per sample, in order, each with its own gradient
        by_hand = by_hand.with_flat(by_hand.flat() - net.learning_rate * e.with_flat(by_hand.flat()).gradient())
    assert bp.max_abs_diff(one_step.flat(), by_hand.flat()) < 1e-15
    assert bp.max_abs_diff(one_step.flat(), batch.step().flat()) > 1e-6
    # with the document's single sample, the two modes are one
    assert bp.max_abs_diff(net.replace(mode="online").step().flat(), net.replace(mode="batch").step().flat()) == 0


# ---------------------------------------------------------------------------- the preset
def test_the_readers_numbers_are_quoted_with_their_explanations():
    # that each quote stands in the document's text is checked by make check-sources
    comments = {p["quote"]: p for p in bp.published("3-2-2") if p["section"] == "comments"}
    assert comments["0.07614"]["explained_by"] == "second.gradient_check_cross_entropy"
    assert comments[".3004"]["explained_by"] == "second.kyunghoon_target"
    assert comments["0.5882953953632"]["explained_by"] == "second.micon_product"
