"""What both widgets share: reading the network they are given, and the slider names."""
from __future__ import annotations

import numpy as np

from ..network import Network, SpecError
from ..presets import IDS, load
from ..spec import parse, to_spec


def resolve(net_or_preset_id, where):
    """A validated :class:`Network` from a preset id, a Network or a spec dict; a one-line
    :class:`SpecError` otherwise."""
    if isinstance(net_or_preset_id, str):
        return load(net_or_preset_id)               # SpecError for an unknown id
    if isinstance(net_or_preset_id, Network):
        # the front end receives the network as a spec: reject what a spec cannot hold
        return parse(to_spec(net_or_preset_id))
    if isinstance(net_or_preset_id, dict):
        return parse(net_or_preset_id)
    raise SpecError(f"{where}: expected a preset id ({', '.join(IDS)}), a backprop_lib Network or a spec, "
                    f"got {type(net_or_preset_id).__name__}")


def suffix(s):
    return "" if s == 0 else f"[{s}]"


def slider_values(net):
    """name → value of every slider: the parameters, ``learning rate``, each input neuron
    (``i1``; ``i1[1]`` for the second sample) and each target (``target_o1``)."""
    values = {p.name: p.value for p in net.parameters()}
    values["learning rate"] = float(net.learning_rate)
    for s in range(net.samples):
        for i, name in enumerate(net.neuron_names[0]):
            values[name + suffix(s)] = float(net.inputs[s, i])
        for j, name in enumerate(net.neuron_names[-1]):
            values[f"target_{name}" + suffix(s)] = float(net.targets[s, j])
    expected = len(net.parameters()) + 1 + net.samples * (net.layers[0] + net.layers[-1])
    if len(values) != expected:
        raise SpecError("names: a parameter has the name of an input neuron or of a target; rename it")
    return values


def apply_values(net, values):
    """The network with the slider values put in (the inverse of :func:`slider_values`)."""
    known = slider_values(net)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SpecError(f"values: no slider named {unknown[0]!r}")
    merged = {**known, **values}
    for name, v in merged.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise SpecError(f"values[{name!r}]: must be a finite number, got {v!r}")
    rate = float(merged["learning rate"])
    if rate <= 0:
        raise SpecError(f"values['learning rate']: must be greater than 0, got {rate}")
    params = {p.name: float(merged[p.name]) for p in net.parameters()}
    inputs = [[float(merged[n + suffix(s)]) for n in net.neuron_names[0]] for s in range(net.samples)]
    targets = [[float(merged[f"target_{n}" + suffix(s)]) for n in net.neuron_names[-1]] for s in range(net.samples)]
    return net.with_params(**params).replace(learning_rate=rate, inputs=inputs, targets=targets)
