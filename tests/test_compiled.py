"""The compiled trainer (straight-line Python) against the NumPy steps, on random networks."""
import numpy as np
import pytest
from hypothesis import given, settings

import backprop_lib as bp
from backprop_lib.compiled import source

from strategies import networks


@settings(max_examples=150, deadline=None)
@given(networks())
def test_compiled_training_equals_numpy_steps(net):
    steps = 4
    try:
        slow_history, slow = net.train(steps, engine="numpy")
    except bp.TrainingDiverged as slow_error:
        with pytest.raises(bp.TrainingDiverged) as fast_error:
            net.train(steps)
        assert str(fast_error.value) == str(slow_error)
        return
    fast_history, fast = net.train(steps)
    assert len(fast_history) == len(slow_history) == steps + 1
    # The two sum in different orders, so they differ by rounding (~1e-16); at a large learning
    # rate training can amplify that a thousandfold in four steps.  A real bug shows as ~1e-3.
    assert np.allclose(fast_history, slow_history, rtol=1e-9, atol=1e-12)
    assert np.allclose(fast.flat(), slow.flat(), rtol=1e-9, atol=1e-12)


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
