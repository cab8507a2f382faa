"""Every notebook in notebooks/ runs top to bottom on a real kernel (nbclient), is saved without
outputs, opens in Colab from a badge that names it, and installs tfckpt only when run in Colab."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
COLAB_URL = "https://colab.research.google.com/github/tfckpt/tfckpt/blob/main/notebooks/{name}"
COLAB_GUARD = "'google.colab' in sys.modules"

parametrize_notebooks = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])


def read_notebook(path: Path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def install_calls(tree: ast.AST) -> list:
    """``!pip install ...`` and ``%pip install ...`` as IPython rewrites them, and any other call
    with a "pip install" string (``subprocess.run("pip install ...")``)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        strings = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        magic = getattr(node.func, "attr", None) == "run_line_magic" and len(strings) > 1 \
            and strings[0] == "pip" and strings[1].lstrip().startswith("install")
        if magic or any("pip install" in text for text in strings):
            found.append(node)
    return found


def guarded_nodes(tree: ast.AST) -> set:
    """Every node inside the body of an ``if "google.colab" in sys.modules:``."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == COLAB_GUARD:
            for statement in node.body:
                inside.update(ast.walk(statement))
    return inside


def ipython_ast(source: str) -> ast.Module:
    """The cell as the kernel runs it: IPython turns ``!cmd`` and ``%magic`` into calls first."""
    inputtransformer2 = pytest.importorskip("IPython.core.inputtransformer2")
    return ast.parse(inputtransformer2.TransformerManager().transform_cell(source))


@parametrize_notebooks
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))  # a source tree
    notebook = read_notebook(path)
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert not errors


@parametrize_notebooks
def test_notebook_is_saved_without_outputs(path):
    dirty = [index for index, cell in enumerate(read_notebook(path).cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or an execution count; clear them before committing"


@parametrize_notebooks
def test_notebook_opens_in_colab_from_a_badge(path):
    first = read_notebook(path).cells[0]
    url = COLAB_URL.format(name=path.name)
    assert first.cell_type == "markdown"
    assert f"[![Open In Colab]({COLAB_BADGE})]({url})" in first.source


@parametrize_notebooks
def test_notebook_installs_only_in_colab(path):
    cells = code_cells(read_notebook(path))
    first = ipython_ast(cells[0].source)
    installs = install_calls(first)
    assert installs, f"{path.name}: the first code cell installs nothing"
    assert set(installs) <= guarded_nodes(first), \
        f'{path.name}: the first code cell installs outside `if "google.colab" in sys.modules:`'
    later = [index for index, cell in enumerate(cells[1:], 2) if install_calls(ipython_ast(cell.source))]
    assert not later, f"{path.name}: code cells {later} install packages; only the first (Colab) cell may"
