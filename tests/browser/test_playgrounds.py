"""Every playground on every page of the built book stays live with no kernel and no network:
moving a slider changes the numbers it shows, and they are the numbers backprop_lib computes
for the network at the new slider values.

The playgrounds are found by the widgets' DOM contract: a root ``.bp-playground`` carrying
``data-spec`` (the network at the current slider values), sliders ``input[type=range]`` named
by ``aria-label``, and numbers ``[data-key]`` at the network's decimals.
"""
import math

import pytest

from pagecheck import (READ_JS, book_dir, is_local, move_slider, new_context, three_sliders, toc_pages,
                       value_in_spec, wait_for_widgets, widget_pages, wrong_numbers)

pytestmark = pytest.mark.browser

_root = book_dir()
PAGES = widget_pages(_root) if (_root / "index.html").is_file() else []


@pytest.fixture(scope="module")
def reader(chromium, book_server):
    context = new_context(chromium)
    outside = []
    context.route("**/*", lambda r: r.continue_() if is_local(r.request.url)
                  else (outside.append(r.request.url), r.abort("blockedbyclient")))
    yield context, outside
    context.close()


def test_the_book_has_playgrounds(book):
    assert "chapters/playground.html" in toc_pages(), "the playground chapter is missing from _toc.yml"
    assert "chapters/playground.html" in PAGES, "chapters/playground.html shows no saved widgets"


@pytest.mark.parametrize("page_path", PAGES)
def test_playgrounds_recompute_when_sliders_move(reader, book_server, page_path):
    context, outside = reader
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(book_server.base + page_path, wait_until="load")
        wait_for_widgets(page)
        roots = page.locator(".bp-playground")
        count = roots.count()
        if page_path == "chapters/playground.html":
            assert count >= 1, "the playground chapter shows no .bp-playground"
        for n in range(count):
            root = roots.nth(n)
            root.scroll_into_view_if_needed()
            state = root.evaluate(READ_JS)
            where = f"{page_path}, playground {n + 1}"
            assert state["spec"], f"{where}: no data-spec"
            assert state["shown"], f"{where}: no [data-key] numbers"
            assert len(state["sliders"]) >= 3, f"{where}: fewer than three sliders"
            wrong = wrong_numbers(state["spec"], state["shown"])
            assert not wrong, f"{where}, as saved:\n  " + "\n  ".join(wrong)

            for i in three_sliders(state["sliders"]):
                before, state = move_slider(page, root, i)
                s, moved = before["sliders"][i], state["sliders"][i]
                label = s["label"]
                assert moved["value"] != s["value"], f"{where}: slider {label} did not move"
                held = value_in_spec(state["spec"], label)
                assert any(math.isclose(v, float(moved["value"]), abs_tol=1e-9) for v in held), (
                    f"{where}: slider {label} shows {moved['value']}, data-spec holds {held}")
                changed = [k for (k, a), (_, b) in zip(before["shown"], state["shown"]) if a != b]
                assert changed, f"{where}: moving {label} from {s['value']} to {moved['value']} changed no number"
                wrong = wrong_numbers(state["spec"], state["shown"])
                assert not wrong, (f"{where}, after moving {label} from {s['value']} to {moved['value']}:\n  "
                                   + "\n  ".join(wrong))
        assert not errors, f"{page_path}: script errors while moving sliders: {errors}"
        assert not outside, f"{page_path}: requests leaving the machine: {outside}"
    finally:
        page.close()
