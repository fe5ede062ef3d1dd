"""The convolution chapter's widgets in Chromium, offline, with no kernel: the conv playground
recomputes when its sliders move and shows exactly the numbers backprop_lib.conv computes
(every [data-key] number, the pooling choices, ReLU's zeros); the conv answer boxes judge an
answer, name a slip, and draw the same "New numbers" as the library."""
import json

import numpy as np
import pytest

from pagecheck import READ_JS, is_local, move_slider, new_context, three_sliders, wait_for_widgets

pytestmark = pytest.mark.browser

PAGE = "chapters/convolution.html"


@pytest.fixture(scope="module")
def conv_page(chromium, book_server, book):
    if not (book / PAGE).is_file():
        pytest.fail(f"{PAGE} is not in the built book", pytrace=False)
    context = new_context(chromium)
    outside, errors = [], []
    context.route("**/*", lambda r: r.continue_() if is_local(r.request.url)
                  else (outside.append(r.request.url), r.abort("blockedbyclient")))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(book_server.base + PAGE, wait_until="load")
    wait_for_widgets(page)
    yield page, outside, errors
    context.close()


def wrong_numbers(spec_text, shown):
    """The shown numbers that differ from backprop_lib.conv's for the network ``spec_text``."""
    from backprop_lib import conv

    net = conv.parse(json.loads(spec_text))
    trained, cache = {}, {}
    wrong = []
    for key, text in shown:
        expected = net.fmt(conv.value(net, key, trained, cache))
        if text.strip() != expected:
            wrong.append(f"{key}: shows {text.strip()!r}, backprop_lib computes {expected}")
    return wrong


CLASSES_JS = """root => ({
  chosen: [...root.querySelectorAll('table.bp-map')].slice(0, 1).map(t =>
      [...t.querySelectorAll('td')].map(td => td.classList.contains('bp-chosen'))),
  off: [...root.querySelectorAll('table.bp-map')].slice(0, 1).map(t =>
      [...t.querySelectorAll('td')].map(td => td.classList.contains('bp-off'))),
})"""


def test_the_conv_playground_recomputes_like_the_library(conv_page):
    from backprop_lib import conv

    page, outside, errors = conv_page
    roots = page.locator(".bp-conv")
    assert roots.count() == 1, "the convolution chapter shows one conv playground"
    root = roots.first
    root.scroll_into_view_if_needed()
    state = root.evaluate(READ_JS)
    assert state["spec"] and len(state["sliders"]) == 14, "sliders for the kernel, both biases and the dense weights"
    assert len(state["shown"]) > 100
    wrong = wrong_numbers(state["spec"], state["shown"])
    assert not wrong, "as saved:\n  " + "\n  ".join(wrong)
    keys = {k for k, _ in state["shown"]}
    assert {"E", "out:p2_11", "dE/dk11", "dE/db1", "dE/dout:i23", "dE/dnet:c1_12", "b1+", "w3_2_4+"} <= keys

    def check_classes(spec_text):
        net = conv.parse(json.loads(spec_text))
        t = net.forward()
        marks = root.evaluate(CLASSES_JS)
        chosen = np.zeros((4, 4), dtype=bool)
        for x in range(2):
            for y in range(2):
                a = int(t.choice[2][0, 0, x, y])
                chosen[2 * x + a // 2, 2 * y + a % 2] = True
        assert marks["chosen"][0] == chosen.ravel().tolist()
        assert marks["off"][0] == (t.net[1][0, 0] <= 0).ravel().tolist()

    check_classes(state["spec"])
    for i in three_sliders(state["sliders"]):
        before, after = move_slider(page, root, i)
        label = before["sliders"][i]["label"]
        assert after["sliders"][i]["value"] != before["sliders"][i]["value"], f"slider {label} did not move"
        net = conv.parse(json.loads(after["spec"]))
        assert abs(net[label] - float(after["sliders"][i]["value"])) < 1e-12, f"slider {label} is not in data-spec"
        changed = [k for (k, a), (_, b) in zip(before["shown"], after["shown"]) if a != b]
        assert changed, f"moving {label} changed no number"
        wrong = wrong_numbers(after["spec"], after["shown"])
        assert not wrong, f"after moving {label}:\n  " + "\n  ".join(wrong)
        check_classes(after["spec"])
    # drag the kernel far enough that a window's maximum moves, and ReLU's zeros with it
    first = root.locator("input[type=range]").first
    first.fill("-1")
    page.wait_for_timeout(100)
    state = root.evaluate(READ_JS)
    assert not wrong_numbers(state["spec"], state["shown"])
    check_classes(state["spec"])
    assert not errors, errors
    assert not outside, outside


def test_conv_answer_boxes_judge_and_draw_new_numbers(conv_page):
    from backprop_lib import conv
    from backprop_lib.widgets import convolution

    page, outside, errors = conv_page
    boxes = page.locator(".bp-conv-answer")
    assert boxes.count() >= 4
    box = boxes.first
    box.scroll_into_view_if_needed()
    key = box.get_attribute("data-key-asked")
    assert key == "dE/dk11"
    shown = conv.parse(json.loads(box.get_attribute("data-spec")))
    exact = conv.value(shown, key)
    field, result = box.locator("input.bp-answer-input"), box.locator(".bp-answer-result")

    def answer(text):
        field.fill(text)
        box.locator("button.bp-answer-check").click()
        page.wait_for_function("el => el.textContent.length > 0", arg=result.element_handle())
        return result.text_content()

    assert answer(f"{exact:.4g}").startswith("Right: " + shown.fmt(exact))
    spread = dict(convolution.mistakes(shown, key))["spread"]
    assert convolution.HINTS["spread"] in answer(repr(spread))
    assert convolution.HINTS["sign"] in answer(repr(-exact))
    assert convolution.HINTS["few_digits"] in answer("0.5")                     # too few figures to judge
    assert answer("0.500").startswith("Not yet: Only the positions")            # the author's hint
    assert convolution.HINTS["not_a_number"] in answer("zero")
    box.locator("button.bp-answer-new").click()
    page.wait_for_function("el => el.value === ''", arg=field.element_handle())
    fresh = json.loads(box.get_attribute("data-spec"))
    seed = 15
    assert fresh == json.loads(json.dumps(conv.draw(conv.example(), 1, seed).to_spec()))
    fresh_net = conv.parse(fresh)
    assert answer(repr(conv.value(fresh_net, key))).startswith("Right")
    assert not answer(repr(exact)).startswith("Right") or conv.value(fresh_net, key) == exact
    assert not errors, errors
    assert not outside, outside
