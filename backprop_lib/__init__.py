"""backprop_lib: the small library every chapter, slider and exercise of the book computes with.

>>> import backprop_lib as bp
>>> net = bp.preset("2-2-2")              # the first document's network
>>> net.forward().loss                    # E_total
>>> net.named_gradient()["w5"]            # ∂E_total/∂w5, by backpropagation
>>> bp.derive(net).whole_gradient(net)    # the same, by sympy
>>> bp.finite_difference(net)             # and without calculus
>>> history, trained = net.train(10000)
"""
from .activations import ACTIVATIONS
from .gradcheck import finite_difference, max_abs_diff
from .losses import LOSSES
from .network import Network, Param, SpecError, TrainingDiverged, format_number
from .presets import IDS as PRESETS
from .presets import load as preset
from .presets import published
from .quantities import agrees, table, value
from .spec import load, parse, to_spec

__all__ = ["ACTIVATIONS", "LOSSES", "Network", "Param", "PRESETS", "SpecError", "TrainingDiverged",
           "agrees", "derive", "finite_difference", "format_number", "load", "max_abs_diff",
           "parse", "preset", "published", "table", "to_spec", "value"]


def __getattr__(name):
    # sympy takes seconds to import: ``derive`` loads it on first use, so that the command
    # line and the library's numeric side start fast.
    if name == "derive":
        from .symbolic import derive
        return derive
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
