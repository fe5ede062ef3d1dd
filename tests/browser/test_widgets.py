"""The widgets in the built book, in Chromium: live with no kernel and no network.

Runs against the book ``make book-strict`` builds (``_build/html``, or the folder named by
``BOOK_HTML``), served from 127.0.0.1 by pagecheck's server; every request that would leave
the machine is blocked and recorded.
"""
import json
import re

import pytest

import backprop_lib as bp
from backprop_lib import variants
from backprop_lib.explain import _given
from pagecheck import reading

pytestmark = pytest.mark.browser

PAGE = "chapters/playground.html"


@pytest.fixture(scope="module")
def widget_page():
    """The playground chapter, open in Chromium; ``page.outside`` lists blocked requests,
    ``page.problems`` script errors and failed loads."""
    ready = ("() => [...document.querySelectorAll('.bp-playground [data-key=\"E\"]')].length >= 4"
             " && (document.querySelector('.bp-answer .bp-answer-numbers')?.textContent || '').length > 0")
    with reading(PAGE, ready=ready, http_errors=True, timeout=20_000) as page:
        yield page


def playground(page, preset_id):
    """The playground whose network has the preset's shape and title."""
    title = bp.preset(preset_id).title
    roots = page.locator(".bp-playground")
    for n in range(roots.count()):
        spec = json.loads(roots.nth(n).get_attribute("data-spec"))
        if spec.get("title") == title:
            return roots.nth(n)
    raise AssertionError(f"no playground of {preset_id} on {PAGE}")


def test_moving_w5_to_030_shows_the_error_backprop_lib_computes(widget_page):
    root = playground(widget_page, "2-2-2")
    net = bp.preset("2-2-2")
    error = root.locator('[data-key="E"]').first
    assert error.text_content() == net.fmt(net.forward().loss)
    root.get_by_label("w5", exact=True).fill("0.30")               # sets the slider, fires input
    moved = net.with_params(w5=0.3)
    assert error.text_content() == moved.fmt(moved.forward().loss) == "0.290095754"
    # the page's own account of its network, and three more of its numbers, agree
    spec = json.loads(root.get_attribute("data-spec"))
    assert bp.parse(spec).flat().tolist() == moved.flat().tolist()
    for key in ("dE/dw5", "w5+", "out:o1"):
        assert root.locator(f'[data-key="{key}"]').first.text_content() == moved.fmt(bp.value(moved, key))
    root.get_by_role("button", name="Reset").click()
    assert error.text_content() == net.fmt(net.forward().loss)


def test_the_answer_box_accepts_a_right_answer_and_rejects_a_wrong_one(widget_page):
    box = widget_page.locator(".bp-answer").first
    key = box.get_attribute("data-key")
    net = bp.preset("2-2-2")
    answer_field = box.get_by_label("your answer")
    verdict = box.locator(".bp-answer-result")
    right = net.fmt(bp.value(net, key))
    # the answer is computed when checked: the box's saved state does not hold it
    state = widget_page.locator('script[type="application/vnd.jupyter.widget-state+json"]').text_content()
    boxes = [m["state"] for m in json.loads(state)["state"].values() if m["state"].get("_kind") == "answer"]
    assert boxes and all(right not in json.dumps(b) and right.rstrip("0") not in json.dumps(b) for b in boxes)

    answer_field.fill(right)
    box.get_by_role("button", name="Check").click()
    assert verdict.text_content().startswith("Right")
    answer_field.fill(str(-float(right)))
    box.get_by_role("button", name="Check").click()
    assert verdict.text_content().startswith("Not yet: the sign is flipped")
    answer_field.fill("0.5")
    box.get_by_role("button", name="Check").click()
    assert verdict.text_content().startswith("Not yet")
    assert right not in box.text_content()                          # a wrong answer is not told the right one

    # new numbers: the box checks against the same draw backprop_lib.variants makes
    box.get_by_role("button", name="New numbers").click()
    fresh = variants.draw(net, 1)
    shown = box.locator(".bp-answer-numbers").text_content()
    assert re.search(r"\bw5 = 0\.\d+", shown) and f"w5 = {_given(fresh['w5'])}" in shown
    answer_field.fill(fresh.fmt(bp.value(fresh, key)))
    box.get_by_role("button", name="Check").click()
    assert verdict.text_content().startswith("Right")
    answer_field.fill(right)
    box.get_by_role("button", name="Check").click()
    assert verdict.text_content().startswith("Not yet")


def test_no_request_leaves_the_machine_and_no_script_fails(widget_page):
    # after the page loaded and the tests above moved sliders and checked answers
    assert widget_page.outside == [], f"requests leaving 127.0.0.1: {widget_page.outside}"
    assert widget_page.problems == [], widget_page.problems
