"""The Shapes & layouts page: every section, every control, and every impossible combination (zero sizes,
projections on a GRU, bad packing lengths) ends in a clear message, never an exception."""

from __future__ import annotations

import pytest

from tests.app.helpers import errors, figures, markdown_tables, open_page

PAGE = "app_pages/shapes.py"
SECTIONS = ["Tensors", "Parameters", "Equivalences", "Packing", "Mistakes lab", "Export"]


@pytest.fixture
def shapes():
    return open_page(PAGE)


def show(at, section: str):
    at.session_state["shapes.section"] = section
    return at.run()


def badges(at) -> list[str]:
    """Badge markdown with streamlit's escaping of square brackets undone."""
    return [m.value.replace("\\[", "[").replace("\\]", "]") for m in at.markdown if "-badge[" in m.value]


def table_rows(at, index: int = 0) -> dict[str, dict]:
    """A markdown table of the page as {first column's cell: {column: cell}}, every cell as shown."""
    rows = markdown_tables(at)[index]
    return {next(iter(row.values())): row for row in rows}


def healthy(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not errors(at), errors(at)
    assert all(":green-badge" in b for b in badges(at)), badges(at)


def test_defaults_show_the_checked_tensor_table_and_picture(shapes):
    healthy(shapes)
    assert [t.value for t in shapes.title] == ["Shapes & layouts"]
    assert any("checked against torch.nn.LSTM: every shape agrees" in b for b in badges(shapes))
    rows = table_rows(shapes)
    assert {n: r["shape"] for n, r in rows.items()} == {
        "input": "(5, 3, 1)",
        "h0": "(1, 3, 16)",
        "c0": "(1, 3, 16)",
        "output": "(5, 3, 16)",
        "h_n": "(1, 3, 16)",
        "c_n": "(1, 3, 16)",
    }
    assert rows["input"]["axes"] == "seq, batch, feature"
    (blocks,) = figures(shapes)
    assert len(blocks["data"]) == 2 * 6 + 1  # faces + cells per tensor, one highlighted slice
    assert blocks["data"][-1]["name"] == "forward: output[4, :, :16] == h_n[0]"
    assert any("output[4, :, :16] == h_n[0]: max |Δ| = 0.0e+00" in b for b in badges(shapes))


def test_batch_first_swaps_input_and_output_axes_only(shapes):
    before = table_rows(shapes)
    shapes.toggle(key="batch_first").set_value(True).run()
    healthy(shapes)
    after = table_rows(shapes)
    assert (after["input"]["shape"], after["output"]["shape"]) == ("(3, 5, 1)", "(3, 5, 16)")
    assert after["input"]["axes"] == "batch, seq, feature"
    for name in ("h0", "c0", "h_n", "c_n"):
        assert after[name]["shape"] == before[name]["shape"] == "(1, 3, 16)"
    assert figures(shapes)[0]["data"][-1]["name"] == "forward: output[:, 4, :16] == h_n[0]"


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders(shapes, section):
    show(shapes, section)
    healthy(shapes)
    expected_figures = {"Tensors": 1, "Parameters": 2, "Packing": 2}.get(section, 0)
    assert len(figures(shapes)) == expected_figures


@pytest.mark.parametrize(
    ("widget", "key", "value"),
    [
        ("selectbox", "cell", "GRU"),
        ("selectbox", "cell", "RNN (tanh)"),
        ("selectbox", "cell", "RNN (relu)"),
        ("number_input", "input_size", 4),
        ("slider", "hidden_size", 8),
        ("slider", "num_layers", 3),
        ("toggle", "bidirectional", True),
        ("toggle", "batch_first", True),
        ("number_input", "proj_size", 4),
        ("toggle", "bias", False),
        ("number_input", "shapes.batch", 7),
        ("number_input", "shapes.seq_len", 9),
        ("toggle", "shapes.unbatched", True),
    ],
)
@pytest.mark.parametrize("section", SECTIONS)
def test_every_control_in_every_section(shapes, widget, key, value, section):
    show(shapes, section)
    getattr(shapes, widget)(key=key).set_value(value).run()
    if key == "shapes.unbatched" and section == "Packing":
        assert errors(shapes) == [
            "Cannot pack this batch: pack_padded_sequence needs a batch axis: turn off 'unbatched input'."
        ]
        return
    healthy(shapes)


def test_table_follows_every_model_control(shapes):
    for widget, key, value in [
        ("selectbox", "cell", "GRU"),
        ("number_input", "input_size", 4),
        ("slider", "num_layers", 2),
        ("toggle", "bidirectional", True),
        ("number_input", "shapes.batch", 7),
        ("number_input", "shapes.seq_len", 9),
    ]:
        getattr(shapes, widget)(key=key).set_value(value).run()
    healthy(shapes)
    rows = table_rows(shapes)
    assert list(rows) == ["input", "h0", "output", "h_n"]  # a GRU has no c
    assert (rows["input"]["shape"], rows["output"]["shape"], rows["h_n"]["shape"]) == (
        "(9, 7, 4)",
        "(9, 7, 32)",
        "(4, 7, 16)",
    )
    shapes.toggle(key="shapes.unbatched").set_value(True).run()
    assert table_rows(shapes)["input"]["shape"] == "(9, 4)"
    show(shapes, "Parameters")
    healthy(shapes)
    params = table_rows(shapes)
    assert params["weight_ih_l0"]["shape"] == "(48, 4)" and params["weight_ih_l1"]["shape"] == "(48, 32)"
    layer_inputs = table_rows(shapes, 1)
    assert [r["input size"] for r in layer_inputs.values()] == ["4", "32"]
    shapes.selectbox(key="shapes.layer").set_value(1).run()
    shapes.selectbox(key="shapes.direction").set_value(1).run()
    healthy(shapes)
    titles = [f["layout"]["title"]["text"] for f in figures(shapes)]
    assert titles[0].startswith("weight_ih_l1_reverse (48, 32): W_ir | W_iz | W_in stacked")


def test_projection_and_bias_in_the_parameters(shapes):
    shapes.number_input(key="proj_size").set_value(4).run()
    shapes.toggle(key="bias").set_value(False).run()
    show(shapes, "Parameters")
    healthy(shapes)
    assert list(table_rows(shapes)) == ["weight_ih_l0", "weight_hh_l0", "weight_hr_l0"]
    assert [f["layout"]["title"]["text"].split(" ")[0] for f in figures(shapes)] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "weight_hr_l0",
    ]
    assert any("total parameters 384; sum(p.numel()" in b for b in badges(shapes))


def test_equivalences_section(shapes):
    shapes.selectbox(key="cell").set_value("GRU").run()
    show(shapes, "Equivalences")
    healthy(shapes)
    assert any("same weights, max |Δ|" in b for b in badges(shapes))
    stages = table_rows(shapes)
    assert stages["token ids"]["dtype"] == "torch.int64" and stages["embedded"]["shape"] == "(5, 3, 1)"


def test_packing_controls(shapes):
    show(shapes, "Packing")
    shapes.text_input(key="shapes.lengths").set_value("2, 5, 3").run()
    healthy(shapes)
    assert any("h_n holds each sequence's last real step" in b for b in badges(shapes))
    assert [r["length"] for r in table_rows(shapes).values()] == ["2", "5", "3"]
    shapes.toggle(key="shapes.enforce_sorted").set_value(True).run()
    assert not shapes.exception
    (message,) = errors(shapes)
    assert "PyTorch refused to pack" in message and "must be sorted in decreasing order" in message
    shapes.text_input(key="shapes.lengths").set_value("5 3 2").run()
    healthy(shapes)


@pytest.mark.parametrize(
    "key",
    ["batch_first_data", "h0_shape", "h_n_batch_first", "view_not_transpose", "bidirectional_last", "embedding_long"],
)
def test_every_mistake(shapes, key):
    show(shapes, "Mistakes lab")
    shapes.selectbox(key="shapes.mistake").set_value(key).run()
    healthy(shapes)
    texts = [m.value for m in shapes.markdown]
    raised = key in ("h0_shape", "h_n_batch_first", "embedding_long")
    assert any(("PyTorch raises" if raised else "silently wrong") in t for t in texts), texts
    assert len(shapes.code) >= (3 if raised else 2)  # the mistake, torch's error, the fix
    if not raised:  # both results where they start to differ, side by side: never two identical previews
        mistake, fix = (table.value for table in shapes.table[-2:])
        assert mistake.shape == fix.shape and (mistake.index == fix.index).all()
        assert (mistake.to_numpy() != fix.to_numpy()).any()
        assert any(c.value.startswith("Highlighted: the values that differ") for c in shapes.caption)


def test_export_section_offers_files_and_the_snippet(shapes):
    show(shapes, "Export")
    healthy(shapes)
    snippet = shapes.code[-1].value
    assert "module = torch.nn.LSTM(1, 16)" in snippet and "x = torch.zeros(5, 3, 1)" in snippet
    labels = [b.proto.label for b in shapes.get("download_button")]
    assert labels == ["CSV", "Markdown", "Python"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([("number_input", "proj_size", 16)], "proj_size has to be smaller than hidden_size"),
        ([("number_input", "proj_size", 20)], "proj_size has to be smaller than hidden_size"),
        ([("selectbox", "cell", "GRU"), ("number_input", "proj_size", 4)], "proj_size is only supported by LSTM"),
        ([("number_input", "shapes.batch", 0)], "Set both to 1 or more"),
        ([("number_input", "shapes.seq_len", 0)], "PyTorch needs a sequence length of at least 1"),
    ],
)
def test_impossible_models_and_sizes_are_explained(shapes, changes, message):
    for widget, key, value in changes:
        getattr(shapes, widget)(key=key).set_value(value).run()
    assert not shapes.exception
    assert any(message in e for e in errors(shapes)), errors(shapes)
    assert not figures(shapes) and not markdown_tables(shapes)
    getattr(shapes, changes[-1][0])(key=changes[-1][1]).set_value(
        {"proj_size": 0, "shapes.batch": 3, "shapes.seq_len": 5}[changes[-1][1]]
    ).run()
    healthy(shapes)  # fixing the setting brings the page back
    assert figures(shapes)


@pytest.mark.parametrize(
    ("batch", "lengths", "message"),
    [
        (3, "7, 2, 1", "lengths cannot exceed the padded sequence length 5"),
        (3, "5, 0, 2", "PyTorch requires every length to be at least 1"),
        (3, "5, 2", "the batch has 3 sequences, got 2 lengths"),
        (3, "5, two, 1", "lengths must be whole numbers"),
        (1, "", "a batch of one has nothing to pack"),
        (1, "4", "a batch of one has nothing to pack"),
    ],
)
def test_impossible_packing_is_explained(shapes, batch, lengths, message):
    shapes.number_input(key="shapes.batch").set_value(batch).run()
    show(shapes, "Packing")
    shapes.text_input(key="shapes.lengths").set_value(lengths).run()
    assert not shapes.exception
    assert any(message in e for e in errors(shapes)), errors(shapes)
    assert not figures(shapes)
