"""Execute the book's notebooks in place, storing outputs and widget state.

    python tools/execute_notebooks.py [NOTEBOOK_OR_FOLDER ...]

The stored outputs are what the HTML book shows and what nbval compares a fresh run with;
the stored widget state is what lets the widgets render in the static HTML.  A cell that
raises stops the run with the notebook's name and the error (nothing is written then).
"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def execute(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as e:
        sys.exit(f"{path}: a cell failed, nothing written\n{e}")
    nbformat.write(nb, path)
    print(f"executed {path}")


def main(args):
    targets = [Path(a) for a in args] or [Path("chapters")]
    paths = []
    for t in targets:
        paths += sorted(t.rglob("*.ipynb")) if t.is_dir() else [t]
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    if not paths:
        sys.exit("execute_notebooks: no notebooks found")
    for p in paths:
        execute(p)


if __name__ == "__main__":
    main(sys.argv[1:])
