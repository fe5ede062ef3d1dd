"""The deeper-networks chapter's playgrounds in the built book, in Chromium, with no kernel:
the depth playground and the symmetry playground are moved by the keyboard and a select, and
every number they show is compared with what backprop_lib computes for their settings.

DOM contract: a root ``.bp-depth`` / ``.bp-symmetry`` carrying ``data-state`` (the settings as
JSON); numbers ``[data-layer]`` / ``[data-name]`` with their full value in ``data-value``.
"""
import math

import pytest

from backprop_lib import depth as dp
from backprop_lib.explain import _num
from pagecheck import reading

pytestmark = pytest.mark.browser

PAGE = "chapters/deeper.html"
TOLERANCE = 1e-12

READ_JS = """root => ({
  state: JSON.parse(root.getAttribute('data-state')),
  sliders: [...root.querySelectorAll('input[type=range]')].map(s => ({
      label: s.getAttribute('aria-label'), value: s.value, disabled: s.disabled})),
  layers: [...root.querySelectorAll('[data-layer]')].map(e => [e.getAttribute('data-layer'),
      e.getAttribute('data-value'), e.textContent]),
  names: [...root.querySelectorAll('[data-name]')].map(e => [e.getAttribute('data-name'),
      e.getAttribute('data-value'), e.textContent]),
  status: (root.querySelector('[role=status]') || {}).textContent,
})"""


@pytest.fixture(scope="module")
def page():
    ready = ("() => document.querySelector('.bp-depth [data-layer]')"
             " && document.querySelector('.bp-symmetry [data-name=\"w1\"]')")
    with reading(PAGE, ready=ready, console=True) as tab:
        yield tab
        assert not tab.outside, f"requests leaving the machine: {tab.outside}"
        assert not tab.problems, tab.problems


def read(root):
    return root.evaluate(READ_JS)


def snapshot(root):
    shown = read(root)
    shown["raw"] = root.get_attribute("data-state")
    return shown


def changed(page, root, before, action, timeout=10_000):
    """Do ``action``, wait until the playground's data-state differs from ``before``'s, and
    read the playground again."""
    action()
    page.wait_for_function("([root, state]) => root.getAttribute('data-state') !== state",
                           arg=[root.element_handle(), before["raw"]], timeout=timeout)
    page.wait_for_timeout(30)
    return snapshot(root)


def press(root, label, key, times=1):
    slider = root.locator(f'input[type=range][aria-label="{label}"]')
    slider.focus()
    for _ in range(times):
        slider.press(key)


def check_depth(shown):
    state = dp.depth_state(int(shown["state"]["depth"]), shown["state"]["activation"],
                           float(shown["state"]["scale"]), int(shown["state"]["seed"]))
    want = dp.depth_playground(state)["sizes"]
    got = [(int(l), float(v), text) for l, v, text in shown["layers"]]
    assert [l for l, _, _ in got] == list(range(1, state["depth"] + 2)), f"{state}: layers shown {got}"
    for (l, v, text), w in zip(got, want):
        assert abs(v / w - 1) <= TOLERANCE, f"{state}: layer {l} shows {v}, backprop_lib computes {w}"
        mantissa = float(text.split("×")[0].strip().replace("\u2212", "-"))
        power = int(text.split("10")[-1].translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))) if "×" in text else 0
        assert math.isclose(mantissa * 10.0 ** power, w, rel_tol=6e-4), f"{state}: layer {l} reads {text!r}, want {w}"
    return state, want


def test_depth_playground_follows_every_control(page):
    root = page.locator(".bp-depth").first
    root.scroll_into_view_if_needed()
    shown = snapshot(root)
    state, sizes = check_depth(shown)
    assert state["activation"] == "sigmoid" and sizes[0] < sizes[-1] * 1e-2   # vanishing, as the text says
    moves = [("depth", "ArrowRight", 3), ("initialisation scale", "ArrowRight", 4), ("seed", "ArrowRight", 2),
             ("depth", "ArrowLeft", 5)]
    for label, key, times in moves:
        before = shown
        shown = changed(page, root, before, lambda: press(root, label, key, times))
        check_depth(shown)
    for activation in ("relu", "tanh", "sigmoid"):
        before = shown
        shown = changed(page, root, before,
                        lambda: root.locator('select[aria-label="activation"]').select_option(activation))
        assert shown["state"]["activation"] == activation
        check_depth(shown)


def check_symmetry(shown):
    s = shown["state"]
    state = dp.symmetry_state(s["start"], float(s["w1"]), float(s["w2"]), float(s["w5"]), float(s["w7"]),
                              int(s["seed"]), int(s["steps"]))
    run = dp.symmetry_run(state)
    net = run["net"]
    trace = net.forward()
    want = {f"w{k}": net[f"w{k}"] for k in range(1, 9)}
    want.update(out_h1=float(trace.out[1][0, 0]), out_h2=float(trace.out[1][0, 1]), E=trace.loss, gap=run["gaps"][-1])
    got = {name: (float(v), text) for name, v, text in shown["names"]}
    assert set(got) == set(want), f"{state}: shows {sorted(got)}"
    for name, w in want.items():
        v, text = got[name]
        assert abs(v - w) <= TOLERANCE * max(1.0, abs(w)), f"{state}: {name} shows {v}, backprop_lib computes {w}"
        assert text.strip().replace("\u2212", "-") == _num(w, 9).strip("()"), f"{state}: {name} reads {text!r}"
    return state, run


def test_symmetry_playground_keeps_identical_neurons_identical(page):
    root = page.locator(".bp-symmetry").first
    root.scroll_into_view_if_needed()
    shown = snapshot(root)
    state, run = check_symmetry(shown)
    assert state["start"] == "equal" and run["gaps"][-1] == 0.0
    assert "still identical" in shown["status"]
    enabled = {s["label"]: not s["disabled"] for s in shown["sliders"]}
    assert enabled == {"w1": True, "w2": True, "w5": True, "w7": True, "seed": False, "steps": True}
    for label, key, times in [("w1", "ArrowRight", 3), ("w5", "ArrowLeft", 2), ("steps", "ArrowRight", 5)]:
        before = shown
        shown = changed(page, root, before, lambda: press(root, label, key, times))
        state, run = check_symmetry(shown)
        assert run["gaps"][-1] == 0.0 and "still identical" in shown["status"], f"{state}: the neurons separated"
    for start in ("incoming", "random"):
        before = shown
        shown = changed(page, root, before, lambda: root.locator('select[aria-label="start"]').select_option(start))
        state, run = check_symmetry(shown)
        assert state["start"] == start and run["gaps"][-1] > 0 and "differ by" in shown["status"]
    before = shown
    shown = changed(page, root, before, lambda: press(root, "seed", "ArrowRight", 2))
    check_symmetry(shown)
