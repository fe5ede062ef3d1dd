"""Part II's data and training: the bundled data sets, the split, standardising, the lean
trainer against the library's mini-batch SGD, the chapters' accuracies, the opened gradient,
sympy's one-parameter derivative, the code exercises' checks and the training playground's
Python side."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import classifier, datasets, sgd
from backprop_lib.pages import digits as digits_page
from backprop_lib.pages import iris as iris_page
from backprop_lib.pages import training as training_page
from backprop_lib.widgets.training import TrainingPlayground

from strategies import networks


# ------------------------------------------------------------------ the data
def test_the_bundled_files_are_scikit_learns_data_sets():
    from sklearn.datasets import load_digits, load_iris
    ours, theirs = datasets.load_iris(), load_iris()
    assert np.array_equal(ours.inputs, theirs.data) and np.array_equal(ours.labels, theirs.target)
    assert ours.class_names == list(theirs.target_names) and ours.feature_names == list(theirs.feature_names)
    ours, theirs = datasets.load_digits(), load_digits()
    assert np.array_equal(ours.inputs, theirs.data) and np.array_equal(ours.labels, theirs.target)
    assert np.array_equal(ours.images, theirs.images) and ours.classes == 10


def test_the_split_is_seeded_stratified_and_disjoint():
    labels = datasets.load_iris().labels
    train, test = datasets.split(labels, 0.3, seed=4)
    assert sorted(train + test) == list(range(150)) and not set(train) & set(test)
    assert np.bincount(labels[test]).tolist() == [15, 15, 15]
    assert datasets.split(labels, 0.3, seed=4) == (train, test)
    assert datasets.split(labels, 0.3, seed=5) != (train, test)
    with pytest.raises(bp.SpecError, match="test_fraction"):
        datasets.split(labels, 1.5, seed=1)


def test_standardising_uses_the_training_set_only():
    data = classifier.prepare(datasets.load_iris(), 0.3, seed=4)
    assert np.allclose(data.train_inputs.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(data.train_inputs.std(axis=0), 1, atol=1e-12)
    assert not np.allclose(data.test_inputs.mean(axis=0), 0, atol=1e-3)       # the test set keeps its own
    raw = datasets.load_iris().inputs
    assert np.allclose(data.scale.mean, raw[data.train_index].mean(axis=0))
    digits = classifier.prepare(datasets.load_digits(), 0.2, seed=1, scale=16)
    assert digits.train_inputs.min() == 0 and digits.train_inputs.max() == 1
    assert datasets.Standardiser.fit([[1.0, 5.0], [3.0, 5.0]])([[2.0, 5.0]]).tolist() == [[0.0, 0.0]]


# ------------------------------------------------------------------ the lean trainer
def _minibatch(net, size, seed, one_hot):
    if one_hot and net.activations[-1] == "softmax":
        k = net.layers[-1]
        net = net.replace(targets=np.eye(k)[np.arange(net.samples) % k])
    return net.replace(mode="minibatch", batch_size=size, shuffle_seed=seed)


@settings(max_examples=60, deadline=None)
@given(networks(max_samples=7), st.integers(1, 7), st.integers(0, 1000), st.booleans())
def test_the_lean_trainer_is_the_librarys_minibatch_sgd(net, size, seed, one_hot):
    net = _minibatch(net, size, seed, one_hot)
    with np.errstate(all="ignore"):
        reference, trained = sgd.train(net, 3)
        fast = classifier.FastSGD(net)
        for e in range(3):
            fast.epoch(e)
    if not np.all(np.isfinite(reference)) or np.max(np.abs(trained.flat())) > 1e6:
        return
    ours = fast.network().flat()
    scale = max(1.0, float(np.max(np.abs(trained.flat()))))
    assert np.max(np.abs(ours - trained.flat())) <= 1e-12 * scale


@pytest.mark.parametrize("layers, activations, loss", [
    ([5, 4, 3], ["tanh", "softmax"], "cross_entropy"),                 # the written-out two-layer step
    ([5, 4, 3, 3], ["tanh", "relu", "softmax"], "cross_entropy"),      # [W | b] layers, any depth
    ([5, 3], ["softmax"], "cross_entropy"),
    ([5, 4, 2], ["sigmoid", "sigmoid"], "half_sse"),
    ([5, 4, 2], ["tanh", "linear"], "half_sse"),
])
def test_the_lean_trainer_on_each_of_its_paths(layers, activations, loss):
    rng = np.random.default_rng(len(layers) * 10 + len(activations[0]))
    n = 23
    targets = np.eye(layers[-1])[rng.integers(0, layers[-1], n)] if loss == "cross_entropy" else rng.uniform(0, 1, (n, layers[-1]))
    net = bp.Network(layers=layers, activations=activations,
                     weights=[rng.uniform(-1, 1, (layers[k + 1], layers[k])) for k in range(len(layers) - 1)],
                     biases=[rng.uniform(-0.5, 0.5, m) for m in layers[1:]], loss=loss, learning_rate=0.3,
                     inputs=rng.uniform(-1, 1, (n, layers[0])), targets=targets, mode="minibatch", batch_size=4,
                     shuffle_seed=3)
    fast = classifier.FastSGD(net)
    assert fast.augmented
    for e in range(4):
        fast.epoch(e)
    reference = sgd.train(net, 4)[1]
    assert np.max(np.abs(fast.network().flat() - reference.flat())) <= 1e-12


def test_fit_records_both_sets_and_never_trains_on_the_test_set():
    data = classifier.prepare(datasets.load_iris(), 0.3, seed=4)
    net = classifier.classifier_network([4, 2, 3], data, 0.1, 4, seed=4)
    curves, trained = classifier.fit(net, 2, test=(data.test_inputs, data.test_targets))
    assert curves.epochs == 2 and len(curves.test_accuracy) == 3
    assert curves.train_loss[0] == net.forward().loss
    assert curves.test_loss[-1] == trained.forward(data.test_inputs, data.test_targets).loss
    other, trained_other = classifier.fit(net, 2, test=(data.test_inputs[:5], data.test_targets[:5]))
    assert trained_other.flat().tolist() == trained.flat().tolist()
    # epoch e has its own shuffle: two epochs are not the first epoch twice
    per_epoch = len(sgd.batches(net, 0))
    assert trained.flat().tolist() == classifier.minibatch_steps(net, 2 * per_epoch)[1].flat().tolist()
    assert sgd.batches(net, 1) != sgd.batches(net, 0)
    with pytest.raises(bp.SpecError, match="mode"):
        classifier.fit(net.replace(mode="batch", batch_size=None), 1)


def test_the_iris_network_reaches_the_chapters_accuracy():
    data = classifier.prepare(datasets.load_iris(), 0.3, seed=4)
    net = classifier.classifier_network([4, 2, 3], data, learning_rate=0.1, batch_size=4, seed=4)
    curves, trained = classifier.fit(net, 20, test=(data.test_inputs, data.test_targets))
    assert curves.test_accuracy[-1] >= 0.93
    counts = classifier.confusion(data.test_labels, classifier.predict(
        trained.forward(data.test_inputs, data.test_targets).outputs), 3)
    assert counts.sum() == 45 and np.trace(counts) / 45 == curves.test_accuracy[-1]


def test_the_digits_network_reaches_the_chapters_accuracy():
    data = classifier.prepare(datasets.load_digits(), 0.2, seed=1, scale=16)
    net = classifier.classifier_network([64, 32, 10], data, learning_rate=0.3, batch_size=32, seed=1)
    curves, _ = classifier.fit(net, 10, test=(data.test_inputs, data.test_targets), fast=True)
    assert curves.test_accuracy[-1] >= 0.95
    assert digits_page.same_as_library(net) <= 1e-12


# ------------------------------------------------------------------ one gradient, three ways
def test_the_first_minibatch_by_hand_is_backpropagation_sympy_and_nudging():
    data = classifier.prepare(datasets.load_iris(), 0.3, seed=4)
    net = classifier.classifier_network([4, 2, 3], data, 0.1, 4, seed=4)
    first = iris_page.first_batch(net, data, datasets.load_iris())
    by_backprop = first.batch.named_gradient()["w1_1_3"]
    assert len(first.step["samples"]) == 4
    assert abs(first.mean_of_products - by_backprop) <= 1e-15
    _, dE, by_sympy = classifier.sympy_partial(first.batch, "w1_1_3")
    assert abs(by_sympy - by_backprop) <= 1e-12
    assert abs(first.finite_difference("w1_1_3") - by_backprop) <= 1e-8
    # each product is the per-sample chain: ∂E/∂out_h1 · (1 − out_h1²) · i3
    for q in first.step["samples"]:
        assert abs(q["dEdout"] * q["local"] * q["input"] - q["product"]) <= 1e-15
    assert iris_page.update(net, by_backprop)                     # training's first step: the same number


@pytest.mark.parametrize("name", ["w1_1_1", "b1_2", "w2_3_2", "b2_3"])
def test_sympy_partial_on_a_softmax_network(name):
    net = bp.Network(layers=[2, 2, 3], activations=["sigmoid", "softmax"],
                     weights=[[[0.1, -0.4], [0.3, 0.2]], [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.6]]],
                     biases=[[0.05, -0.1], [0.0, 0.2, -0.2]], loss="cross_entropy", learning_rate=0.5,
                     inputs=[[0.3, 0.9], [0.7, -0.2]], targets=[[0, 1, 0], [1, 0, 0]])
    assert abs(classifier.sympy_partial(net, name)[2] - net.named_gradient()[name]) <= 1e-12


def test_explain_step_adds_up_to_the_gradient_and_the_update():
    plane = classifier.Plane(dataset="xor", hidden=(3,), batch_size=4)
    net = plane.trained(5)[1]
    for name in ["w1_2_1", "b1_3", "w2_1_3", "b2_1"]:
        x = classifier.explain_step(net, 5, name)
        rows = classifier.batch_rows(net, 5)
        batch = net.replace(inputs=net.inputs[rows], targets=net.targets[rows], mode="batch", batch_size=None)
        assert x["rows"] == rows and abs(x["gradient"] - batch.named_gradient()[name]) <= 1e-15
        assert abs(np.mean([s["product"] for s in x["samples"]]) - x["gradient"]) <= 1e-15
        assert x["updated"] == plane.trained(6)[1][name]


# ------------------------------------------------------------------ the code exercises' checks
def _verdict(fn, check, capsys):
    """(right, the line the check cell shows): a verdict shows itself as one line and prints
    nothing, so the cell shows no stray True or False."""
    verdict = check(fn)
    printed = capsys.readouterr().out.strip()
    line = repr(verdict)
    assert printed == "" and line.startswith(("Right: ", "Not yet: ")) and "\n" not in line, (printed, line)
    return bool(verdict), line


def test_the_code_exercises_say_right_and_not_yet(capsys):
    def standardise(train, test):
        m, s = train.mean(axis=0), train.std(axis=0)
        return (train - m) / s, (test - m) / s

    assert _verdict(standardise, iris_page.check, capsys)[0]

    def standardise(train, test):  # noqa: F811  (with the test set's own statistics: wrong)
        return (train - train.mean(0)) / train.std(0), (test - test.mean(0)) / test.std(0)

    right, line = _verdict(standardise, iris_page.check, capsys)
    assert not right and line.startswith("Not yet: on a training set")

    def standardise(train, test):  # noqa: F811
        ...

    right, line = _verdict(standardise, iris_page.check, capsys)
    assert not right and "returns nothing" in line and "\n" not in line

    def picture(W, j):
        return W[j].reshape(8, 8)

    assert _verdict(picture, digits_page.check, capsys)[0]

    def picture(W, j):  # noqa: F811
        return W[:, j].reshape(-1)[:64].reshape(8, 8)

    assert not _verdict(picture, digits_page.check, capsys)[0]

    def batch_of_step(step, n, batch_size, order):
        per = -(-n // batch_size)
        e, b = divmod(step, per)
        return order(e)[b * batch_size:(b + 1) * batch_size]

    assert _verdict(batch_of_step, training_page.check, capsys)[0]

    def batch_of_step(step, n, batch_size, order):  # noqa: F811  (forgets the new shuffle each epoch)
        per = -(-n // batch_size)
        b = step % per
        return order(0)[b * batch_size:(b + 1) * batch_size]

    right, line = _verdict(batch_of_step, training_page.check, capsys)
    assert not right and line.startswith("Not yet")

    def batch_of_step(step, n, batch_size, order):  # noqa: F811
        raise ZeroDivisionError("oops")

    right, line = _verdict(batch_of_step, training_page.check, capsys)
    assert line == "Not yet: on step 0 with n = 10 and batches of 3, batch_of_step raised ZeroDivisionError: oops."


# ------------------------------------------------------------------ the playground's Python side
def test_the_playground_widget_validates_and_rebuilds_the_network():
    tp = TrainingPlayground(steps=50)
    assert tp.network().flat().tolist() == classifier.Plane().trained(50)[1].flat().tolist()
    assert tp.status() == classifier.status_line(classifier.Plane().trained(50)[1], 50)
    assert repr(tp) == "TrainingPlayground(moons, 2-8-8-1 tanh, η = 1, batch 10, step 50)"
    tp.dataset, tp.hidden, tp.steps = "xor", [3], 0                    # as a page would sync them
    assert tp.network().layers == [2, 3, 1]
    for kwargs, field in [({"dataset": "stars"}, "dataset"), ({"hidden": (9,)}, "hidden"),
                          ({"hidden": "8-8"}, "hidden"), ({"steps": -1}, "steps"),
                          ({"learning_rate": -0.1}, "learning_rate"), ({"batch_size": 500}, "batch_size"),
                          ({"selected": "w9_9_9"}, "selected"), ({"activation": "softmax"}, "activation"),
                          ({"seed": 2**31}, "seed"), ({"noise": -1}, "noise")]:
        with pytest.raises(bp.SpecError) as info:
            TrainingPlayground(**kwargs)
        message = str(info.value)
        assert message.startswith(field + ":") and "\n" not in message, message


def test_the_chapters_link_is_the_pages_address():
    plane = classifier.Plane(dataset="xor", hidden=(2,), batch_size=2)
    assert training_page.query(plane, 0) == ("dataset=xor&seed=1&noise=0.1&hidden=2&activation=tanh&rate=1"
                                             "&batch=2&steps=0")
    assert training_page.query(classifier.Plane(hidden=(), learning_rate=1.0), 7).count("hidden=none&") == 1


def test_jax_takes_the_same_step():
    pytest.importorskip("jax")
    data = classifier.prepare(datasets.load_digits(), 0.2, seed=1, scale=16)
    net = classifier.classifier_network([64, 16, 10], data, learning_rate=0.3, batch_size=32, seed=1)
    assert digits_page.jax_gradient_check(net) <= 1e-12
    step, params_of, _ = classifier.jax_step(net)
    rows = classifier.batch_rows(net, 0)
    after = step(params_of(net), net.inputs[rows], net.targets[rows])
    ours = classifier.minibatch_steps(net, 1, record=False)[1]
    mine = [x for w, b in zip(ours.weights, ours.biases) for x in (w, b)]
    assert max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in zip(after, mine)) <= 1e-12
