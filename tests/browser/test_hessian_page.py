"""The second-order chapter's answer boxes in Chromium: the browser computes Hessian entries
and the learning-rate limit (widgets/js/hessian.js) and judges answers against them, on the
page's own numbers and after "New numbers", with no kernel and no network."""
import re

import pytest

import backprop_lib as bp
from backprop_lib.variants import draw
from pagecheck import reading

pytestmark = pytest.mark.browser

PAGE = "chapters/hessian.html"
SEED = 16                       # the chapter's seed for fresh numbers
NEURON = bp.Network(layers=[2, 1], activations=["linear"], weights=[[[0.4, 0.6]]], inputs=[[2.0, 3.0]],
                    targets=[[1.0]], learning_rate=0.05,
                    names={"w1": ("weights", 0, 0, 0), "w2": ("weights", 0, 0, 1)})


@pytest.fixture(scope="module")
def hessian_page():
    ready = ("() => document.querySelectorAll('.bp-answer .bp-answer-numbers').length >= 3"
             " && [...document.querySelectorAll('.bp-answer-numbers')].every(e => e.textContent)")
    with reading(PAGE, ready=ready) as page:
        yield page


def box(page, key):
    return page.locator(f'.bp-answer[data-key="{key}"]').first


def answer(page, key, text):
    b = box(page, key)
    b.locator("input.bp-answer-input").fill(text)
    b.locator("button.bp-answer-check").click()
    page.wait_for_function("(el) => el.textContent.length > 0", arg=b.locator(".bp-answer-result").element_handle())
    return b.locator(".bp-answer-result").inner_text()


@pytest.mark.parametrize("net,key", [(bp.preset("2-2-2"), "d2E/dw7/dw7"), (bp.preset("2-2-2"), "d2E/dw5/dw6"),
                                     (NEURON, "eta_max")])
def test_boxes_judge_with_the_librarys_numbers_before_and_after_new_numbers(hessian_page, net, key):
    for variant in (0, 1, 2):
        if variant:
            box(hessian_page, key).locator("button.bp-answer-new").click()
            hessian_page.wait_for_function(
                "([el, n]) => el.textContent.startsWith(`New numbers (set ${n})`)",
                arg=[box(hessian_page, key).locator(".bp-answer-numbers").element_handle(), variant])
        exact = bp.value(draw(net, variant, SEED), key)
        verdict = answer(hessian_page, key, repr(exact))
        assert verdict.startswith("Right"), (key, variant, verdict)
        assert re.search(r"-?\d+\.\d{9}", verdict) and f"{exact:.9f}" in verdict
        assert answer(hessian_page, key, repr(exact * 1.01)).startswith("Not yet"), (key, variant)


def test_the_working_for_a_hessian_entry_is_worked_out(hessian_page):
    b = box(hessian_page, "d2E/dw5/dw6")
    for s in range(b.locator("summary").count()):
        b.locator("summary").nth(s).click()
    text = b.inner_text()
    assert "bracket" in text and "f′" in text


def test_no_request_leaves_and_no_script_fails(hessian_page):
    assert hessian_page.outside == []
    assert hessian_page.problems == []
