"""Reading a network from its JSON description (the "spec"), with one-line errors.

Every problem raises :class:`SpecError` whose message starts with the field at fault, e.g.
``weights[1][0]: expected 2 numbers (one per neuron of layer 1), got 3``.  The format is
described in the README.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import Network, SpecError

REQUIRED = ("layers", "activations", "weights", "inputs", "targets", "loss", "learning_rate")
OPTIONAL = ("biases", "update_biases", "mode", "batch_size", "shuffle_seed", "names", "neuron_names",
            "title", "decimals")
MODES = ("batch", "online", "minibatch")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{where}: must be a number, got {json.dumps(value)}")
    if not math.isfinite(value):
        raise SpecError(f"{where}: must be a finite number, got {value}")
    return float(value)


def _list(value, where, length=None, what="entries"):
    if not isinstance(value, list):
        raise SpecError(f"{where}: must be a list, got {json.dumps(value)}")
    if length is not None and len(value) != length:
        raise SpecError(f"{where}: expected {length} {what}, got {len(value)}")
    return value


def _samples(value, where, width, unit):
    """One sample (a flat list of numbers) or several (a list of such lists)."""
    _list(value, where)
    if not value:
        raise SpecError(f"{where}: must hold at least one sample")
    if all(isinstance(v, list) for v in value):
        rows = [(f"{where}[{s}]", row) for s, row in enumerate(value)]
    elif any(isinstance(v, list) for v in value):
        raise SpecError(f"{where}: must be one sample (a list of numbers) or a list of samples, not a mix")
    else:
        rows = [(where, value)]
    for label, row in rows:
        _list(row, label, width, f"numbers (one per {unit})")
        for i, v in enumerate(row):
            _number(v, f"{label}[{i}]")
    return [[float(v) for v in row] for _, row in rows]


def training_options(spec):
    """The options of a spec that say how it trains and prints, checked, for dense and conv
    specs alike: ``(learning_rate, mode, batch_size, shuffle_seed, decimals, title)``."""
    rate = _number(spec["learning_rate"], "learning_rate")
    if rate <= 0:
        raise SpecError(f"learning_rate: must be greater than 0, got {spec['learning_rate']}")
    mode = spec.get("mode", "batch")
    if mode not in MODES:
        raise SpecError(f"mode: must be \"batch\", \"online\" or \"minibatch\", got {json.dumps(mode)}")
    batch_size = spec.get("batch_size")
    if mode == "minibatch":
        if batch_size is None:
            raise SpecError("batch_size: missing (mode \"minibatch\" needs the number of samples per update)")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise SpecError(f"batch_size: must be a whole number ≥ 1, got {json.dumps(batch_size)}")
    elif batch_size is not None:
        raise SpecError(f"batch_size: only with mode \"minibatch\" (mode is {json.dumps(mode)})")
    shuffle_seed = spec.get("shuffle_seed", 0)
    if isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, int) or not 0 <= shuffle_seed < 2**31:
        raise SpecError(f"shuffle_seed: must be a whole number from 0 to 2147483647, got {json.dumps(shuffle_seed)}")
    decimals = spec.get("decimals", 9)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 17:
        raise SpecError(f"decimals: must be a whole number from 0 to 17, got {json.dumps(decimals)}")
    title = spec.get("title", "")
    if not isinstance(title, str):
        raise SpecError(f"title: must be a string, got {json.dumps(title)}")
    return rate, mode, batch_size, shuffle_seed, decimals, title


def parse(spec):
    """A :class:`Network` from a spec (a dict as read from JSON); a spec whose ``layers`` are
    layer objects (conv2d, maxpool, dense) gives a :class:`backprop_lib.conv.ConvNetwork`."""
    from . import conv
    if conv.is_conv_spec(spec):
        return conv.parse(spec)
    if not isinstance(spec, dict):
        raise SpecError(f"spec: must be a JSON object, got {type(spec).__name__}")
    unknown = sorted(set(spec) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise SpecError(f"{unknown[0]}: unknown field (known: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in spec:
            raise SpecError(f"{key}: missing (required: {', '.join(REQUIRED)})")

    layers = _list(spec["layers"], "layers")
    if len(layers) < 2:
        raise SpecError(f"layers: needs at least two sizes (inputs and outputs), got {len(layers)}")
    for l, n in enumerate(layers):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(f"layers[{l}]: must be a whole number ≥ 1, got {json.dumps(n)}")
    L = len(layers) - 1

    activations = _list(spec["activations"], "activations", L, "activations (one per non-input layer)")
    for k, a in enumerate(activations):
        if a not in ACTIVATIONS:
            raise SpecError(f"activations[{k}]: unknown activation {json.dumps(a)} "
                            f"(known: {', '.join(ACTIVATIONS)})")
        if a == "softmax" and k != L - 1:
            raise SpecError(f"activations[{k}]: softmax is allowed on the last layer only")

    weights = _list(spec["weights"], "weights", L, "matrices (one per non-input layer)")
    for k, matrix in enumerate(weights):
        _list(matrix, f"weights[{k}]", layers[k + 1], f"rows (one per neuron of layer {k + 1})")
        for j, row in enumerate(matrix):
            _list(row, f"weights[{k}][{j}]", layers[k], f"numbers (one per neuron of layer {k})")
            for i, v in enumerate(row):
                _number(v, f"weights[{k}][{j}][{i}]")

    biases = spec.get("biases")
    if biases is None:
        biases = [None] * L
    _list(biases, "biases", L, "entries (one per non-input layer: null, a number or a list)")
    parsed_biases = []
    for k, b in enumerate(biases):
        if b is None:
            parsed_biases.append(None)
        elif isinstance(b, list):
            _list(b, f"biases[{k}]", layers[k + 1], f"numbers (one per neuron of layer {k + 1})")
            parsed_biases.append([_number(v, f"biases[{k}][{j}]") for j, v in enumerate(b)])
        else:
            parsed_biases.append(_number(b, f"biases[{k}]"))

    update_biases = spec.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SpecError(f"update_biases: must be true or false, got {json.dumps(update_biases)}")

    inputs = _samples(spec["inputs"], "inputs", layers[0], "input")
    targets = _samples(spec["targets"], "targets", layers[-1], "output")
    if len(inputs) != len(targets):
        raise SpecError(f"targets: {len(targets)} sample(s) for {len(inputs)} sample(s) of inputs")

    loss = spec["loss"]
    if loss not in LOSSES:
        raise SpecError(f"loss: unknown loss {json.dumps(loss)} (known: {', '.join(LOSSES)})")
    if loss == "cross_entropy" and activations[-1] not in ("sigmoid", "softmax"):
        raise SpecError(f"loss: cross_entropy takes log(out), so the last layer must be sigmoid "
                        f"or softmax, not {activations[-1]}")

    rate, mode, batch_size, shuffle_seed, decimals, title = training_options(spec)

    names = spec.get("names") or {}
    if not isinstance(names, dict):
        raise SpecError(f"names: must be an object of name → location, got {json.dumps(names)}")
    locations = {}
    for name, loc in names.items():
        where = f"names.{name}"
        if not NAME.match(name):
            raise SpecError(f"{where}: a name must be a letter then letters, digits or _")
        _check_location(loc, where, layers, parsed_biases)
        if tuple(loc) in locations:
            raise SpecError(f"{where}: names the same parameter as {locations[tuple(loc)]}")
        locations[tuple(loc)] = name

    neuron_names = spec.get("neuron_names")
    if neuron_names is not None:
        _list(neuron_names, "neuron_names", len(layers), "lists (one per layer)")
        seen = set()
        for l, row in enumerate(neuron_names):
            _list(row, f"neuron_names[{l}]", layers[l], f"names (one per neuron of layer {l})")
            for j, n in enumerate(row):
                if not isinstance(n, str) or not NAME.match(n) or n in seen:
                    raise SpecError(f"neuron_names[{l}][{j}]: must be a new name (a letter, then "
                                    f"letters, digits or _), got {json.dumps(n)}")
                seen.add(n)

    net = Network(layers=list(layers), activations=list(activations), weights=weights,
                  biases=parsed_biases, loss=loss, learning_rate=rate, update_biases=update_biases,
                  inputs=inputs, targets=targets, mode=mode, batch_size=batch_size, shuffle_seed=shuffle_seed,
                  names={n: tuple(loc) for n, loc in names.items()},
                  neuron_names=neuron_names, title=title, decimals=decimals)
    all_names = [p.name for p in net.parameters()]
    for name in all_names:
        if all_names.count(name) > 1:
            raise SpecError(f"names.{name}: clashes with the default name of another parameter")
    return net


def _check_location(loc, where, layers, biases):
    L = len(layers) - 1
    if not isinstance(loc, list) or not loc or loc[0] not in ("weights", "biases"):
        raise SpecError(f"{where}: location must be [\"weights\", k, j, i] or [\"biases\", k(, j)]")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in loc[1:]):
        raise SpecError(f"{where}: location indices must be whole numbers")
    if loc[0] == "weights":
        if len(loc) != 4 or not (0 <= loc[1] < L and 0 <= loc[2] < layers[loc[1] + 1]
                                 and 0 <= loc[3] < layers[loc[1]]):
            raise SpecError(f"{where}: no weight at {json.dumps(loc)}")
        return
    if len(loc) not in (2, 3) or not 0 <= loc[1] < L:
        raise SpecError(f"{where}: no bias at {json.dumps(loc)}")
    b = biases[loc[1]]
    if len(loc) == 2 and not isinstance(b, float):
        raise SpecError(f"{where}: layer {loc[1]} has no shared bias")
    if len(loc) == 3 and not (isinstance(b, list) and 0 <= loc[2] < len(b)):
        raise SpecError(f"{where}: no per-neuron bias at {json.dumps(loc)}")


def load(path):
    """A network from a JSON spec file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a directory, not a JSON file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: cannot be read ({e.__class__.__name__})") from None
    try:
        spec = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise SpecError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    return parse(spec)


def _reject_constant(name):
    raise SpecError(f"spec: {name} is not a number JSON allows; use a finite number")


def to_spec(net):
    """The spec (a JSON-ready dict) of a network: ``parse(to_spec(net))`` gives it back."""
    if getattr(net, "is_conv", False):
        return net.to_spec()
    spec = {
        "layers": list(net.layers),
        "activations": list(net.activations),
        "weights": [w.tolist() for w in net.weights],
        "biases": [None if b is None else (b if isinstance(b, float) else b.tolist()) for b in net.biases],
        "update_biases": net.update_biases,
        "inputs": net.inputs.tolist(),
        "targets": net.targets.tolist(),
        "loss": net.loss,
        "learning_rate": net.learning_rate,
        "mode": net.mode,
    }
    if net.mode == "minibatch":
        spec["batch_size"] = net.batch_size
        spec["shuffle_seed"] = net.shuffle_seed
    if net.names:
        spec["names"] = {n: list(loc) for n, loc in net.names.items()}
    spec["neuron_names"] = [list(r) for r in net.neuron_names]
    if net.title:
        spec["title"] = net.title
    spec["decimals"] = net.decimals
    return spec
