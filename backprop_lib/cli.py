"""The command line: worked examples for checking hand calculations.

    python -m backprop_lib explain PRESET_OR_SPEC.json [--steps N] [--format text|markdown|json] [--check] [--hessian]
    python -m backprop_lib presets

``--hessian`` adds the Hessian over the trainable parameters (a table; in JSON, ``"hessian":
{"names", "matrix"}``); with ``--check``, also its differences from sympy's and from finite
differences of the gradient.

``--steps N`` with N ≥ 100,000 shows a progress bar on stderr when stderr is a terminal.
Bad input ends with exit status 2 and one line on stderr that names the field at fault.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import explain as _explain
from . import presets
from .gradcheck import finite_difference, max_abs_diff
from .network import SpecError, TrainingDiverged
from .spec import load

PROG = "backprop_lib"
PROGRESS_FROM = 100_000      # steps from which a terminal shows a progress bar


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise SpecError(message)


def _parser():
    parser = _Parser(prog=PROG, description="Backpropagation worked through with numbers.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ex = sub.add_parser("explain", help="work one network through a forward pass, the chain rule and an update")
    ex.add_argument("network", help="a preset id (see 'presets') or a JSON spec file")
    ex.add_argument("--steps", type=int, default=1, help="training steps to report (default 1)")
    ex.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    ex.add_argument("--check", action="store_true",
                    help="also compare backpropagation with sympy and finite differences")
    ex.add_argument("--hessian", action="store_true",
                    help="also the Hessian: the second derivatives of the loss over the trainable parameters")
    sub.add_parser("presets", help="list the documents' networks")
    return parser


def network_from(argument):
    """A preset id or a spec file's path → the network."""
    if argument in presets.IDS:
        return presets.load(argument)
    path = Path(argument)
    if path.exists() or argument.endswith(".json") or "/" in argument:
        return load(path)
    raise SpecError(f"{argument}: unknown preset and no such file (presets: {', '.join(presets.IDS)})")


def symbolic_gradient(net):
    """sympy's gradient: the whole-expression derivative where it stays small, otherwise the
    chain of sympy's local derivatives.  Returns (gradient, method)."""
    if getattr(net, "is_conv", False):    # conv2d/maxpool/dense layers: their own derivation
        from .conv import refuse_if_too_big
        refuse_if_too_big(net)            # one line, before sympy is imported
        from .conv_symbolic import symbolic_gradient as conv_symbolic_gradient
        return conv_symbolic_gradient(net)
    # Dense networks: the whole-expression derivative only for the smallest, otherwise sympy's
    # local derivatives chained layer by layer, which scales with depth; a network too big to
    # check at all ends in a one-line SpecError before sympy is imported (backprop_lib/checking.py).
    from . import checking

    checking.refuse_if_too_big(net)
    from .symbolic import derive          # sympy: imported only when a check asks for it

    d = derive(net)
    if checking.method(net) == "whole":
        try:
            return d.whole_gradient(net), "whole"
        except RecursionError:            # not expected at that size; the chain has no recursion
            pass
    return d.chain_gradient(net), "chain"


def checks(net):
    backprop = net.gradient()
    sym, method = symbolic_gradient(net)
    return {"symbolic_max_abs_diff": max_abs_diff(backprop, sym),
            "finite_difference_max_abs_diff": max_abs_diff(backprop, finite_difference(net)),
            "symbolic_method": method}


def _array_json(array):
    """An array as nested lists; None (a max-pool layer's net input and weights) as null."""
    return None if array is None else array.tolist()


def _biases_json(biases):
    return [None if b is None else (float(b) if np.ndim(b) == 0 else [float(v) for v in b]) for b in biases]


def train(net, steps):
    """``net.train(steps)``, with a progress bar on stderr for long runs when stderr is a
    terminal (never on stdout, which carries the report)."""
    if steps < PROGRESS_FROM or not sys.stderr.isatty():
        return net.train(steps)
    import os

    from tqdm import tqdm

    try:                          # a terminal that never gave its size says 0 × 0
        size = os.get_terminal_size(sys.stderr.fileno())
        columns, lines = size.columns or 80, size.lines or 24
    except OSError:
        columns, lines = 80, 24
    with tqdm(total=steps, desc="training", unit="step", unit_scale=True, file=sys.stderr,
              leave=False, ncols=min(columns, 100), nrows=lines) as bar:
        return net.train(steps, progress=bar.update)


def hessian_report(net, with_checks):
    """``(hessian, checks)``: ``{"names", "matrix"}`` over the trainable parameters, and with
    ``with_checks`` its largest differences from sympy's Hessian and from finite differences
    of the gradient (else None)."""
    from . import hessian as second_order
    if getattr(net, "is_conv", False):
        raise SpecError("--hessian: works for dense networks only; this spec has convolution or pooling layers")
    matrix = second_order.hessian(net)
    result = {"names": second_order.names(net), "matrix": matrix.tolist()}
    return result, (second_order.checks(net) if with_checks else None)


def report(net, steps, with_checks, hessian=False):
    """The JSON-ready report of ``explain --format json``."""
    trace = net.forward()
    grads = net.backward(trace)
    history, after = train(net, steps)
    after_trace = after.forward()
    result = {
        "loss": trace.loss,
        "forward": [{"net": _array_json(trace.net[l]), "out": trace.out[l].tolist()} for l in range(1, net.depth + 1)],
        "gradients": {"weights": [_array_json(w) for w in grads.weights], "biases": _biases_json(grads.biases)},
    }
    if net.names:
        result["named_gradients"] = net.named_gradient(trace)
    result["history"] = history
    result["after"] = {"weights": [_array_json(w) for w in after.weights], "biases": _biases_json(after.biases),
                       "loss": after_trace.loss, "outputs": after_trace.outputs.tolist()}
    if with_checks:
        result["checks"] = checks(net)
    if hessian:
        result["hessian"], hessian_checks = hessian_report(net, with_checks)
        if hessian_checks:
            result["checks"].update(hessian_checks)
    return result


def _summary(net, steps, history, after, check):
    names = net.neuron_names[-1]
    outs = after.forward().outputs
    lines = [f"loss before training: E = {net.fmt(history[0])}"]
    lines.append(f"after {steps} step{'s' if steps != 1 else ''} ({net.mode}): E = {net.fmt(history[-1])}")
    for s, row in enumerate(outs):
        label = f"sample {s + 1}: " if len(outs) > 1 else ""
        lines.append(f"outputs after {steps}: {label}" + ", ".join(f"{n} = {net.fmt(v)}" for n, v in zip(names, row)))
    if check is not None:
        lines.append(f"check: sympy ({check['symbolic_method']}) differs from backpropagation by at most "
                     f"{check['symbolic_max_abs_diff']:.3g}; finite differences by at most "
                     f"{check['finite_difference_max_abs_diff']:.3g}")
    return lines


def main(argv=None):
    try:
        args = _parser().parse_args(argv)
        if args.command == "presets":
            for pid in presets.IDS:
                doc = presets.info(pid)["document"]
                net = presets.load(pid)
                by = f" ({doc['author']})" if doc.get("author") else ""
                print(f"{pid}  {doc['title']}{by}: {'-'.join(map(str, net.layers))}, "
                      f"{', '.join(net.activations)}, learning rate {net.learning_rate:g}")
            return 0
        if args.steps < 0:
            raise SpecError(f"--steps: must be 0 or more, got {args.steps}")
        net = network_from(args.network)
        if args.format == "json":
            json.dump(report(net, args.steps, args.check, hessian=args.hessian), sys.stdout, allow_nan=False)
            sys.stdout.write("\n")
            return 0
        second = hessian_report(net, args.check) if args.hessian else None
        history, after = train(net, args.steps)
        check = checks(net) if args.check else None
        sections = _explain.worked_example(net)
        render = _explain.render_text if args.format == "text" else _explain.render_markdown
        sys.stdout.write(render(net, sections, _summary(net, args.steps, history, after, check)))
        if second is not None:
            table = _explain.render_hessian_text if args.format == "text" else _explain.render_hessian_markdown
            sys.stdout.write("\n" + table(net, second[0]["names"], second[0]["matrix"], second[1]))
        return 0
    except (SpecError, TrainingDiverged) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
