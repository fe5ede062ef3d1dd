"""The chapters live in JupyterLab, as a reader runs them with ``make lab``: every chapter
notebook of ``_toc.yml`` is opened, its outputs cleared and all its cells run on the .venv's
kernel; then a playground slider and a plain ipywidgets slider (one whose Python callback
updates a readout) are moved, and both outputs must recompute.  Nothing may leave the
machine: not the page's requests, not the server's connections.

Two notebooks run at a time (the machines have two cores); the chapters on disk are never
written (autosave is off for this run and nothing is saved).
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from pagecheck import Recorder, SliderStuck, move_slider, new_context, toc_pages, wrong_numbers

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [p for p in (str(Path(page).with_suffix(".ipynb")) for page in toc_pages())
             if (ROOT / p).is_file()]
AT_ONCE = 2
RUN_TIMEOUT = 180          # seconds for one notebook's cells

OPEN_AND_RUN_JS = """async (path) => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  await app.commands.execute('notebook:clear-all-cell-outputs');
  app.commands.execute('notebook:run-all-cells');
  // Run it behind a launcher: a hidden notebook is not laid out or painted while its cells
  // run, which halves the browser's work; it is brought to the front to be checked.
  await app.commands.execute('launcher:create');
  return panel.id;
}"""

PROGRESS_JS = """(id) => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.id === id);
  const cells = panel.content.model.cells;
  let pending = 0, code = 0;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
    code += 1;
    if (cell.executionCount === null) pending += 1;
    for (let j = 0; j < cell.outputs.length; j++) {
      const model = cell.outputs.get(j);
      if (model.type !== 'error') continue;          // only errors are serialised (outputs are big)
      const out = model.toJSON();
      errors.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}`);
    }
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {pending, code, errors, status: kernel ? kernel.status : 'no kernel'};
}"""

CLOSE_JS = """async (id) => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.id === id);
  await panel.sessionContext.shutdown();
  panel.context.model.dirty = false;
  panel.dispose();
}"""

# The first ipywidgets slider outside a playground, marked; and the text around it.
MARK_SLIDER_JS = """(id) => {
  const panel = document.getElementById(id);
  const slider = [...panel.querySelectorAll('.jp-OutputArea-output .widget-slider')]
    .find(s => !s.closest('.bp-playground'));
  if (!slider) return false;
  slider.setAttribute('data-live-check', 'plain-slider');
  return true;
}"""

READOUT_JS = """() => {
  const slider = document.querySelector('[data-live-check="plain-slider"]');
  const area = slider.closest('.jp-OutputArea-output') || slider.parentElement;
  const copy = area.cloneNode(true);
  copy.querySelectorAll('.widget-slider').forEach(s => s.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
}"""


def check_playground(page, panel):
    """Move the first slider of the notebook's first playground, with the arrow keys and, if
    they fail, as a drag would; the numbers must change and equal backprop_lib's for the new
    values.  Returns (problems, keyboard problems, whether a playground was found)."""
    roots = panel.locator(".bp-playground")
    if roots.count() == 0:
        return [], [], False
    root = roots.first
    root.scroll_into_view_if_needed()
    page.wait_for_function("root => root.getAttribute('data-spec')", arg=root.element_handle(), timeout=20_000)
    keys = []
    try:
        before, after = move_slider(page, root, 0, keyboard=True, timeout=3_000)
    except SliderStuck as stuck:
        keys.append(f"playground: {stuck}")
        try:
            before, after = move_slider(page, root, 0, keyboard=False)
        except SliderStuck as still:
            return [f"playground: {still}"], keys, True
    label = before["sliders"][0]["label"]
    problems = []
    if not any(a != b for (_, a), (_, b) in zip(before["shown"], after["shown"])):
        problems.append(f"playground: moving {label} changed no number")
    problems += [f"playground after moving {label}: {w}" for w in wrong_numbers(after["spec"], after["shown"])]
    return problems, keys, True


def check_plain_slider(page, panel_id):
    """Move the first plain ipywidgets slider three steps and back: its Python callback must
    change the readout, then restore it.  Returns the problems found."""
    if not page.evaluate(MARK_SLIDER_JS, panel_id):
        return [], False
    handle = page.locator('[data-live-check="plain-slider"] .noUi-handle').first
    handle.scroll_into_view_if_needed()
    original = page.evaluate(READOUT_JS)
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    try:
        page.wait_for_function(f"() => ({READOUT_JS})() !== {original!r}", timeout=15_000)
    except Exception:
        return [f"plain slider: the readout did not change ({original!r})"], True
    for _ in range(3):
        handle.press("ArrowLeft")
    try:
        page.wait_for_function(f"() => ({READOUT_JS})() === {original!r}", timeout=15_000)
    except Exception:
        return [f"plain slider: moved back, the readout is {page.evaluate(READOUT_JS)!r}, "
                f"not {original!r}"], True
    return [], True


@pytest.fixture(scope="module")
def live(lab, chromium):
    """Every chapter notebook run live; what went wrong, per notebook, and what was checked."""
    context = new_context(chromium)
    record = Recorder()
    page = context.new_page()
    record.attach(context, page)
    results = {}
    try:
        page.goto(lab.base + "lab", wait_until="load", timeout=60_000)
        page.wait_for_function("() => window.jupyterapp", timeout=60_000)
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        queue = list(NOTEBOOKS)
        running = {}
        while queue or running:
            while queue and len(running) < AT_ONCE:
                path = queue.pop(0)
                running[path] = (page.evaluate(OPEN_AND_RUN_JS, path), time.monotonic())
            time.sleep(0.5)
            for path, (panel_id, started) in list(running.items()):
                state = page.evaluate(PROGRESS_JS, panel_id)
                finished = (state["pending"] == 0 and state["status"] == "idle") or state["errors"]
                late = time.monotonic() - started > RUN_TIMEOUT
                if not (finished or late):
                    continue
                del running[path]
                problems = list(state["errors"])
                if late and not finished:
                    problems.append(f"{state['pending']} of {state['code']} cells not run after {RUN_TIMEOUT} s")
                result = {"problems": problems, "keyboard": [], "playground": False, "plain slider": False}
                if not problems:
                    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", panel_id)
                    panel = page.locator(f'[id="{panel_id}"]')
                    try:
                        found, keys, result["playground"] = check_playground(page, panel)
                        problems += found
                        result["keyboard"] += keys
                        found, result["plain slider"] = check_plain_slider(page, panel_id)
                        problems += found
                    except Exception as e:          # one notebook's trouble must not hide the others'
                        problems.append(f"checking its widgets failed: {type(e).__name__}: {e}")
                result["seconds"] = round(time.monotonic() - started, 1)
                results[path] = result
                page.evaluate(CLOSE_JS, panel_id)
        yield results, record, lab
    finally:
        context.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_chapter_runs_live(live, notebook):
    results, _, _ = live
    result = results[notebook]
    if result["problems"]:
        pytest.fail(f"{notebook} in JupyterLab:\n  " + "\n  ".join(result["problems"]), pytrace=False)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_playground_sliders_answer_the_keyboard_live(live, notebook):
    """A keyboard reader moves a focused playground slider with the arrow keys in JupyterLab
    too (the notebook's own arrow-key shortcuts must not take them)."""
    results, _, _ = live
    keys = results[notebook]["keyboard"]
    if keys:
        pytest.fail(f"{notebook} in JupyterLab:\n  " + "\n  ".join(keys), pytrace=False)


def test_sliders_were_exercised(live, record_property):
    """The book has live sliders of both kinds; the checks above must have moved them."""
    results, _, _ = live
    record_property("live timing", f"{AT_ONCE} at a time, seconds from opening to checked: "
                    + ", ".join(f"{Path(p).stem} {r['seconds']}" for p, r in results.items()))
    assert any(r["playground"] for r in results.values()), f"no playground was moved: {results}"
    assert results.get("chapters/neuron.ipynb", {}).get("plain slider"), (
        "the w slider of chapters/neuron.ipynb was not moved")


def test_the_kernel_is_the_projects_python(lab):
    spec = lab.get("api/kernelspecs")
    python3 = spec["kernelspecs"][spec["default"]]["spec"]
    # "python" is replaced by the server's own interpreter, the .venv's (tools/lab.py runs there)
    assert python3["argv"][0] in ("python", "python3"), python3


def test_nothing_leaves_the_machine_live(live):
    _, record, lab = live
    assert record.requests, "no request recorded"
    assert not record.external, f"the JupyterLab page asked other machines for: {record.external}"
    assert not lab.outbound(), f"the JupyterLab server tried to reach: {lab.outbound()}"
    assert lab.get("lab/api/news") == {"news": []}


def test_the_server_guard_sees_outbound_connections(tmp_path, outbound_guard):
    """The audit hook the server runs under notices an attempt to reach another machine
    (so an empty log above means none was made), and lets local ones pass unlogged."""
    import subprocess
    import sys

    script = tmp_path / "phone.py"
    script.write_text("import socket\n"
                      "for host in ('127.0.0.1', 'localhost', 'jupyterlab.github.io'):\n"
                      "    try:\n"
                      "        socket.getaddrinfo(host, 443)\n"
                      "    except OSError:\n"
                      "        pass\n")
    log = tmp_path / "outbound.log"
    subprocess.run([sys.executable, "-c", outbound_guard, str(script)], check=True, timeout=60,
                   env={"BACKPROP_OUTBOUND_LOG": str(log), "PATH": "/usr/bin:/bin"})
    assert log.read_text().splitlines() == ["socket.getaddrinfo jupyterlab.github.io"]
