"""Copy the front-end files the book serves itself into assets/vendor/.

MathJax 3, require.js and the Jupyter widgets HTML manager come from node_modules (installed
by ``npm ci`` from package-lock.json); the widget front ends from the installed Python
packages.  Nothing is fetched when a reader opens a page.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "assets" / "vendor"


def copy(src, dst, ignore=None):
    if not src.exists():
        sys.exit(f"vendor_assets: missing {src.relative_to(ROOT)}; run 'npm ci' first")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, ignore=ignore)
    else:
        shutil.copy2(src, dst)


def main():
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    copy(NODE / "mathjax" / "es5", VENDOR / "mathjax", ignore=shutil.ignore_patterns("sre", "*-full*"))
    copy(NODE / "requirejs" / "require.js", VENDOR / "require.js")
    copy(NODE / "@jupyter-widgets" / "html-manager" / "dist", VENDOR / "html-manager",
         ignore=shutil.ignore_patterns("*.map", "embed.js", "embed.js.LICENSE.txt"))
    import anywidget
    copy(Path(anywidget.__file__).parent / "nbextension" / "index.js", VENDOR / "anywidget.js")
    print(f"vendored front-end files into {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
