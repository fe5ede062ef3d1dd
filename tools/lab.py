"""JupyterLab on the book's chapters, working with no network: ``make lab``.

Options after ``tools/lab.py`` go to JupyterLab (``make lab LAB_ARGS="--port 8890"``).
JupyterLab phones out in a few places by default; here none of them does:

- the server fetches no news feed (``LabApp.news_url`` None), checks for no update
  (``NeverCheckForUpdate``) and its extension manager is read-only (no PyPI queries);
- the front end, through a generated ``labconfig`` folder put on ``JUPYTER_CONFIG_PATH``, never
  asks to fetch news nor checks for updates (``default_setting_overrides.json``) and runs
  without the announcements plugin (``page_config.json``).

The kernel is this environment's Python (the project's .venv when run by ``make lab``), where
``backprop_lib`` is importable.  ``tests/lab/`` starts JupyterLab through this file and records
every request the page and the server make.
"""
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER_OPTIONS = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
]

SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}

PAGE_CONFIG = {
    "disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True},
}


def write_offline_config(folder: Path) -> Path:
    """Write the front end's offline settings into ``folder``/labconfig and return ``folder``."""
    labconfig = folder / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "default_setting_overrides.json").write_text(json.dumps(SETTING_OVERRIDES, indent=2))
    (labconfig / "page_config.json").write_text(json.dumps(PAGE_CONFIG, indent=2))
    return folder


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    config = write_offline_config(Path(tempfile.mkdtemp(prefix="backprop-lab-config-")))
    try:
        extra = os.environ.get("JUPYTER_CONFIG_PATH")
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(config)] + ([extra] if extra else []))
        from jupyterlab.labapp import LabApp

        root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []   # CI runs as root
        LabApp.launch_instance(argv=[f"--ServerApp.root_dir={ROOT}", "--LabApp.default_url=/lab/tree/chapters",
                                     *SERVER_OPTIONS, *root, *argv])
    finally:
        shutil.rmtree(config, ignore_errors=True)


if __name__ == "__main__":
    main()
