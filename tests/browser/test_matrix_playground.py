"""The matrix playground of "The four equations" in the built book, in Chromium, with no
kernel and no network: moving a slider recomputes every matrix as backprop_lib does, lights
up exactly the numbers that changed, and pointing at an entry of an outer product lights up
the δ and the out it is made of."""
import json

import pytest

import backprop_lib as bp
from pagecheck import (READ_JS, Server, book_dir, is_local, launch, move_slider, new_context, wait_for_widgets,
                       wrong_numbers)

pytestmark = pytest.mark.browser

PAGE = "chapters/four-equations.html"

LIT_JS = """root => [...root.querySelectorAll('.bp-cell.bp-lit [data-key]')].map(e => e.getAttribute('data-key'))"""
LINKED_JS = """root => [...root.querySelectorAll('.bp-cell.bp-linked')].map(c =>
    (c.querySelector('[data-key]') || {getAttribute: () => ''}).getAttribute('data-key'))"""


@pytest.fixture(scope="module")
def reader():
    html = book_dir()
    if not (html / PAGE).is_file():
        pytest.fail(f"no built book with {PAGE} at {html}: build it first (make book-strict)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with Server(html) as server, sync_playwright() as p:
        browser = launch(p)
        context = new_context(browser)
        outside = []
        context.route("**/*", lambda r: r.continue_() if is_local(r.request.url)
                      else (outside.append(r.request.url), r.abort("blockedbyclient")))
        yield server, context, outside
        browser.close()


@pytest.fixture
def matrices(reader):
    """The page freshly opened (each test starts from the saved state)."""
    server, context, outside = reader
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.base + PAGE, wait_until="load")
    wait_for_widgets(page)
    root = page.locator(".bp-matrices")
    assert root.count() == 1, "the four equations page shows no matrix playground"
    root.scroll_into_view_if_needed()
    yield page, root.first, outside, errors
    page.close()


def test_the_saved_playground_shows_the_documents_numbers(matrices):
    page, root, outside, errors = matrices
    state = root.evaluate(READ_JS)
    net = bp.parse(json.loads(state["spec"]))
    assert net.layers == [2, 2, 2] and net["w5"] == 0.4
    shown = dict(state["shown"])
    assert shown["dE/dw5"] == "0.082167041"                         # the document's ∂E_total/∂w5
    assert shown["dE/dnet:o1"] == "0.138498562"
    keys = [k for k, _ in state["shown"]]
    for key in ("dE/dw1", "dE/dw8", "dE/db1", "dE/db2", "dE/dnet:h2", "dE/dout:h1", "dout/dnet:o2", "net:h1"):
        assert key in keys, key
    assert not wrong_numbers(state["spec"], state["shown"])
    assert [s["label"] for s in state["sliders"]] == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2",
                                                      "i1", "i2", "target_o1", "target_o2"]
    assert not root.evaluate(LIT_JS), "numbers lit up before any slider moved"
    assert not errors and not outside


@pytest.mark.parametrize("slider,lit,dark", [
    ("w5", ["net:o1", "out:o1", "dE/dnet:o1", "dE/dnet:h1", "dE/dnet:h2", "dE/dw5", "dE/dw1", "dE/db2"],
     ["net:h1", "out:h1", "net:o2", "out:o2", "dE/dnet:o2", "dE/dw7"]),
    ("i1", ["net:h1", "net:h2", "out:o1", "dE/dw1", "dE/dw3"], ["out:i2"]),
    ("target_o2", ["dE/dout:o2", "dE/dnet:o2", "dE/dw7", "dE/dw8", "dE/dnet:h1"],
     ["net:o1", "out:o1", "dE/dnet:o1", "dE/dw5", "net:h1"]),
])
def test_a_slider_recomputes_and_lights_up_what_changed(matrices, slider, lit, dark):
    page, root, outside, errors = matrices
    labels = [s["label"] for s in root.evaluate(READ_JS)["sliders"]]
    before, after = move_slider(page, root, labels.index(slider))
    assert before["spec"] != after["spec"]
    wrong = wrong_numbers(after["spec"], after["shown"])
    assert not wrong, f"after moving {slider}:\n  " + "\n  ".join(wrong)
    changed = {k for (k, a), (_, b) in zip(before["shown"], after["shown"]) if a != b}
    now_lit = set(root.evaluate(LIT_JS))
    assert now_lit == changed, f"lit up {sorted(now_lit ^ changed)} wrongly"
    for key in lit:
        assert key in now_lit, f"moving {slider} did not light up {key}"
    for key in dark:
        assert key not in now_lit, f"moving {slider} lit up {key}, which does not depend on it"
    assert not errors and not outside


def test_pointing_at_a_gradient_shows_its_delta_and_its_out(matrices):
    page, root, outside, errors = matrices
    cell = root.locator('.bp-outer .bp-cell:has([data-key="dE/dw6"])')
    cell.hover()
    linked = set(root.evaluate(LINKED_JS))
    assert linked == {"dE/dw6", "dE/dnet:o1", "out:h2"}, linked        # ∂E/∂w6 = δ_o1 · out_h2
    root.locator(".bp-title").hover()
    assert not root.evaluate(LINKED_JS)
    root.locator('.bp-outer .bp-cell:has([data-key="dE/dw3"])').focus()   # by keyboard too
    assert set(root.evaluate(LINKED_JS)) == {"dE/dw3", "dE/dnet:h2", "out:i1"}
    assert not errors and not outside
