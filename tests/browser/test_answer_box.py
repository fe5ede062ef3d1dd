"""The answer boxes of Part I's exercise pages, in Chromium, offline and with no kernel.

A reader's hand calculation right to its digits passes with the significant-figure message, the
commonest slip gets its own hint, the working appears after two wrong tries and unfolds one
step at a time, and every box's folded worked solution ends on the value backprop_lib computes
for the numbers the box shows, including after "New numbers".  No code cell that creates a box
(with its hint) is on the page.
"""
import json

import pytest

import backprop_lib as bp
from backprop_lib import variants
from backprop_lib.widgets.answers import correct_choice, shown
from pagecheck import book_in_chromium, guarded_context, open_tab

pytestmark = pytest.mark.browser

PAGES = ["chapters/2-2-1-practice.html", "chapters/2-2-2-exercises.html", "chapters/3-2-2-exercises.html"]


@pytest.fixture(scope="module")
def browser():
    with book_in_chromium(*PAGES) as (chromium, server):
        chromium.base = server.base
        yield chromium


def open_page(browser, path):
    return open_tab(guarded_context(browser), browser.base + path, http_errors=True,
                    ready="() => document.querySelectorAll('.bp-answer').length > 0 && "
                          "[...document.querySelectorAll('.bp-answer')]"
                          ".every(b => (b.querySelector('.bp-answer-numbers')?.textContent || '').length > 0)")


@pytest.fixture(scope="module")
def exercises_222(browser):
    page = open_page(browser, "chapters/2-2-2-exercises.html")
    yield page
    page.context.close()


def boxes_in_state(page):
    """key → the saved state of each answer box on the page."""
    text = page.locator('script[type="application/vnd.jupyter.widget-state+json"]').text_content()
    models = [m["state"] for m in json.loads(text)["state"].values() if m["state"].get("_kind") == "answer"]
    return {m["key"]: m for m in models}


def check(box, answer):
    box.get_by_label("your answer").fill(answer)
    box.get_by_role("button", name="Check").click()
    return box.locator(".bp-answer-result").text_content()


def test_a_four_figure_hand_calculation_passes_and_the_missing_slope_is_named(exercises_222):
    box = exercises_222.locator('.bp-answer[data-key="dE/dw6"]')
    assert check(box, "0.0827") == "Right to 3 significant figures; the exact value is 0.082667628."
    assert check(box, "0.08267") == "Right to 4 significant figures; the exact value is 0.082667628."
    assert check(box, "0.44251").startswith("Not yet: the activation's slope is missing")
    assert check(box, "-0.082667628").startswith("Not yet: the sign is flipped")
    assert check(box, "0.0828").startswith("Not yet")
    assert check(box, "0.08").startswith("Not yet: give at least 3 significant figures")


def test_the_working_appears_after_two_wrong_tries_one_step_at_a_time(exercises_222):
    box = exercises_222.locator('.bp-answer[data-key="dE:o2/dout:h1"]')
    net = bp.preset("2-2-2")
    working = box.locator(".bp-answer-working")
    assert working.is_hidden()
    hint = check(box, "-0.017144205")                                  # the reader's slip: w6 for w7
    assert hint.startswith("Not yet: a weight on the way back is the wrong one")
    assert working.is_hidden()                                         # one wrong try: no working yet
    assert check(box, "0.0100").startswith("Not yet")
    assert working.is_visible()
    steps = box.locator(".bp-answer-working .bp-answer-step")
    assert steps.count() == 0
    button = box.get_by_role("button", name="Show the first step")
    button.click()
    assert steps.count() == 1
    assert steps.first.locator(".bp-num").text_content() == shown(net, bp.value(net, "out:h1"))
    for n in range(2, 30):
        nxt = box.get_by_role("button", name="Show the next step")
        if not nxt.is_visible():
            break
        nxt.click()
        assert steps.count() == n
    assert box.get_by_text("That is the whole working.").is_visible()
    assert steps.last.locator(".bp-num").text_content() == shown(net, bp.value(net, "dE:o2/dout:h1"))
    assert steps.count() >= 6


def test_new_numbers_give_a_worked_solution_for_the_numbers_on_screen(exercises_222):
    box = exercises_222.locator('.bp-answer[data-key="dE/dw6"]')
    state = boxes_in_state(exercises_222)["dE/dw6"]
    box.get_by_role("button", name="New numbers").click()
    fresh = variants.draw(bp.parse(state["spec"]), 1, state["seed"])
    assert f"w6 = {fresh['w6']:g}" in box.locator(".bp-answer-numbers").text_content()
    solution = box.locator("details.bp-answer-solution")
    assert solution.locator(".bp-answer-step").count() == 0           # nothing is in the page until asked for
    solution.locator("summary").click()
    last = solution.locator(".bp-answer-step").last.locator(".bp-num").text_content()
    assert last == shown(fresh, bp.value(fresh, "dE/dw6"))
    exact = bp.value(fresh, "dE/dw6")
    assert check(box, f"{exact:#.4g}").startswith("Right to 4 significant figures")
    box.get_by_role("button", name="New numbers").click()             # set 2: the solution is redone
    assert not solution.evaluate("d => d.open")
    solution.locator("summary").click()
    second = variants.draw(bp.parse(state["spec"]), 2, state["seed"])
    last = solution.locator(".bp-answer-step").last.locator(".bp-num").text_content()
    assert last == shown(second, bp.value(second, "dE/dw6"))


def test_a_prediction_is_checked(exercises_222):
    box = exercises_222.locator('.bp-answer[data-key="w7+"]')
    assert correct_choice(bp.preset("2-2-2"), "w7+", "direction") == "up"
    box.get_by_role("button", name="down").click()
    assert box.locator(".bp-answer-result").text_content().startswith("Not yet: look at the sign of the gradient")
    box.get_by_role("button", name="up").click()
    assert box.locator(".bp-answer-result").text_content() == "Right: up."


def test_hints_are_folded_and_no_box_code_is_on_the_page(exercises_222):
    html = exercises_222.content()
    assert "AnswerBox(" not in html                                  # the creating cells are removed
    hint = exercises_222.locator('.bp-answer[data-key="dE/db2"] details.bp-answer-hint')
    assert hint.count() == 1 and not hint.evaluate("d => d.open")
    assert not hint.locator("div").is_visible()
    hint.locator("summary").click()
    assert hint.locator("div").is_visible()
    # the code exercise: the reader's function and its check, whose verdict is "not yet"
    code = " ".join(exercises_222.locator("div.cell_input").all_text_contents())
    assert "def hidden_delta(out_h, weights_out, deltas_out):" in code and "check_function(hidden_delta)" in code
    assert exercises_222.get_by_text("Not yet: hidden_delta returns").is_visible()


def test_nothing_leaves_the_machine_and_no_script_fails(exercises_222):
    assert exercises_222.outside == [], exercises_222.outside
    assert exercises_222.problems == [], exercises_222.problems


@pytest.mark.parametrize("path", PAGES)
def test_every_box_solves_its_own_numbers(browser, path):
    page = open_page(browser, path)
    try:
        states = boxes_in_state(page)
        roots = page.locator(".bp-answer")
        assert roots.count() == len(states) >= 5
        assert "AnswerBox(" not in page.content()
        for n in range(roots.count()):
            box = roots.nth(n)
            key = box.get_attribute("data-key")
            state = states[key]
            net = bp.parse(state["spec"])
            solution = box.locator("details.bp-answer-solution")
            solution.locator("summary").click()
            last = solution.locator(".bp-answer-step").last.locator(".bp-num").text_content()
            assert last == shown(net, bp.value(net, key)), (path, key)
            if state["ask"] == "direction":
                right = correct_choice(net, key, "direction")
                box.get_by_role("button", name=right, exact=True).click()
                assert box.locator(".bp-answer-result").text_content() == f"Right: {right}."
            else:
                exact = bp.value(net, key)
                verdict = check(box, f"{exact:#.5g}")
                assert verdict.startswith("Right"), (path, key, verdict)
        assert page.outside == [] and page.problems == [], (page.outside, page.problems)
    finally:
        page.context.close()
