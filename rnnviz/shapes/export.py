"""A shape table as files: CSV, Markdown, and a plain-torch script that builds the module and prints the shapes.

The script prints one line per tensor and parameter, ``name (d0, d1, ...)``, then ``total N`` — the same
names, shapes and total as ``ShapeTable.as_rows()`` / ``ShapeTable.total_parameters``.
"""

from __future__ import annotations

import pandas as pd

from rnnviz.core.spec import torch_constructor
from rnnviz.shapes.table import ShapeTable

TABLE_COLUMNS = ("kind", "name", "shape", "symbolic", "axes", "numel", "role", "layer", "direction", "blocks", "note")


def shape_table_frame(table: ShapeTable) -> pd.DataFrame:
    """One row per tensor, then per parameter (columns TABLE_COLUMNS)."""
    return pd.DataFrame(table.as_rows(), columns=list(TABLE_COLUMNS))


def shape_table_csv(table: ShapeTable) -> bytes:
    return shape_table_frame(table).to_csv(index=False).encode("utf-8")


def _markdown_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def shape_table_markdown(table: ShapeTable) -> str:
    """A GitHub-flavoured Markdown table titled with the module's constructor."""
    frame = shape_table_frame(table)
    lines = [
        f"Shapes of `{torch_constructor(table.spec)}` for batch {table.batch}, seq_len {table.seq_len}"
        + (" (unbatched input)" if table.unbatched else ""),
        "",
        "| " + " | ".join(frame.columns) + " |",
        "|" + "---|" * len(frame.columns),
    ]
    lines += ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    lines += ["", f"Total parameters: {table.total_parameters}", ""]
    return "\n".join(lines)


def shapes_snippet(table: ShapeTable, seed: int = 0) -> str:
    """A standalone script (torch only) that builds the module, runs it once and prints every shape."""
    spec = table.spec
    dtype = "" if spec.dtype == "float32" else f", dtype=torch.{spec.dtype}"
    tensors = {t.name: t for t in table.tensors}
    lstm = "c0" in tensors

    def zeros(name: str) -> str:
        shape = ", ".join(map(str, tensors[name].shape))
        return f"{name} = torch.zeros({shape}{dtype})  # ({', '.join(tensors[name].axes)})"

    state = "(h0, c0)" if lstm else "h0"
    results = "output, (h_n, c_n)" if lstm else "output, h_n"
    x_line = zeros("input").replace("input = ", "x = ", 1)
    names = ["input", "h0", *(["c0"] if lstm else []), "output", "h_n", *(["c_n"] if lstm else [])]
    values = ", ".join(f'("{n}", {"x" if n == "input" else n})' for n in names)
    return f'''"""Builds {torch_constructor(spec)} and prints the shapes rnnviz's Shapes page shows."""
import torch

torch.manual_seed({seed})
module = {torch_constructor(spec)}
{x_line}
{zeros("h0")}
{zeros("c0") + chr(10) if lstm else ""}with torch.no_grad():
    {results} = module(x, {state})
for name, tensor in [{values}]:
    print(name, tuple(tensor.shape))
for name, parameter in module.named_parameters():
    print(name, tuple(parameter.shape))
print("total", sum(p.numel() for p in module.parameters()))
'''
