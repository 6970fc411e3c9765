"""The Language model page in AppTest: corpus, settings and shapes, start / pause / reset with samples, the
inside view, exports, and every bad input (uploads, settings, prefixes, temperatures, divergence) ending in a
clear st.error while the page keeps working and keeps what the user had.

In AppTest each ``at.run()`` runs the page once, so a running session trains exactly one tick (~0.45 s) per run.
A 20,000-character bracket text keeps an epoch at about 16 steps.
"""

from __future__ import annotations

import html
import re

import pytest
import torch

from rnnviz.charlm.corpora import BRACKETS_NAME
from tests.app.helpers import errors, figures, markdown_tables, open_export, open_page, show_all_settings

PAGE = "app_pages/char_lm.py"


@pytest.fixture
def page():
    at = open_page(PAGE)
    at.select_slider(key="lm.bracket_length").set_value(20_000).run()
    return at


def trainer(at):
    live = at.session_state["lm.run"]
    return None if live is None else live.trainer


def running(at) -> bool:
    live = at.session_state["lm.run"]
    return live is not None and live.running


def drawn_samples(at) -> list[str]:
    return [c for c in codes(at) if c.startswith("((") or c.startswith("a[b")]


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def shapes(at) -> dict[str, str]:
    table = next(rows for rows in markdown_tables(at) if "stage" in rows[0])
    return {row["stage"]: row["shape"] for row in table}


def codes(at) -> list[str]:
    """The texts of the page's code blocks (``code_block``: escaped text in a <pre>)."""
    return [html.unescape(re.fullmatch(r"<pre[^>]*>(.*)</pre>", h.proto.body, re.S)[1]) for h in at.get("html")]


def upload(at, name: str, data: bytes):
    at.file_uploader(key="lm.upload").set_value((name, data, "text/plain"))
    return at.run()


def test_defaults_show_the_text_its_bound_and_every_shape(page):
    at = page
    assert at.title[0].value == "Language model" and not errors(at) and not at.exception
    assert metric(at, "Characters") == "20,000" and metric(at, "Vocabulary (distinct characters)") == "9"
    assert metric(at, "Best possible perplexity") == "6.418"
    table = shapes(at)
    assert table["one-hot inputs"] == "(35, 32, 9)" and table["outputs of nn.LSTM"] == "(35, 32, 256)"
    assert table["logits"] == "(1120, 9)" and table["h_n"] == table["c_n"] == "(1, 32, 256)"
    assert at.button(key="lm.start").label == "Start" and trainer(at).steps_done == 0
    assert "no training yet" in figures(at)[0]["layout"]["annotations"][-1]["text"]
    assert len(figures(at)) == 1  # the perplexity curve: the inside view waits for a trained model, or a click


def inside_title(title: str) -> bool:
    """Whether a figure's title is one of the inside view's: the grid, the coloured text, the units' bars, lines."""
    return any(words in title for words in ("most correlated with", "The text coloured by", "the units that follow"))


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_the_inside_view_waits_for_a_trained_model_or_a_click(page):
    at = page
    assert not badges(at) and "lm.inside" not in at.session_state  # no trace made
    at.button(key="lm.inside_untrained.button").click().run()
    assert any("matches torch.nn.LSTM forward" in b and ":green-badge" in b for b in badges(at))
    assert "The model after 0 steps (0 epochs)" in " ".join(c.value for c in at.caption)
    assert sum(inside_title(f["layout"]["title"]["text"]) for f in figures(at)) == 4  # the four inside views
    assert not errors(at) and not at.exception
    assert not [b for b in at.button if b.key == "lm.inside_untrained.button"]  # the view stays for this session


def test_the_inside_view_shows_itself_once_the_model_has_trained(page):
    at = page
    trainer(at).step(1)
    at.run()
    assert not [b for b in at.button if b.key == "lm.inside_untrained.button"]
    assert any(c.value.startswith("The model after 1 step (0 epochs)") for c in at.caption)
    assert any("matches torch.nn.LSTM forward" in b for b in badges(at))
    assert sum(inside_title(f["layout"]["title"]["text"]) for f in figures(at)) == 4


def test_start_trains_live_samples_appear_and_pause_stops(page):
    at = page.button(key="lm.start").click().run()
    assert running(at) and at.button(key="lm.pause").label == "Pause"
    for _ in range(20):  # one tick (~0.45 s) per run, drawn before it trains: samples show after epoch 1
        at.run()
        if drawn_samples(at):
            break
    t = trainer(at)
    assert t.epochs_done >= 1 and not errors(at)
    curve = figures(at)[0]
    assert [trace["name"] for trace in curve["data"]][:2] == ["one step (exp of its loss)", "training (per epoch)"]
    assert "entropy bound exp(H) = 6.418" in curve["layout"]["annotations"][0]["text"]
    samples = drawn_samples(at)
    assert len(samples) == 2 and all(len(s) > 80 for s in samples)  # prefix + 80 characters each
    at.button(key="lm.pause").click().run()  # Pause
    done = t.steps_done
    at.run()
    assert not running(at) and t.steps_done == done and at.button(key="lm.pause").label == "Resume"
    assert metric(at, "Characters / s") != "0"
    at.button(key="lm.sample_now").click().run()
    assert len(trainer(at).samples.samples) > len(samples)
    labels = [b.label for b in open_export(at, "lm").get("download_button")]
    assert {"Samples (.txt)", "Perplexity per epoch (.csv)", "Checkpoint (.pt)", "Reproduce in PyTorch (.py)"} <= set(
        labels
    )


def test_controls_change_the_model_and_a_trained_run_is_kept(page):
    at = show_all_settings(page)  # the window sampling is folded under "All settings"
    at.selectbox(key="lm.cell").set_value("GRU")
    at.radio(key="lm.input").set_value("embedding")
    at.radio(key="lm.sampling").set_value("random")
    at.run()
    table = shapes(at)
    assert table["embedded inputs"] == "(35, 32, 64)" and "c_n" not in table and "outputs of nn.GRU" in table
    t = trainer(at)
    assert (t.settings.cell, t.settings.input, t.settings.sampling) == ("GRU", "embedding", "random")
    t.step(3)
    at.number_input(key="lm.hidden_size").set_value(64).run()
    assert trainer(at) is t and any("this run keeps its own" in i.value for i in at.info)  # nothing lost
    at.button(key="lm.reset").click().run()
    assert trainer(at) is not t and trainer(at).settings.hidden_size == 64 and trainer(at).steps_done == 0


def test_bad_settings_name_the_widget_and_the_page_keeps_working(page):
    at = page
    show_all_settings(at)
    at.text_input(key="lm.lr").set_value("fast").run()
    assert any("Learning rate must be a number above 0.0 up to 100.0, got 'fast'" in e for e in errors(at))
    assert "Change it in the sidebar" in errors(at)[0]
    assert trainer(at) is not None and at.title[0].value == "Language model"
    at.text_input(key="lm.lr").set_value("0.005")
    at.number_input(key="lm.batch_size").set_value(64)
    at.number_input(key="lm.num_steps").set_value(400).run()
    assert any("too few for one batch of 64 × 400" in e and "lower the batch size" in e for e in errors(at))
    at.number_input(key="lm.hidden_size").set_value(1024)
    at.number_input(key="lm.batch_size").set_value(512).run()
    assert any("MB of activations" in e and "lower num_steps" in e for e in errors(at))
    assert trainer(at) is None and at.title[0].value == "Language model"  # untrained: nothing to keep


def test_bad_uploads_are_refused_and_the_last_good_text_stays(page):
    at = page
    at.radio(key="lm.corpus_kind").set_value("upload").run()
    assert any("Upload a text file" in i.value for i in at.info)
    bad = {
        "empty.txt": (b"", "is empty"),
        "photo.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "looks binary"),
        "latin1.txt": ("Noël à la café ".encode("latin-1") * 20, "is not UTF-8 text"),
        "aaaa.txt": (b"a" * 300, "single distinct character"),
        "huge.txt": (b"ab " * (3 * 2**20), "upload at most 8 MB"),
    }
    for name, (data, message) in bad.items():
        upload(at, name, data)
        assert any(message in e for e in errors(at)), (name, errors(at))
        assert not at.exception
    good = ("to be, or not to be: that is the question. " * 60).encode()
    upload(at, "hamlet.txt", good)
    assert not errors(at) and metric(at, "Characters") == f"{len(good):,}"
    upload(at, "photo.txt", b"\x00\x01" * 400)
    assert any("looks binary" in e for e in errors(at))
    assert any("Still using the last good text" in i.value for i in at.info)
    assert metric(at, "Characters") == f"{len(good):,}" and trainer(at).vocabulary.size == len(set(good.decode()))


def test_chinese_text_needs_an_embedding_and_then_trains(page):
    at = page
    at.radio(key="lm.corpus_kind").set_value("upload").run()
    text = "".join(chr(0x4E00 + (i * 7919) % 3000) + ("。\n" if i % 30 == 29 else "") for i in range(12_000))
    upload(at, "诗.txt", text.encode("utf-8"))
    assert metric(at, "Vocabulary (distinct characters)") == "3,002"
    assert any("Choose the embedding input" in e for e in errors(at))
    at.radio(key="lm.input").set_value("embedding").run()
    assert not errors(at) and trainer(at).vocabulary.size == 3002
    assert shapes(at)["logits"] == "(1120, 3002)"


def test_bad_prefixes_and_temperatures_are_explained(page):
    at = page
    at.text_area(key=f"lm.prefixes.{BRACKETS_NAME}").set_value("((\nxyz(").run()
    assert any("has characters the model does not know" in e and "'x'" in e for e in errors(at))
    assert trainer(at).samples.spec.prefixes == ("((",)  # the good prefix is still used
    at.radio(key="lm.sample_mode").set_value("temperature").run()
    at.number_input(key="lm.temperature").set_value(0.0).run()
    assert any("0 would divide the logits by zero" in e and "greedy" in e for e in errors(at))
    assert trainer(at).samples.spec.temperature == 1.0  # the last valid choice stays
    at.number_input(key="lm.temperature").set_value(1000.0).run()
    assert any("temperature must be from 0.05 to 10" in e for e in errors(at))
    at.number_input(key="lm.temperature").set_value(0.8).run()
    assert all("prefix 'xyz('" in e for e in errors(at)) and trainer(at).samples.spec.temperature == 0.8


def test_divergence_is_reported_and_the_run_is_kept(page):
    at = page.button(key="lm.start").click().run()
    t = trainer(at)
    done = t.steps_done
    with torch.no_grad():
        t.model.head.bias.fill_(float("nan"))  # the next step's loss is NaN
    at.run().run()
    assert t.diverged and t.steps_done == done
    assert any("Training diverged" in e and "Lower the learning rate" in e for e in errors(at))
    assert at.button(key="lm.pause").disabled and not running(at)
    assert trainer(at) is t and len(figures(at)) >= 1  # the curve and the run are still there


def test_inside_view_quantities_features_and_bad_texts(page):
    at = page
    trainer(at).step(20)
    at.run()
    at.selectbox(key="lm.inside_quantity").set_value("f")
    at.selectbox(key="lm.inside_feature").set_value("position in line").run()
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert any(t.startswith("forget gate f, layer 0") and "position in line" in t for t in titles)
    assert any(t.startswith("The text coloured by forget gate f of unit") for t in titles)
    grid = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("forget gate"))
    assert grid["data"][0]["zmin"] == 0 and len(grid["data"][0]["y"]) == 24
    at.number_input(key="lm.inside_unit").set_value(5).run()
    assert any("unit 5," in t for t in [f["layout"]["title"]["text"] for f in figures(at)])
    at.text_area(key=f"lm.inside_text.{BRACKETS_NAME}").set_value("(ab)Q").run()
    assert any("The model's vocabulary has no 'Q'" in e for e in errors(at))
    assert at.header[-1].value == "4. Inside the model" or any(h.value == "4. Inside the model" for h in at.header)


def sample_heading(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Samples after epoch"))


def test_sample_now_shows_its_draw_under_its_own_heading(page):
    at = page
    t = trainer(at)
    while t.epochs_done < 1:
        t.step(4)
    at.run()
    assert sample_heading(at).startswith("**Samples after epoch 1, greedy**") and len(drawn_samples(at)) == 2
    greedy = drawn_samples(at)
    at.radio(key="lm.sample_mode").set_value("temperature").run()
    at.button(key="lm.sample_now").click().run()
    assert sample_heading(at).startswith("**Samples after epoch 1, temperature 1**")
    drawn = drawn_samples(at)
    assert len(drawn) == 2 and set(drawn).isdisjoint(greedy)  # only the new draw under its heading
    history = next(df.value for df in at.dataframe if "text" in df.value.columns)
    assert list(history["mode"]) == ["temperature 1", "temperature 1", "greedy", "greedy"]  # newest first
    assert list(history["draw"]) == [2, 2, 1, 1] and set(history["epoch"]) == {1}


def test_greedy_says_why_it_repeats_and_suggests_a_temperature(page):
    at = page
    notes = [c.value for c in at.caption if c.value.startswith("Greedy always takes the most likely")]
    assert len(notes) == 1 and "temperature 1" in notes[0]
    at.radio(key="lm.sample_mode").set_value("temperature").run()
    assert not any(c.value.startswith("Greedy always") for c in at.caption)


def test_a_prefix_of_unknown_characters_gives_one_error_and_the_last_prefixes_stay(page):
    at = page
    used = trainer(at).samples.spec.prefixes
    at.text_area(key=f"lm.prefixes.{BRACKETS_NAME}").set_value("ZZ蛇").run()
    assert len(errors(at)) == 1, errors(at)
    assert "The prefix 'ZZ蛇' has characters the model does not know: 'Z', '蛇'" in errors(at)[0]
    assert any("the last valid prefixes are used" in i.value for i in at.info)
    assert trainer(at).samples.spec.prefixes == used and not at.exception
    at.text_area(key=f"lm.prefixes.{BRACKETS_NAME}").set_value("").run()  # none at all: that is the problem
    assert any("give 1 to 5 prefixes" in e for e in errors(at))
