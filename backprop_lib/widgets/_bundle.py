"""The widgets' front end as one ES module string.

anywidget loads a widget's ``_esm`` from a blob URL, where relative imports cannot resolve,
so a view (``js/widget.js``, the playground; ``js/answer.js``, the answer box; …) and the
modules it imports are joined here into one module.  A module is imported as a namespace,

    import * as E from "./engine.js";

and may itself import others the same way.  Each module's code goes inside a function whose
result is its namespace object (what the import gives on disk), so private names cannot
clash; modules come before the modules that import them, each once.  The files stay ES
modules on disk, so Node imports them for the tests.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

JS = Path(__file__).parent / "js"
_IMPORT = re.compile(r'^import \* as (\w+) from "\./([\w.-]+\.js)";\s*$', re.M)
_EXPORT = re.compile(r"^export (?=(?:async )?(?:function|const|let|class)\s)", re.M)
_EXPORTED = re.compile(r"^export (?:async )?(?:function|const|let|class)\s+(\w+)", re.M)


def _modules(view):
    """The modules ``view`` imports, directly or not, each after the ones it imports: a list
    of (file name, alias).  Every importer must give a module the same alias."""
    order, alias_of, visiting = [], {}, set()

    def visit(name):
        visiting.add(name)
        for alias, dep in _IMPORT.findall((JS / name).read_text(encoding="utf-8")):
            if alias_of.setdefault(dep, alias) != alias:
                raise RuntimeError(f"{name}: imports {dep} as {alias}; elsewhere it is {alias_of[dep]}")
            if dep in visiting:
                raise RuntimeError(f"{name}: circular import of {dep}")
            if dep not in order:
                visit(dep)
                order.append(dep)
        visiting.discard(name)

    visit(view)
    return [(name, alias_of[name]) for name in order]


def _namespace(name, alias):
    code = (JS / name).read_text(encoding="utf-8")
    names = _EXPORTED.findall(code)
    body = _IMPORT.sub("", _EXPORT.sub("", code))
    if re.search(r"^\s*(export|import)\b", body, re.M):
        raise RuntimeError(f"{name}: only `export function/const/let/class` declarations and "
                           "`import * as X from \"./file.js\"` can be joined")
    return f"const {alias} = (() => {{\n{body}\nreturn Object.freeze({{{', '.join(names)}}});\n}})();\n"


@lru_cache(maxsize=None)
def esm(view="widget.js"):
    view_code = (JS / view).read_text(encoding="utf-8")
    modules = _modules(view)
    joined = "".join(_namespace(name, alias) for name, alias in modules)
    return _compact(joined + _IMPORT.sub("", view_code))


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
