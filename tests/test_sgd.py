"""Vectorised training (backprop_lib.sgd): batch, online and shuffled mini-batches."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bp
from backprop_lib import sgd
from backprop_lib.variants import Mulberry32, start_state

from strategies import networks


def steps_one_by_one(net, steps):
    """Training the slow way: a new network per update (Network.step), the reference."""
    history = [net.forward().loss]
    for _ in range(steps):
        net = net.step()
        history.append(net.forward().loss)
    return history, net


@settings(max_examples=80, deadline=None)
@given(networks())
def test_layer_updates_in_place_equal_the_step_by_step_updates(net):
    with np.errstate(all="ignore"):
        reference, ref_net = steps_one_by_one(net, 3)
        history, trained = sgd.train(net, 3)
    if not np.all(np.isfinite(reference)):
        return
    assert history == reference                      # the same arithmetic, number for number
    assert trained.flat().tolist() == ref_net.flat().tolist()
    assert net.flat().tolist() == net.replace().flat().tolist()      # the network given is untouched


def test_a_minibatch_update_is_the_mean_of_its_samples_gradients():
    net = bp.preset("3-2-2").replace(
        inputs=[[0.1, 0.2, 0.7], [0.5, -0.3, 0.2], [0.9, 0.1, -0.4], [0.3, 0.3, 0.3], [-0.2, 0.8, 0.1]],
        targets=[[1, 0], [0, 1], [1, 0], [0, 1], [1, 0]], mode="minibatch", batch_size=2, shuffle_seed=7)
    order = sgd.batches(net, 0)
    assert sorted(sum(order, [])) == [0, 1, 2, 3, 4] and [len(b) for b in order] == [2, 2, 1]
    by_hand = net
    for rows in order:
        grads = [by_hand.replace(inputs=net.inputs[[s]], targets=net.targets[[s]]).gradient() for s in rows]
        rate = np.array([net.learning_rate if by_hand.trainable(p) else 0.0 for p in by_hand.parameters()])
        by_hand = by_hand.with_flat(by_hand.flat() - rate * np.mean(grads, axis=0))
    stepped = net.step()
    assert bp.max_abs_diff(stepped.flat(), by_hand.flat()) < 1e-16
    history, trained = net.train(1)
    assert trained.flat().tolist() == stepped.flat().tolist()
    assert history[-1] == stepped.forward().loss


def test_the_shuffle_is_seeded_fisher_yates_and_new_each_epoch():
    net = bp.preset("2-2-2").replace(inputs=np.eye(2).tolist() * 5, targets=[[0.1, 0.9]] * 10,
                                     mode="minibatch", batch_size=3, shuffle_seed=11)
    first, second = sgd.batches(net, 0), sgd.batches(net, 1)
    assert sorted(sum(first, [])) == list(range(10)) and first != second
    assert sgd.batches(net, 0) == first
    assert sgd.batches(net.replace(shuffle_seed=12), 0) != first
    # Fisher–Yates from the last position down, with mulberry32 from (seed, epoch)
    rng, order = Mulberry32(start_state(11, 0)), list(range(10))
    for i in range(9, 0, -1):
        j = int(rng.next() * (i + 1))
        order[i], order[j] = order[j], order[i]
    assert sum(first, []) == order


@pytest.mark.parametrize("mode", ["batch", "online"])
def test_minibatches_of_everything_or_of_one_are_batch_and_shuffled_online(mode):
    net = bp.preset("3-2-2").replace(inputs=[[0.1, 0.2, 0.7], [0.5, -0.3, 0.2], [0.9, 0.1, -0.4]],
                                     targets=[[1, 0], [0, 1], [1, 0]])
    if mode == "batch":
        mini = net.replace(mode="minibatch", batch_size=3)
        assert bp.max_abs_diff(mini.step().flat(), net.replace(mode="batch").step().flat()) < 1e-15
    else:
        mini = net.replace(mode="minibatch", batch_size=1, shuffle_seed=3)
        order = sum(sgd.batches(mini, 0), [])
        online = net.replace(mode="online", inputs=net.inputs[order], targets=net.targets[order])
        assert mini.step().flat().tolist() == online.step().flat().tolist()


def test_minibatch_specs_round_trip_and_train_through_the_command_line(tmp_path, capsys):
    import json

    from backprop_lib.cli import main
    net = bp.preset("3-2-2").replace(inputs=[[0.1, 0.2, 0.7], [0.5, -0.3, 0.2], [0.9, 0.1, -0.4]],
                                     targets=[[1, 0], [0, 1], [1, 0]], mode="minibatch", batch_size=2,
                                     shuffle_seed=5)
    spec = bp.to_spec(net)
    assert (spec["batch_size"], spec["shuffle_seed"]) == (2, 5)
    again = bp.parse(spec)
    assert again.train(4)[0] == net.train(4)[0]
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    assert main(["explain", str(path), "--steps", "4", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["history"] == net.train(4)[0]


@settings(max_examples=30, deadline=None)
@given(networks(max_samples=6), st.integers(1, 6), st.integers(0, 1000))
def test_minibatch_training_lowers_nothing_it_should_not_touch(net, size, seed):
    net = net.replace(mode="minibatch", batch_size=size, shuffle_seed=seed, update_biases=False)
    with np.errstate(all="ignore"):
        _, trained = sgd.train(net, 2)
    for p, q in zip(net.parameters(), trained.parameters()):
        if p.kind == "biases":
            assert p.value == q.value
