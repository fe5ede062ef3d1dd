"""The widgets' front end as one ES module string.

anywidget loads a widget's ``_esm`` from a blob URL, where relative imports cannot resolve,
so the engine (``js/engine.js``) and a view (``js/widget.js``, the playground, or
``js/answer.js``, the answer box) are joined here into one module: the engine's code goes
inside a function whose result is the namespace object ``E`` (what ``import * as E from
"./engine.js"`` gives the view on disk), so its private names cannot clash with the view's.
The files stay ES modules on disk, so Node imports the engine for the tests.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

JS = Path(__file__).parent / "js"
_IMPORT = re.compile(r'^import \* as E from "\./engine\.js";\s*$', re.M)
_EXPORT = re.compile(r"^export (?=(?:async )?(?:function|const|let|class)\s)", re.M)
_EXPORTED = re.compile(r"^export (?:async )?(?:function|const|let|class)\s+(\w+)", re.M)


@lru_cache(maxsize=None)
def esm(view="widget.js"):
    engine = (JS / "engine.js").read_text(encoding="utf-8")
    views = (JS / view).read_text(encoding="utf-8")
    if len(_IMPORT.findall(views)) != 1:
        raise RuntimeError(f'{view}: expected one line  import * as E from "./engine.js";')
    names = _EXPORTED.findall(engine)
    body = _EXPORT.sub("", engine)
    if re.search(r"^\s*(export|import)\b", body, re.M):
        raise RuntimeError("engine.js: only `export function/const/let/class` declarations can be joined")
    namespace = ("const E = (() => {\n" + body + "\nreturn Object.freeze({" + ", ".join(names) + "});\n})();\n")
    return _compact(_IMPORT.sub(lambda _: namespace, views))


def _compact(code):
    """Drop whole-line comments, indentation and blank lines: every saved widget carries
    the module in the notebook and the page, so it is kept small.  (No template literal or
    string in the sources spans lines, so lines can be trimmed safely.)"""
    lines = []
    for line in code.splitlines():
        text = line.strip()
        if text and not text.startswith("//"):
            lines.append(text)
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=None)
def css():
    return (JS / "widget.css").read_text(encoding="utf-8")
