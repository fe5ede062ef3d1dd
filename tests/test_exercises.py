"""Code exercises: the check says "Right" for a correct function, and a one-line "Not yet" for
an unfinished, wrong or failing one, the same on every run."""
import pytest

import backprop_lib as bp
from backprop_lib.exercises import EXERCISES, check_function, networks


def hidden_delta(out_h, weights_out, deltas_out):
    return sum(w * d for w, d in zip(weights_out, deltas_out)) * out_h * (1 - out_h)


def output_delta(out, target):
    return (out - target) * out * (1 - out)


def update(weights, i1, i2, actual, eta):
    w1, w2, w3, w4, w5, w6 = weights
    h1, h2 = w1 * i1 + w2 * i2, w3 * i1 + w4 * i2
    delta = w5 * h1 + w6 * h2 - actual
    return [w1 - eta * delta * w5 * i1, w2 - eta * delta * w5 * i2, w3 - eta * delta * w6 * i1,
            w4 - eta * delta * w6 * i2, w5 - eta * delta * h1, w6 - eta * delta * h2]


def bias_gradient(out_h, out_o, target, w_out):
    d = [(o - t) * o * (1 - o) for o, t in zip(out_o, target)]
    return sum(h * (1 - h) * sum(w_out[k][j] * d[k] for k in range(len(d))) for j, h in enumerate(out_h))


SOLUTIONS = [hidden_delta, output_delta, update, bias_gradient]


def test_every_exercise_has_a_tested_solution():
    assert {f.__name__ for f in SOLUTIONS} == set(EXERCISES)
    for fn in SOLUTIONS:
        verdict = check_function(fn)
        assert verdict and repr(verdict).startswith("Right:"), repr(verdict)
        assert "\n" not in repr(verdict)


def test_the_cases_are_the_documents_network_and_fresh_ones():
    for exercise in EXERCISES.values():
        nets = networks(exercise)
        assert nets[0].flat().tolist() == bp.preset(exercise.preset).flat().tolist()
        assert len({tuple(n.flat()) for n in nets}) == len(nets) >= 6
    # the document's own numbers are the first case: h1's δ of the first document
    args = EXERCISES["hidden_delta"].arguments(bp.preset("2-2-2"))
    assert args["weights_out"] == [0.4, 0.5] and abs(args["out_h"] - 0.593269992) < 1e-9


def unfinished(out_h, weights_out, deltas_out):
    dE_dout = ...
    return ...


def test_an_unfinished_function_gets_not_yet_the_same_every_time():
    unfinished.__name__ = "hidden_delta"
    first = repr(check_function(unfinished))
    assert first == repr(check_function(unfinished))
    assert first.startswith("Not yet: hidden_delta returns ...") and not check_function(unfinished)

    def update(weights, i1, i2, actual, eta):                # noqa: F811  (the reader's unfinished update)
        return [...]
    assert repr(check_function(update)).startswith("Not yet: update returns [...]")


@pytest.mark.parametrize("wrong, says", [
    (lambda out_h, weights_out, deltas_out: sum(w * d for w, d in zip(weights_out, deltas_out)),
     "backpropagation gives"),                                 # σ′ left out
    (lambda out_h, weights_out, deltas_out: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (lambda out_h, weights_out, deltas_out: "0.1", None),     # a string that reads as a number: still wrong
    (lambda out_h, weights_out, deltas_out: [1.0, 2.0], "should return a number"),
])
def test_wrong_functions_get_one_clear_line(wrong, says):
    wrong.__name__ = "hidden_delta"
    verdict = check_function(wrong)
    assert not verdict and repr(verdict).startswith("Not yet:") and "\n" not in repr(verdict)
    if says:
        assert says in repr(verdict)


def test_an_unknown_name_is_named():
    def sigmoid_slope(x):
        return x
    verdict = check_function(sigmoid_slope)
    assert not verdict and "no exercise is called 'sigmoid_slope'" in repr(verdict)
