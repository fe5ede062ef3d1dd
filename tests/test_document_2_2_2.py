"""The first document (2-2-2): the experiments its chapter shows, held to their results.

backprop_lib/documents/first.py re-expresses the procedures that reproduce the document's
disagreeing numbers; these tests check that each reproduces exactly what the chapter says
it does, that the exact computation really disagrees, and that the searches find what the
chapter reports and nothing else.
"""
from decimal import Decimal

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.documents import first
from backprop_lib.network import SpecError

QUOTE = {p["key"]: p["quote"] for p in bp.published("2-2-2")}
EXACT = "exact (the document's sections)"
EARLY = "output weights updated first"


@pytest.fixture(scope="module")
def net():
    return bp.preset("2-2-2")


# ------------------------------------------------------------------------ the training loop
@pytest.mark.parametrize("update_biases", [False, True])
def test_train_loop_exact_is_the_library_training(net, update_biases):
    """first.train_loop's exact procedure is backprop_lib's own training, step for step."""
    run = first.train_loop(300, update_biases=update_biases)
    history, trained = net.replace(update_biases=update_biases).train(300)
    assert np.max(np.abs(np.array(run.history) - np.array(history))) < 1e-15
    assert np.max(np.abs(run.net.flat() - trained.flat())) < 1e-13


def test_train_loop_rejects_what_it_cannot_do(net):
    with pytest.raises(SpecError, match="hidden_uses: expected 'original' or 'updated'"):
        first.train_loop(1, hidden_uses="later")
    deep = bp.Network(layers=[2, 2, 2, 2], activations=["sigmoid"] * 3, weights=[np.eye(2)] * 3,
                      biases=[0.1] * 3, inputs=[0.1, 0.2], targets=[0.3, 0.4])
    with pytest.raises(SpecError, match="one hidden layer"):
        first.train_loop(1, net=deep)
    with pytest.raises(SpecError, match="steps: must be 0 or more"):
        first.train_loop(-1)


# ------------------------------------------------------------------------ −0.019049119
def test_rounded_delta_gives_the_document_number_and_the_exact_route_does_not(net):
    routes = first.delta_routes()
    assert first.rounded_delta()["dE:o2/dout:h1"] == float(first.DOCUMENT_QUOTE)
    assert not bp.agrees(routes["exact"], first.DOCUMENT_QUOTE)
    assert routes["exact"] == pytest.approx(bp.value(net, "dE:o2/dout:h1"), abs=1e-17)
    # the rounded product sits exactly half way at the ninth place: a 5 in the tenth
    product = routes["rounded delta × w7"]
    assert product.as_tuple().exponent == -10 and product.as_tuple().digits[-1] == 5
    assert routes["printed"] == Decimal(first.DOCUMENT_QUOTE)


# ------------------------------------------------------------------------ the closing paragraph
def test_sections_use_the_original_output_weights():
    exact, early = first.train_loop(1).net, first.train_loop(1, hidden_uses="updated").net
    for w in ("w1", "w2", "w3", "w4"):
        assert bp.agrees(exact[w], QUOTE[w + "+"])
        assert not bp.agrees(early[w], QUOTE[w + "+"])
    for w in ("w5", "w6", "w7", "w8"):                 # the output weights are the same either way
        assert exact[w] == early[w]


def test_variant_loop_gives_the_closing_error_after_one_update_and_the_outputs(net):
    reproduced = first.text_variant()
    for key in ("E@1", "out:o1@10000", "out:o2@10000"):
        assert bp.agrees(reproduced[key], QUOTE[key])
        assert not bp.agrees(bp.value(net, key), QUOTE[key])


def test_quoted_error_is_not_the_error_of_the_quoted_outputs():
    of_outputs = first.error_of_outputs(QUOTE["out:o1@10000"], QUOTE["out:o2@10000"])
    assert not bp.agrees(float(of_outputs), QUOTE["E@10000"])
    # and the variant that prints those outputs has that error, not the quoted one
    run = first.train_loop(10000, hidden_uses="updated")
    assert abs(run.history[10000] - float(of_outputs)) < 1e-12
    assert not bp.agrees(run.history[10000], QUOTE["E@10000"])


def test_closing_search_finds_one_match_per_quote():
    found = first.closing_search(steps=12000)
    assert [(label, n) for label, n, _ in found["E@1"]] == [(EARLY, 1)]
    assert [(label, n) for label, n, _ in found["out@10000"]] == [(EARLY, 10000)]
    assert [(label, n) for label, n, _ in found["E@10000"]] == [(EXACT, 9999)]
    assert first.exact_after_9999_updates()["E@10000"] == found["E@10000"][0][2]


def test_the_script_as_it_stands_does_not_print_the_closing_numbers(net):
    printed = first.script_printout((0, 9999))
    first_line = float(printed[0].split()[1])
    assert first_line == round(net.train(1)[0][1], 9)
    assert not bp.agrees(first_line, QUOTE["E@1"])
    last = printed[9999].split()[1]
    assert not bp.agrees(float(last), QUOTE["E@10000"])
    # round(E, 9) keeps at most nine decimal places; the quote has ten
    assert Decimal(last).as_tuple().exponent >= -9 > -len(QUOTE["E@10000"].split(".")[1])


# ------------------------------------------------------------------------ the reader's −0.017144205
def test_commenter_number_is_w6_in_single_precision_and_nothing_else():
    candidates, hits = first.commenter_search()
    assert len(candidates) == len(first.DELTA_SLIPS) * 8 * 2 * 2
    assert {(slip, weight, precision) for slip, weight, _, precision, _ in hits} == \
           {(next(iter(first.DELTA_SLIPS)), "w6", "single")}
    double_w6 = [v for s, w, r, p, v in candidates
                 if s == next(iter(first.DELTA_SLIPS)) and w == "w6" and p == "double" and not r][0]
    assert f"{double_w6:.9f}" == "-0.017144206"         # one unit off in double precision
    assert f"{hits[0][4]:.9f}" == first.COMMENTER_QUOTE


# ------------------------------------------------------------------------ readers' questions
def test_biases_updated_three_ways(net):
    """One step with the biases moving: the library, the float loop and a step taken by hand
    with sympy's gradient agree; training them lowers the error further."""
    moving = net.replace(update_biases=True)
    by_hand = moving.with_flat(moving.flat() - moving.learning_rate * bp.derive(moving).whole_gradient(moving))
    library = moving.train(1)[0][1]
    assert abs(by_hand.forward().loss - library) < 1e-14
    assert abs(first.train_loop(1, update_biases=True).history[1] - library) < 1e-14
    g = moving.named_gradient()
    assert g["b1"] == pytest.approx(bp.value(net, "dE/dnet:h1") + bp.value(net, "dE/dnet:h2"), abs=1e-15)
    assert g["b2"] == pytest.approx(bp.value(net, "dE/dnet:o1") + bp.value(net, "dE/dnet:o2"), abs=1e-15)
    fixed_h, _ = net.train(10000)
    moving_h, trained = moving.train(10000)
    assert moving_h[1] < fixed_h[1] and moving_h[10000] < fixed_h[10000] / 5
    assert trained["b1"] != net["b1"] and trained["b2"] != net["b2"]


def test_adding_the_gradient_raises_the_error(net):
    up = net.with_flat(net.flat() + net.learning_rate * net.gradient())
    down = net.with_flat(net.flat() - net.learning_rate * net.gradient())
    assert up.forward().loss > net.forward().loss > down.forward().loss


def test_targets_zero_and_one_keep_the_weights_growing(net):
    """From 10,000 to 100,000 updates the largest weight gains far more towards 0 and 1."""
    def gain(targets):
        _, at_10k = net.replace(targets=[targets]).train(10000)
        _, at_100k = at_10k.train(90000)
        return float(np.max(np.abs(at_100k.flat())) - np.max(np.abs(at_10k.flat())))
    soft, hard = gain([0.01, 0.99]), gain([0.0, 1.0])
    assert hard > 2 * soft > 0


@pytest.mark.parametrize("param", ["w1", "w4", "b1", "w5", "w8", "b2"])
def test_chain_form_is_sympys_whole_derivative(param):
    assert first.check_chain_form(param) < 1e-14


def test_two_hidden_layers_three_ways():
    deep = bp.Network(layers=[2, 2, 2, 2], activations=["sigmoid"] * 3,
                      weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]],
                               [[0.60, 0.65], [0.70, 0.75]]],
                      biases=[0.35, 0.60, 0.80], inputs=[0.05, 0.10], targets=[0.01, 0.99])
    d = bp.derive(deep)
    backprop = deep.gradient()
    assert bp.max_abs_diff(d.whole_gradient(deep), backprop) < 1e-14
    assert bp.max_abs_diff(d.chain_gradient(deep), backprop) < 1e-14
    assert bp.max_abs_diff(bp.finite_difference(deep), backprop) < 1e-8
    assert first.check_chain_form("w1_1_1", deep) < 1e-14


def test_logistic_slope_is_out_times_one_minus_out():
    import sympy as sp
    slope, gap = first.logistic_slope()
    assert gap == 0
    n = sp.Symbol("net", real=True)
    assert sp.simplify(slope - n * (1 - n)) != 0
