"""The cost measurements (backprop_lib.cost): that they time what they say they time.

No test here asserts a timing (timings vary with the machine; ``make bench`` reports
them): the tests check which parameters are nudged, that the nudged passes really compute
the gradient, that the network is left as it was, and the counts of kept numbers."""
import numpy as np
import pytest
from hypothesis import given, settings

import backprop_lib as bp
from backprop_lib import cost

from strategies import networks


@settings(max_examples=60)
@given(networks(max_depth=3, max_size=4, max_samples=2))
def test_parameters_are_found_in_the_networks_own_order(net):
    params = net.parameters()
    assert cost._count(net) == len(params)
    for n, p in enumerate(params):
        kind, k, index = cost._where(net, n)
        if p.kind == "weights":
            assert (kind, k, index) == ("weights", p.location[1], p.location[2:])
        elif len(p.location) == 2:
            assert (kind, k) == ("shared", p.location[1])
        else:
            assert (kind, k, index) == ("biases", p.location[1], (p.location[2],))
    with pytest.raises(IndexError):
        cost._where(net, len(params))


@pytest.mark.parametrize("net", [bp.preset("2-2-2"), bp.preset("3-2-2"), cost.cost_network(3)],
                         ids=["shared biases", "3-2-2", "a bias per neuron"])
def test_the_nudged_passes_compute_the_gradient_and_restore_the_network(net):
    before = net.flat().copy()
    row = cost.measure_one(net)
    assert row.parameters == len(net.parameters())
    assert not row.sampled and row.nudges_timed == 2 * row.parameters
    assert row.largest_difference < 1e-8                       # the 2P passes are a finite difference
    assert np.array_equal(net.flat(), before)
    assert row.forward > 0 and row.backprop > 0 and row.finite_difference > 0
    assert row.ratio == row.finite_difference / row.backprop


def test_a_big_network_times_a_sample_of_its_nudges():
    net = cost.cost_network(30)                                # 1,860 parameters
    row = cost.measure_one(net, full_up_to=1000, sample=50)
    assert row.parameters == 2 * 30 * 30 + 2 * 30
    assert row.sampled and row.nudges_timed == 100
    assert row.largest_difference < 1e-8


def test_the_networks_measured_run_from_10_to_about_100000_parameters():
    sizes = [cost._count(n) for n in cost.networks()]
    assert sizes[0] == 10 and 99_000 <= sizes[-1] <= 100_000
    assert sizes == sorted(sizes) and len(sizes) >= 8
    gaps = np.diff(np.log10(sizes))
    assert gaps.max() < 1.0                                    # no decade left out


def test_the_slope_of_a_ratio_proportional_to_p_is_one():
    rows = [cost.Cost(p, 1e-5, 2e-5, 2 * p * 1e-5, 2 * p, 0.0) for p in (10, 100, 1000, 10_000)]
    assert cost.slope(rows) == pytest.approx(1.0)
    rows = [cost.Cost(p, 1e-5, 2e-5, 3e-3, 2 * p, 0.0) for p in (10, 100, 1000)]
    assert cost.slope(rows) == pytest.approx(0.0, abs=1e-12)
    text = cost.table([cost.Cost(99_904, 6e-5, 3e-4, 15.0, 400, 0.0)])
    assert "99,904" in text and "400/199,808" in text and max(map(len, text.splitlines())) <= 72


def test_memory_counts_every_layers_net_and_out_of_every_sample():
    net = cost.cost_network(7)
    assert cost.memory(net, 1) == {"parameters": 112, "kept by backpropagation": 2 * (7 + 7),
                                   "kept by finite differences": 2 * 7}
    m = cost.memory(bp.preset("3-2-2"), 256)
    assert m["kept by backpropagation"] == 256 * 2 * (2 + 2)
    assert m["parameters"] == len(bp.preset("3-2-2").parameters())
