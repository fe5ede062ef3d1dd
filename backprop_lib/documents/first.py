"""The first document (2-2-2): the numbers in its closing paragraph.

Its sections compute one update with the original output weights in the hidden layer's
chain rule, as it says it does.  The error after that update (0.291027924) and the outputs
after 10,000 updates (0.015912196, 0.984065734) in its closing paragraph come instead from
a training loop that updates the output weights *first* and then uses those updated
weights to backpropagate into the hidden layer.  :func:`text_variant` runs that loop.
"""
from __future__ import annotations

from .. import presets


def _step_updated_output_weights_first(net):
    """One step, where the hidden deltas use the output weights already updated."""
    trace = net.forward()
    grads = net.backward(trace)
    out_w = net.weights[1] - net.learning_rate * grads.weights[1]
    early = net.replace(weights=[net.weights[0], out_w])
    hidden_grads = early.backward(trace)          # the same forward values, the new w5…w8
    in_w = net.weights[0] - net.learning_rate * hidden_grads.weights[0]
    return net.replace(weights=[in_w, out_w])


def train_variant(steps):
    """``(history, network)`` after ``steps`` steps of the variant loop."""
    net = presets.load("2-2-2")
    history = [net.forward().loss]
    for _ in range(steps):
        net = _step_updated_output_weights_first(net)
        history.append(net.forward().loss)
    return history, net


def text_variant():
    """The closing paragraph's numbers from the variant loop."""
    history, net = train_variant(10000)
    out = net.forward().outputs[0]
    return {"E@1": history[1], "out:o1@10000": float(out[0]), "out:o2@10000": float(out[1]),
            "E@10000": history[10000]}


def error_after_9999_exact_steps():
    """The exact algorithm's error after 9,999 updates (one fewer than the text says)."""
    history, _ = presets.load("2-2-2").train(9999)
    return {"E@10000": history[-1]}


def rounded_delta():
    """∂E_o2/∂out_h1 from δ_o2 first rounded to the document's nine decimals.

    The document prints δ_o2 = ∂E_o2/∂net_o2 to nine places and multiplies that by
    w7 = 0.5; half of a number ending in 5 at the ninth place rounds once more.
    """
    net = presets.load("2-2-2")
    delta_o2 = net.backward().delta[2][0, 1]
    return {"dE:o2/dout:h1": round(float(delta_o2), 9) * net["w7"]}
