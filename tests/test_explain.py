"""The worked example as the chapters show it (backprop_lib/explain.py): every row's number is
the quantity its key names, quotes sit beside the right numbers, long equalities break to fit,
and the checks the chapters print hold."""
import re

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.documents import first, second
from backprop_lib.explain import Worked, chain, fit, gradient_costs, three_ways, width, worked_example


@pytest.mark.parametrize("net", [bp.preset("2-2-2"), second.in_book_names(), bp.preset("2-2-1")],
                         ids=["2-2-2", "3-2-2", "2-2-1"])
def test_every_row_is_the_quantity_its_key_names(net):
    rows = [r for sec in worked_example(net, total="E") for r in sec.rows]
    keyed = [r for r in rows if r.key]
    assert len(keyed) == len(rows) > 25                      # one sample: every row has a key
    for r in keyed:
        assert r.value == pytest.approx(bp.value(net, r.key), abs=1e-14), r.key


def test_several_samples_have_no_keys():
    net = second.several_samples("batch")
    assert all(not r.key for sec in worked_example(net) for r in sec.rows)


def test_quotes_sit_beside_their_numbers():
    w = Worked(bp.preset("2-2-2"), quotes=bp.published("2-2-2"))
    assert "the document: “0.593269992”" in w.latex("out_h1")
    assert "the document: “-0.019049119”" not in w.latex("∂E/∂out_h1")   # a quote only where its key is
    assert "“0.036350306”" in w.latex("∂E/∂out_h1")
    assert "the document" not in w.latex("out_h1", quote=False)
    # the second document's own numbers, not its readers'
    w3 = Worked(second.in_book_names(), quotes=second.quotes())
    assert "“0.7504”" in w3.latex("∂E/∂out_o2") and ".3004" not in w3.latex("∂E/∂out_o2")
    assert "“0.0008”" in w3.latex("∂E/∂b1") and "= 0.0024" in w3.latex("∂E/∂b1")


def test_the_book_names_the_error_E_and_sets_net_and_out_upright():
    w = Worked(bp.preset("2-2-2"))
    assert "E_total" not in " ".join(w.rows) and "∂E/∂w5" in w.rows
    latex = w.latex("∂E/∂w5")
    assert r"\mathrm{out}_{o1}" in latex and r"\mathrm{net}_{o1}" in latex and "E_{total}" not in latex
    assert r"\_" not in " ".join(w.latex(n) for n in w.rows)


def test_long_equalities_break_into_lines_that_fit():
    w = Worked(bp.preset("2-2-2"), quotes=bp.published("2-2-2"))
    for name in w.rows:
        latex = w.latex(name).strip("$")
        body = latex.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
        for line in body.split(r" \\ "):
            assert width(line) <= 48 + 4, (name, line)            # the limit, and a lone long part
    assert width(r"\frac{\partial E}{\partial w_{5}}") == 3         # ∂, E over ∂, w, 5
    short = fit("x", ["1 + 1", "2"])
    assert short == "$$x = 1 + 1 = 2$$"


def test_chain_drops_a_number_said_twice():
    assert chain(["a", "b", "0.850", "0.850"]) == ["a", "b", "0.850"]
    assert chain(["E", "E_o1", "0.327", "0.3270"]) == ["E", "E_o1", "0.327"]
    assert chain(["δ", "(−0.5)·1", "-0.500"]) == ["δ", "(−0.5)·1", "-0.500"]


def test_three_ways_agree_in_the_table():
    net = bp.preset("2-2-2")
    text = three_ways(net, ["w1", "w5", "b2"]).text
    rows = [line for line in text.splitlines() if line.startswith("| ∂E/∂")]
    assert len(rows) == 3
    for line in rows:
        _, name, *numbers, _ = [c.strip() for c in line.split("|")]
        backprop, sympy_value, nudged = map(float, numbers)
        assert backprop == pytest.approx(net.named_gradient()[name.removeprefix("∂E/∂")], abs=1e-12)
        assert sympy_value == pytest.approx(backprop, abs=1e-12)
        assert nudged == pytest.approx(backprop, abs=1e-9)


def test_gradient_costs_count_two_forward_passes_per_parameter():
    costs = gradient_costs(bp.preset("3-2-2"), repeat=1)
    assert costs["parameters"] == 12 and costs["forward passes"] == 24
    assert costs["backprop"] > 0 and costs["finite difference"] > 0


@pytest.mark.parametrize("param", ["w5", "w1", "b1", "b2"])
def test_chain_form_latex_keeps_sympys_derivative(param):
    """The display reorders each path's factors along the path and writes −(t − out) as
    (out − t); sign × the ordered factors must still be sympy's term, path for path."""
    import sympy as sp
    terms = first.path_terms(first.chain_form(param))
    paths = first.path_factors(param)
    assert len(paths) == len(terms) == {"w5": 1, "w1": 2, "b1": 4, "b2": 2}[param]
    for (sign, factors), term in zip(paths, terms):
        assert sp.expand(sign * sp.Mul(*factors) - term) == 0
        assert {str(s) for s in factors[0].free_symbols} <= {"out_o1", "out_o2", "target_o1", "target_o2"}
        assert str(factors[0]).startswith("out_o")               # out − target, not −(target − out)
        assert sign == 1                                          # every path of this network: (out − t) first
    if param == "w1":
        assert [str(f) for f in paths[0][1]][-1] == "i1"           # the input, at the end of the path
        assert "w5" in [str(f) for f in paths[0][1]] and "w7" in [str(f) for f in paths[1][1]]
    latex = first.chain_form_latex(param)
    assert latex.count(r"\mathrm{target}") == len(terms) and r"\_" not in latex


def test_second_in_book_names_renames_only_the_inputs():
    net, original = second.in_book_names(), bp.preset("3-2-2")
    assert net.neuron_names[0] == ["i1", "i2", "i3"] and net.neuron_names[1:] == original.neuron_names[1:]
    assert [p.name for p in net.parameters()] == [p.name for p in original.parameters()]
    assert np.array_equal(net.gradient(), original.gradient())
    assert {p["section"] for p in second.quotes()} == {"step 2", "step 4", "step 5"}
