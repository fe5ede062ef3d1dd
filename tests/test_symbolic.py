"""The symbolic side: sympy's local factors are the documents' formulas."""
import sympy as sp

import backprop_lib as bp
from backprop_lib import symbolic


def test_local_factors_are_the_documents_formulas():
    net = bp.preset("2-2-2")
    d = bp.derive(net)
    out_o1, target_o1 = d.out_sym[2][0], d.targets[0]
    net_o1, out_h1 = d.net_sym[2][0], d.out_sym[1][0]
    # ∂E_total/∂out_o1 = −(target_o1 − out_o1): the −1 comes from the inner derivative
    assert sp.simplify(d.factor("E", "out:o1") - (-(target_o1 - out_o1))) == 0
    # ∂out/∂net of the logistic function is out(1 − out), written with out = σ(net)
    sigma = 1 / (1 + sp.exp(-net_o1))
    assert sp.simplify(d.factor("out:o1", "net:o1") - sigma * (1 - sigma)) == 0
    assert d.factor("net:o1", "w5") == out_h1
    assert d.factor("net:o1", "out:h1") == d.symbol["w5"]
    assert d.factor("net:o1", "b2") == 1
    assert d.factor("E:o2", "out:o1") == 0


def test_whole_derivative_equals_the_chain_of_factors_symbolically():
    net = bp.preset("2-2-1")
    d = bp.derive(net)
    w1, w5, i1 = d.symbol["w1"], d.symbol["w5"], d.inputs[0]
    target = d.targets[0]
    prediction = sum(d.symbol[f"w{5 + h}"] * (d.symbol[f"w{1 + 2 * h}"] * d.inputs[0]
                                               + d.symbol[f"w{2 + 2 * h}"] * d.inputs[1]) for h in range(2))
    assert sp.expand(d.whole("w1") - (prediction - target) * w5 * i1) == 0
    assert sp.expand(d.E - sp.Rational(1, 2) * (target - prediction) ** 2) == 0


def test_derivation_is_built_once_per_shape():
    net = bp.preset("3-2-2")
    assert bp.derive(net) is bp.derive(net.with_params(w5=0.9))
    assert bp.derive(net) is not bp.derive(bp.preset("2-2-2"))


def test_latex_names():
    assert symbolic.latex_name("w5") == "w_{5}"
    assert symbolic.latex_name("w10") == "w_{10}"
    assert symbolic.latex_name("w1_2_3") == "w^{(1)}_{2,3}"
    assert symbolic.latex_name("b2_1") == "b^{(2)}_{1}"
    assert symbolic.latex_name("out_h1") == "out_{h1}"
    assert symbolic.latex_name("target_h1_2") == "target_{h1,2}"


def test_the_documents_products_give_every_gradient():
    """Each preset's every gradient, as the documents' chain-rule product of sympy's factors
    (with the sums over paths for hidden layers), equals the whole derivative."""
    for pid in bp.PRESETS:
        net = bp.preset(pid)
        d = bp.derive(net)
        whole = dict(zip(d.param_names, d.whole_gradient(net)))
        for name in d.param_names:
            assert abs(d.chain_value(name, net) - whole[name]) < 1e-15, (pid, name)


def test_chain_is_written_like_the_first_document():
    net = bp.preset("2-2-2")
    d = bp.derive(net)
    [term] = d.chain("w5")
    assert [(num, den) for num, den, _ in term] == [("E", "out:o1"), ("out:o1", "net:o1"), ("net:o1", "w5")]
    assert [round(d.evaluate(e, net), 9) for _, _, e in term] == [0.74136507, 0.186815602, 0.593269992]
    paths = d.paths("h1")
    assert [[(num, den) for num, den, _ in t][2] for t in paths] == [("net:o1", "out:h1"), ("net:o2", "out:h1")]
    assert len(d.chain("b1")) == 2                      # a shared bias feeds both hidden neurons


def test_softmax_chain_sums_over_every_output():
    net = bp.Network(layers=[2, 3], activations=["softmax"], weights=[[[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]],
                     biases=[None], inputs=[0.6, -1.2], targets=[0.2, 0.5, 0.3], loss="cross_entropy")
    d = bp.derive(net)
    assert len(d.chain("w1_2_1")) == 3
    for name, g in zip(d.param_names, net.gradient()):
        assert abs(d.chain_value(name, net) - g) < 1e-15
