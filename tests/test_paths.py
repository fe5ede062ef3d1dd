"""The chain rule drawn as paths (backprop_lib.book.chain_paths and network_figure(paths=…))."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.book import chain_paths, network_figure


def test_paths_of_the_documents_parameters():
    net = bp.preset("2-2-2")
    assert chain_paths(net, "w5") == [[(2, 0)]]                            # w5 → o1 → E
    assert chain_paths(net, "w1") == [[(1, 0), (2, 0)], [(1, 0), (2, 1)]]  # through o1 and o2
    assert chain_paths(net, "b2") == [[(2, 0)], [(2, 1)]]                   # a shared bias: each neuron
    assert len(chain_paths(net, "b1")) == 4
    assert chain_paths(net, "i1") == [[(0, 0), (1, 0), (2, 0)], [(0, 0), (1, 0), (2, 1)],
                                      [(0, 0), (1, 1), (2, 0)], [(0, 0), (1, 1), (2, 1)]]
    linear = bp.preset("2-2-1")
    assert chain_paths(linear, "w1") == [[(1, 0), (2, 0)]]
    assert chain_paths(linear, "i1") == [[(0, 0), (1, 0), (2, 0)], [(0, 0), (1, 1), (2, 0)]]
    with pytest.raises(KeyError):
        chain_paths(linear, "nothing")


@pytest.mark.parametrize("layers", [[2, 3, 2], [3, 2, 4, 2], [1, 1]])
def test_the_sum_over_paths_of_the_products_along_them_is_the_derivative(layers):
    """For a linear network without biases, ∂out_k/∂w_ji is the sum over the paths from
    neuron j to output k of out_i times the weights along the path: the chain rule as the
    figure draws it, against a finite difference."""
    rng = np.random.default_rng(len(layers) * 10 + layers[0])
    weights = [rng.normal(size=(b, a)) for a, b in zip(layers, layers[1:])]
    net = bp.Network(layers=layers, activations=["linear"] * (len(layers) - 1), weights=weights,
                     inputs=rng.normal(size=(1, layers[0])), targets=np.zeros((1, layers[-1])))
    trace = net.forward()
    for p in net.parameters():
        _, k, j, i = p.location
        by_paths = np.zeros(layers[-1])
        for path in chain_paths(net, p.name):
            product = trace.out[k][0, i]
            for (l, a), (_, b) in zip(path, path[1:]):
                product *= net.weights[l][b, a]
            by_paths[path[-1][1]] += product
        h = 1e-6
        up = net.with_params(**{p.name: p.value + h}).forward().outputs[0]
        down = net.with_params(**{p.name: p.value - h}).forward().outputs[0]
        np.testing.assert_allclose(by_paths, (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


def test_the_figure_draws_the_paths_and_leaves_the_plain_figure_alone():
    net = bp.preset("2-2-2")
    plain = network_figure(net, labels="along", width=760)
    assert "path" not in plain.description and "#b34700" not in plain.svg
    figure = network_figure(net, paths="w1", labels="along", width=760)
    assert figure.description.endswith("2 path(s) from w1 to E:\nw1 → h1 → o1 → E\nw1 → h1 → o2 → E")
    assert figure.svg.count('stroke="#b34700" stroke-width="4"') == 3      # w1's edge, h1→o1, h1→o2
    assert "the paths from w1 to the error" in figure.svg
    bias = network_figure(net, paths="b1")
    assert bias.svg.count('stroke="#b34700" stroke-width="4"') == 4        # h1, h2 to o1, o2
    assert bias.description.count("b1 → ") == 4
