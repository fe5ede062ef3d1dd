"""The forward pass, backward pass and update of backprop_lib, on hand-checked cases."""
import math

import numpy as np
import pytest

import backprop_lib as bp


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_forward_of_the_first_document_by_hand():
    net = bp.preset("2-2-2")
    trace = net.forward()
    out_h1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    out_h2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    out_o1 = sigmoid(0.40 * out_h1 + 0.45 * out_h2 + 0.60)
    out_o2 = sigmoid(0.50 * out_h1 + 0.55 * out_h2 + 0.60)
    assert trace.out[1][0].tolist() == pytest.approx([out_h1, out_h2], abs=1e-15)
    assert trace.out[2][0].tolist() == pytest.approx([out_o1, out_o2], abs=1e-15)
    assert trace.loss == pytest.approx(0.5 * (0.01 - out_o1) ** 2 + 0.5 * (0.99 - out_o2) ** 2, abs=1e-15)
    assert trace.terms[0].tolist() == pytest.approx([0.5 * (0.01 - out_o1) ** 2, 0.5 * (0.99 - out_o2) ** 2])


def test_backward_of_the_first_document_by_hand():
    net = bp.preset("2-2-2")
    trace = net.forward()
    h1, h2 = trace.out[1][0]
    o1, o2 = trace.out[2][0]
    d_o1 = (o1 - 0.01) * o1 * (1 - o1)
    d_o2 = (o2 - 0.99) * o2 * (1 - o2)
    d_h1 = (d_o1 * 0.40 + d_o2 * 0.50) * h1 * (1 - h1)
    d_h2 = (d_o1 * 0.45 + d_o2 * 0.55) * h2 * (1 - h2)
    g = net.named_gradient()
    expected = {"w1": d_h1 * 0.05, "w2": d_h1 * 0.10, "w3": d_h2 * 0.05, "w4": d_h2 * 0.10, "b1": d_h1 + d_h2,
                "w5": d_o1 * h1, "w6": d_o1 * h2, "w7": d_o2 * h1, "w8": d_o2 * h2, "b2": d_o1 + d_o2}
    for name, value in expected.items():
        assert g[name] == pytest.approx(value, abs=1e-16), name


def test_update_holds_biases_when_told_and_moves_them_otherwise():
    net = bp.preset("2-2-2")
    after = net.step()
    assert after["b1"] == 0.35 and after["b2"] == 0.60
    g = net.named_gradient()
    assert after["w5"] == pytest.approx(0.40 - 0.5 * g["w5"], abs=1e-16)
    moving = net.replace(update_biases=True).step()
    assert moving["b1"] == pytest.approx(0.35 - 0.5 * g["b1"], abs=1e-16)
    assert moving["b2"] == pytest.approx(0.60 - 0.5 * g["b2"], abs=1e-16)


def test_shared_bias_gradient_is_the_sum_over_its_layer_and_per_neuron_biases_are_separate():
    shared = bp.preset("3-2-2")
    each = shared.replace(biases=[np.array([0.5, 0.5]), np.array([0.5, 0.5])], names={})
    assert shared.forward().loss == each.forward().loss
    g_shared, g_each = shared.backward(), each.backward()
    for k in range(2):
        assert g_shared.biases[k] == pytest.approx(float(np.sum(g_each.biases[k])), abs=1e-16)
    assert len(each.parameters()) == len(shared.parameters()) + 2


def test_several_samples_the_loss_is_the_mean_and_batch_uses_its_gradient():
    net = bp.preset("2-2-2").replace(inputs=[[0.05, 0.10], [0.5, -0.2], [1.0, 1.0]],
                                     targets=[[0.01, 0.99], [0.3, 0.7], [0.9, 0.1]], mode="batch")
    singles = [net.replace(inputs=net.inputs[s:s + 1], targets=net.targets[s:s + 1]) for s in range(3)]
    assert net.forward().loss == pytest.approx(np.mean([n.forward().loss for n in singles]), abs=1e-16)
    assert net.gradient() == pytest.approx(np.mean([n.gradient() for n in singles], axis=0), abs=1e-16)
    stepped = net.step()
    assert stepped.flat() == pytest.approx(net.flat() - 0.5 * net.gradient() * np.array(
        [net.trainable(p) for p in net.parameters()]), abs=1e-16)


def test_online_mode_updates_once_per_sample_in_order():
    net = bp.preset("3-2-2").replace(inputs=[[1, 4, 5], [0.5, -1, 2]], targets=[[0.1, 0.05], [0.9, 0.2]],
                                     mode="online")
    by_hand = net
    for s in range(2):
        one = by_hand.replace(inputs=net.inputs[s:s + 1], targets=net.targets[s:s + 1])
        theta = one.flat() - net.learning_rate * one.gradient()
        by_hand = by_hand.with_flat(theta)
    assert net.step().flat() == pytest.approx(by_hand.flat(), abs=1e-16)
    # and it differs from one batch step
    assert not np.allclose(net.step().flat(), net.replace(mode="batch").step().flat(), atol=1e-9)


def test_softmax_backward_matches_its_jacobian():
    net = bp.Network(layers=[2, 3], activations=["softmax"], weights=[[[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]],
                     biases=[[0.1, 0.0, -0.1]], inputs=[0.6, -1.2], targets=[0.2, 0.5, 0.3], loss="cross_entropy")
    trace = net.forward()
    out = trace.out[1][0]
    assert out.sum() == pytest.approx(1.0, abs=1e-15)
    dE_dout = -net.targets[0] / out
    J = bp.ACTIVATIONS["softmax"].jacobian(out)
    assert net.backward(trace).delta[1][0] == pytest.approx(J.T @ dE_dout, abs=1e-15)
    # softmax with cross-entropy and targets summing to 1: δ = out − target
    assert net.backward(trace).delta[1][0] == pytest.approx(out - net.targets[0], abs=1e-15)


def test_relu_derivative_is_zero_at_and_below_zero():
    relu = bp.ACTIVATIONS["relu"]
    net = np.array([-1.0, 0.0, 2.0])
    assert relu.forward(net).tolist() == [0.0, 0.0, 2.0]
    assert relu.derivative(net, relu.forward(net)).tolist() == [0.0, 0.0, 1.0]


def test_with_params_changes_one_named_parameter_only():
    net = bp.preset("2-2-2")
    moved = net.with_params(w5=0.3)
    assert moved["w5"] == 0.3 and moved.weights[1][0, 0] == 0.3
    assert [p.value for p in moved.parameters() if p.name != "w5"] == \
           [p.value for p in net.parameters() if p.name != "w5"]
    assert net["w5"] == 0.4          # the original is untouched
    with pytest.raises(KeyError, match="no parameter named 'w9'"):
        net.with_params(w9=1.0)
    with pytest.raises(bp.SpecError, match="w5: must be a finite number"):
        net.with_params(w5=float("nan"))


def test_default_names_count_from_one():
    net = bp.Network(layers=[2, 3, 1], activations=["tanh", "linear"],
                     weights=[np.zeros((3, 2)), np.zeros((1, 3))], biases=[0.0, [0.0]])
    names = [p.name for p in net.parameters()]
    assert names[:7] == ["w1_1_1", "w1_1_2", "w1_2_1", "w1_2_2", "w1_3_1", "w1_3_2", "b1"]
    assert names[7:] == ["w2_1_1", "w2_1_2", "w2_1_3", "b2_1"]
    assert net.neuron_names == [["i1", "i2"], ["h1", "h2", "h3"], ["o1"]]


def test_training_history_has_one_loss_per_step_plus_the_start():
    net = bp.preset("2-2-1")
    history, after = net.train(5)
    assert len(history) == 6
    assert history[0] == net.forward().loss
    assert history[-1] == pytest.approx(after.forward().loss, abs=1e-15)
    assert all(b < a for a, b in zip(history, history[1:]))


def test_divergence_is_reported_in_one_line():
    net = bp.preset("2-2-1").replace(learning_rate=5.0)
    with pytest.raises(bp.TrainingDiverged, match=r"training diverged: the loss became inf after \d+ step"):
        net.train(2000)
