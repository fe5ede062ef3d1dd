"""The training playground in the built book, in Chromium, with no kernel and no network:
Train reaches the accuracy the chapter promises within 5 s, the status line moves, the link it
shows reopens the same state digit for digit, an opened gradient holds the library's numbers
and Step makes the update it announces, the keyboard drives it all, and axe finds no serious
problem in it once opened.

DOM contract (widgets/js/train_view.js): root .bp-trainer; the status line [role=status];
the link a.bp-trainer-link; buttons named Train, Pause, Step, Reset; numbers of the opened
gradient carry data-role and data-value.
"""
import re

import pytest

from backprop_lib import classifier
from backprop_lib.pages import training as training_page
from pagecheck import book_in_chromium, guarded_context, open_tab

pytestmark = pytest.mark.browser

PAGE = "chapters/training-playground.html"
STATUS = re.compile(r"^step (\d+) · loss (\d+\.\d{6}) · accuracy (\d\.\d{3})$")

# Clicks Train and records, in the page's own clock, when the status line first reads an
# accuracy of at least 0.95.
TIME_TO_95_JS = """(root) => new Promise((resolve) => {
  const status = root.querySelector('[role=status]');
  const button = [...root.querySelectorAll('button')].find(b => b.textContent === 'Train');
  let start = null;
  const observer = new MutationObserver(() => {
    const m = /accuracy (\\d\\.\\d+)/.exec(status.textContent);
    if (start !== null && m && Number(m[1]) >= 0.95) {
      observer.disconnect();
      resolve({ms: performance.now() - start, status: status.textContent});
    }
  });
  observer.observe(status, {childList: true, characterData: true, subtree: true});
  button.addEventListener('click', () => { start = performance.now(); }, {once: true, capture: true});
  button.click();
  setTimeout(() => { observer.disconnect(); resolve({ms: null, status: status.textContent}); }, 20000);
})"""


@pytest.fixture(scope="module")
def browser_and_server():
    with book_in_chromium(PAGE) as (browser, server):
        yield guarded_context(browser), server


def open_page(context, url):
    return open_tab(context, url, console=True,
                    ready="() => { const s = document.querySelector('.bp-trainer [role=status]');"
                          " return s && s.textContent.startsWith('step '); }")


def status_of(page):
    return page.locator(".bp-trainer [role=status]").first.text_content()


def test_train_reaches_95_percent_within_5_seconds_and_the_link_reopens_the_same_state(browser_and_server):
    context, server = browser_and_server
    page = open_page(context, server.base + PAGE)
    root = page.locator(".bp-trainer").first
    root.scroll_into_view_if_needed()
    first = status_of(page)
    assert first == classifier.status_line(classifier.Plane().network(), 0)      # the saved state: step 0
    result = root.evaluate(TIME_TO_95_JS)
    assert result["ms"] is not None, f"no 95 % accuracy within 20 s; the status line reads {result['status']!r}"
    assert result["ms"] <= 5000, f"95 % accuracy took {result['ms']:.0f} ms after pressing Train"
    # the status line moves while it trains
    moving = status_of(page)
    page.wait_for_timeout(300)
    assert status_of(page) != moving
    root.get_by_role("button", name="Pause").click()
    paused = status_of(page)
    page.wait_for_timeout(300)
    assert status_of(page) == paused
    m = STATUS.match(paused)
    assert m and float(m[3]) >= 0.95, paused
    steps = int(m[1])
    # the library computes the same line for the same state
    assert paused == classifier.status_line(classifier.Plane().trained(steps)[1], steps)
    # the link the page shows holds the state; opened in a new page it shows the same line
    href = root.locator("a.bp-trainer-link").get_attribute("href")
    assert f"steps={steps}" in href and href.startswith(server.base)
    assert page.url == href                                   # the address follows the state
    again = open_page(context, href)
    again.wait_for_function("() => !document.querySelector('.bp-trainer [role=status]').textContent.startsWith('replaying')",
                            timeout=30_000)
    assert status_of(again) == paused
    again.close()
    page.close()
    assert context.outside == [] and context.problems == []


def test_an_opened_gradient_has_the_librarys_numbers_and_step_makes_its_update(browser_and_server):
    context, server = browser_and_server
    plane = classifier.Plane(dataset="xor", hidden=(2,), batch_size=2)
    url = server.base + PAGE + "?" + training_page.query(plane, 25)
    page = open_page(context, url)
    root = page.locator(".bp-trainer").first
    page.wait_for_function("() => document.querySelector('.bp-trainer [role=status]').textContent.startsWith('step 25 ')")
    assert status_of(page) == classifier.status_line(plane.trained(25)[1], 25)
    root.scroll_into_view_if_needed()
    # click the line of w2_1_1 (its hit area carries the parameter's name in its title)
    hit = root.locator(".bp-hit", has=page.locator("title", has_text="w2_1_1:")).first
    hit.click(force=True)
    panel = root.locator(".bp-panel")
    assert "w2_1_1" in panel.text_content()
    shown = panel.evaluate("p => [...p.querySelectorAll('[data-role]')].map(e => [e.dataset.role, Number(e.dataset.value)])")
    net = plane.trained(25)[1]
    x = classifier.explain_step(net, 25, "w2_1_1")
    products = [v for r, v in shown if r == "product"]
    assert len(products) == 2
    assert max(abs(a - s["product"]) for a, s in zip(products, x["samples"])) <= 1e-12
    for role in ("gradient", "value", "updated"):
        value = next(v for r, v in shown if r == role)
        assert abs(value - x[role]) <= 1e-12, role
    announced = next(v for r, v in shown if r == "updated")
    root.get_by_role("button", name="Step").click()
    page.wait_for_function("() => document.querySelector('.bp-trainer [role=status]').textContent.startsWith('step 26 ')")
    stepped = root.evaluate("r => r.bpRun.W[1][0]")               # w2_1_1: layer 2, row 1, column 1
    assert stepped == announced
    assert abs(stepped - plane.trained(26)[1]["w2_1_1"]) <= 1e-12
    page.close()
    assert context.outside == [] and context.problems == []


def test_the_keyboard_drives_it(browser_and_server):
    context, server = browser_and_server
    page = open_page(context, server.base + PAGE)
    root = page.locator(".bp-trainer").first
    root.scroll_into_view_if_needed()
    # a setting: the dataset, changed with the arrow keys, starts again from step 0
    dataset = root.get_by_label("Dataset")
    dataset.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.querySelector('.bp-trainer [role=status]').textContent.startsWith('step 0 ')")
    assert status_of(page) == classifier.status_line(classifier.Plane(dataset="circles").network(), 0)
    # Tab moves on through the settings to the buttons: Step with Enter, Train and Pause with Space
    step = root.get_by_role("button", name="Step")
    step.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.bp-trainer [role=status]').textContent.startsWith('step 1 ')")
    page.keyboard.press("Shift+Tab")                                 # to Pause
    page.keyboard.press("Shift+Tab")                                 # to Train
    assert page.evaluate("() => document.activeElement.textContent") == "Train"
    page.keyboard.press("Space")
    page.wait_for_timeout(600)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Pause"
    page.keyboard.press("Space")
    m = STATUS.match(status_of(page))
    assert m and int(m[1]) > 1
    steps = int(m[1])
    assert status_of(page) == classifier.status_line(classifier.Plane(dataset="circles").trained(steps)[1], steps)
    # the gradient list opens a weight's gradient without a mouse
    chooser = root.get_by_label("Open the gradient of")
    chooser.focus()
    page.keyboard.press("ArrowDown")
    assert "w1_1_1" in root.locator(".bp-panel").text_content()
    # Reset, from the keyboard
    reset = root.get_by_role("button", name="Reset")
    reset.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.bp-trainer [role=status]').textContent.startsWith('step 0 ')")
    page.close()
    assert context.outside == [] and context.problems == []


def test_axe_finds_no_serious_problem_in_the_opened_playground(browser_and_server):
    from axe_playwright_python.sync_playwright import Axe

    context, server = browser_and_server
    page = open_page(context, server.base + PAGE + "?" + training_page.query(classifier.Plane(), 200))
    root = page.locator(".bp-trainer").first
    root.get_by_label("Open the gradient of").select_option("w2_3_5")
    assert "w2_3_5" in root.locator(".bp-panel").text_content()
    result = Axe().run(page, context=".bp-trainer")
    serious = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    page.close()
