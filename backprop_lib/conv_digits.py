"""The digits CNN: scikit-learn's bundled 8×8 handwritten digits, a seeded split, a small CNN
and a dense network trained by the library on it, and (for ``make bench``) the time of one
training step against JAX's jit-compiled step of the same network.

The CNN is :func:`backprop_lib.conv.digits_network` (4 filters of 3×3 with ReLU, a 2×2
max-pool, a dense softmax layer of 10, cross-entropy), trained in mini-batches by
:meth:`backprop_lib.conv.ConvNetwork.train`: the code path of the chapter's worked example.
"""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

import numpy as np

from . import conv
from .network import Network

TEST_FRACTION = 0.2       # the split of the digits chapter: a fifth of each digit held back,
SPLIT_SEED = 1            # drawn with the same seed, so both chapters test on the same images


@dataclass
class Digits:
    """The split: images (S, 1, 8, 8) scaled to 0 … 1, labels, and one-hot targets."""
    train_images: np.ndarray
    test_images: np.ndarray
    train_labels: np.ndarray
    test_labels: np.ndarray

    @property
    def train_targets(self):
        return np.eye(10)[self.train_labels]


def load(test_fraction=TEST_FRACTION, seed=SPLIT_SEED):
    """scikit-learn's bundled digits (read without importing scikit-learn: its import takes
    seconds), split with a seed, stratified by digit (:func:`backprop_lib.datasets.split`)."""
    from . import datasets

    data = datasets.load_digits()
    train, test = datasets.split(data.labels, test_fraction, seed)
    images = data.images[:, None, :, :] / 16.0
    return Digits(images[train], images[test], data.labels[train], data.labels[test])


def accuracy(net, images, labels):
    """The share of images whose largest output is their label."""
    if isinstance(net, conv.ConvNetwork):
        outputs = net.predict(images)
    else:
        flat = np.asarray(images).reshape(len(images), -1)
        outputs = net.forward(flat, np.zeros((len(flat), 10))).outputs
    return float(np.mean(np.argmax(outputs, axis=1) == labels))


def train_cnn(data, epochs=12, learning_rate=0.3, batch_size=32, seed=0, filters=4):
    """The CNN trained for ``epochs`` passes: ``(history, trained)``."""
    net = conv.digits_network(filters=filters, seed=seed, learning_rate=learning_rate, batch_size=batch_size,
                              inputs=data.train_images, targets=data.train_targets, shuffle_seed=seed)
    return net.train(epochs)


def dense_network(data, hidden, learning_rate=0.3, batch_size=32, seed=0):
    """A 64-hidden-10 network (ReLU, softmax, cross-entropy), He-scaled random weights from
    ``seed``, on the same training images flattened."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, math.sqrt(2.0 / 64), (hidden, 64))
    W2 = rng.normal(0.0, math.sqrt(1.0 / hidden), (10, hidden))
    flat = data.train_images.reshape(len(data.train_images), -1)
    return Network(layers=[64, hidden, 10], activations=["relu", "softmax"], weights=[W1, W2],
                   biases=[np.zeros(hidden), np.zeros(10)], loss="cross_entropy", learning_rate=learning_rate,
                   inputs=flat, targets=data.train_targets, mode="minibatch", batch_size=batch_size,
                   shuffle_seed=seed, title=f"digits 64-{hidden}-10")


def train_dense(data, hidden, epochs=12, learning_rate=0.3, batch_size=32, seed=0):
    return dense_network(data, hidden, learning_rate, batch_size, seed).train(epochs, engine="numpy")


# ------------------------------------------------------------------ against JAX (make bench)
def jax_step_function(net):
    """JAX's jit-compiled training step for ``net``'s shape (a conv2d layer, a max-pool, a dense
    softmax layer; float64), and its loss: ``(step, loss)``, each taking (params, images, targets)."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_enable_x64", True)
    conv_layer, pool_layer, _ = net.layers
    p, s = pool_layer.size, conv_layer.stride
    rate = net.learning_rate

    def loss(params, x, t):
        K, b, W, c = params
        z = lax.conv_general_dilated(x, K, (s, s), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW"))
        a = jax.nn.relu(z + b[None, :, None, None])
        m = lax.reduce_window(a, -jnp.inf, lax.max, (1, 1, p, p), (1, 1, p, p), "VALID")
        o = jax.nn.softmax(m.reshape(len(x), -1) @ W.T + c)
        return jnp.mean(-jnp.sum(t * jnp.log(o), axis=1))

    def step(params, x, t):
        grads = jax.grad(loss)(params, x, t)
        return tuple(q - rate * g for q, g in zip(params, grads))

    return jax.jit(step), jax.jit(loss), jax.jit(jax.grad(loss))


def bench(batch=32, repeat=300):
    """Print one training step of the digits CNN at ``batch`` images: the library (numpy,
    forward, backward and update) against JAX's jit-compiled step, median of ``repeat``, and
    how far apart their gradients are."""
    import jax.numpy as jnp

    data = load()
    net = conv.digits_network(learning_rate=0.3, inputs=data.train_images[:batch],
                              targets=data.train_targets[:batch])
    one = net.replace(mode="batch")
    step, loss, grad = jax_step_function(net)
    params = tuple(jnp.asarray(a) for a in (net.weights[0], net.biases[0], net.weights[2], net.biases[2]))
    x, t = jnp.asarray(one.inputs), jnp.asarray(one.targets)
    g = grad(params, x, t)
    lib = one.backward(input_gradient=False)
    gap = max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in
              zip(g, (lib.weights[0], lib.biases[0], lib.weights[2], lib.biases[2])))
    step(params, x, t)[0].block_until_ready()          # compile once

    def library_step():
        trace = one.forward()
        grads = one.backward(trace, input_gradient=False)
        for k in (0, 2):
            one.weights[k] -= one.learning_rate * grads.weights[k]
            one.biases[k] -= one.learning_rate * grads.biases[k]

    def jax_step():
        step(params, x, t)[0].block_until_ready()

    times = {"library": [], "jax": []}
    for _ in range(repeat):                             # interleaved: both see the same machine
        for name, fn in (("library", library_step), ("jax", jax_step)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    lib_t, jax_t = statistics.median(times["library"]), statistics.median(times["jax"])
    print(f"One training step of the digits CNN (4 filters 3×3, max-pool 2, dense 10; float64), "
          f"batch {batch}, median of {repeat}")
    print(f"  backprop_lib (numpy)     {lib_t * 1e6:9.1f} µs")
    print(f"  JAX, jit-compiled        {jax_t * 1e6:9.1f} µs")
    print(f"  ratio library/JAX        {lib_t / jax_t:9.2f}")
    print(f"  gradients agree to       {gap:9.1e}")
    return {"library": lib_t, "jax": jax_t, "gradient_gap": gap}
