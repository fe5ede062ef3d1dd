"""The compiled trainer (straight-line Python) against the NumPy steps, on random networks."""
import numpy as np
import pytest
from hypothesis import example, given, settings

import backprop_lib as bp
from backprop_lib.compiled import source

from strategies import networks


# blown up to 1e99 by the fourth step: NumPy's weights stay finite, the compiled ones overflow
BLOWN_UP = bp.Network(layers=[2, 1, 1, 4, 1], activations=["linear", "linear", "linear", "relu"],
                      weights=[[[0.41088506, -0.69063986]], [[-1.37707943]],
                               [[-1.45041709], [0.93981072], [1.23826673], [0.31990733]],
                               [[0.68848968, 0.13087497, 1.30521727, 0.94756066]]],
                      biases=[None, None, None, None], learning_rate=0.5,
                      inputs=[[-0.994523, 0.71480855], [-0.93282885, 0.45931089]],
                      targets=[[-0.64868876], [0.72635784]], mode="online")


@settings(max_examples=150, deadline=None)
@given(networks())
@example(BLOWN_UP)
def test_compiled_training_equals_numpy_steps(net):
    steps = 4

    def run(engine):
        try:
            return net.train(steps, engine=engine)
        except bp.TrainingDiverged as e:
            return e

    def blown_up(result):
        return isinstance(result, bp.TrainingDiverged) or max(
            np.max(np.abs(result[0])), np.max(np.abs(result[1].flat()))) > 1e100

    slow, fast = run("numpy"), run("compiled")
    if blown_up(slow) or blown_up(fast):
        # near the overflow threshold the two summation orders may overflow at different
        # steps: both runs must have blown up, or stopped with the error
        assert blown_up(slow) and blown_up(fast), (slow, fast)
        return
    (slow_history, slow), (fast_history, fast) = slow, fast
    assert len(fast_history) == len(slow_history) == steps + 1
    # The two sum in different orders, so they differ by rounding (~1e-16); at a large learning
    # rate training can amplify that a thousandfold in four steps.  A real bug shows as ~1e-3.
    assert np.allclose(fast_history, slow_history, rtol=1e-9, atol=1e-12)
    assert np.allclose(fast.flat(), slow.flat(), rtol=1e-9, atol=1e-12)


def test_a_weight_that_overflows_stops_training_with_one_clear_error():
    with pytest.raises(bp.TrainingDiverged, match="a weight became nan in step 4"):
        BLOWN_UP.train(4, engine="numpy")


def test_compiled_source_reads_like_the_document():
    code = source(bp.preset("2-2-2"))
    assert "o1_0 = 1.0 / (1.0 + exp(-n1_0))" in code
    assert "d1_0 = (d2_0 * w1_0_0 + d2_1 * w1_1_0) * o1_0 * (1.0 - o1_0)" in code
    assert "b0 -=" not in code          # the first document does not update its biases
    assert "b0 -=" in source(bp.preset("3-2-2"))


def test_overflow_falls_back_to_numpy_and_still_trains():
    # a net input below −709 overflows math.exp; the NumPy engine takes over and agrees
    net = bp.Network(layers=[1, 1], activations=["sigmoid"], weights=[[[800.0]]], biases=[0.0],
                     inputs=[-1.0], targets=[0.5], learning_rate=0.1)
    history, after = net.train(3)
    assert history[0] == 0.125 and len(history) == 4
    assert after["w1_1_1"] == 800.0 + 0.0  # σ'(−800) = 0: the weight cannot move
