// The step viewer: the per-step view of a traced slice, drawn in the browser from data sent once.
//
// data (rnnviz.figures.step_view.step_view_data, plus the page's additions):
//   steps, unit, kind, reverse, all_units, bars_stride, note, notes, svg, cards[], luts, equations[],
//   t (the step to show first), markers (element keys of the plotly charts that get a current-step marker),
//   speeds (steps per second offered for Play), speed (the default), version (changes with the data);
//   for a character model also labels (the character read at each step, shown as x_t) and step_notes (what
//   x_t selects at each step, e.g. a column of W_ih).
// Scrubbing, Back/Next, the arrow keys and Play change only this component and the markers; the step goes
// back to Python (setStateValue("t")) when playing pauses, and 0.7 s after the last change otherwise.

const SYNC_DELAY_MS = 700;
const MARKER_CLASS = "rnnviz-step-marker";

function decode(base64, Type) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Type(bytes.buffer);
}

function shown(text) {
  // the server's LaTeX-ready strings: \text{nan} -> nan, "-" -> a real minus sign
  return text.replace(/\\text\{([^}]*)\}/g, "$1").replace(/-/g, "\u2212");
}

function buildEquations(box, equations) {
  box.textContent = "";
  const lines = [];
  for (const line of equations) {
    const row = document.createElement("div");
    row.className = "equation";
    row.dataset.eq = line.name;
    const symbolic = document.createElement("div");
    symbolic.className = "symbolic";
    symbolic.innerHTML = line.symbolic; // trusted: symbols from rnnviz.core.equations, no user text
    const evaluated = document.createElement("div");
    evaluated.className = "evaluated";
    evaluated.innerHTML = line.template.replace(/\{(\d+)\}/g, '<span class="slot" data-slot="$1"></span>');
    row.append(symbolic, evaluated);
    box.append(row);
    lines.push({ slots: [...evaluated.querySelectorAll(".slot")], values: line.slots });
  }
  return lines;
}

function buildDiagram(box, data) {
  box.innerHTML = data.svg; // trusted: rnnviz.figures.cell_diagram, every text escaped by ElementTree
  const svg = box.querySelector("svg");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  const cards = data.cards.map((card) => {
    const group = svg.querySelector(`#q-${card.name}`);
    return {
      ...card,
      colours: card.colour ? decode(card.colour, Uint16Array) : null,
      levels: card.bars ? decode(card.bars, Uint8Array) : null,
      box: svg.querySelector(`#box-${card.name}`),
      value: svg.querySelector(`#val-${card.name}`),
      title: group ? group.querySelector("title") : null,
      bars: svg.querySelectorAll(`#bars-${card.name} rect`),
      fontSize: svg.querySelector(`#val-${card.name}`)?.getAttribute("font-size"),
    };
  });
  return { svg, cards, caption: svg.querySelector("#caption") };
}

function drawDiagram(diagram, data, t) {
  const { luts } = data;
  for (const card of diagram.cards) {
    const lut = luts[card.scale];
    if (data.all_units && card.levels) {
      const row = Math.floor(t / data.bars_stride) * card.size;
      card.bars.forEach((bar, k) => bar.setAttribute("fill", lut.bars[card.levels[row + k]]));
    } else if (card.colours) {
      const index = card.colours[t];
      const fill = index === 65535 ? luts.missing : lut.fill[index];
      card.box.setAttribute("fill", fill);
      const text = card.name === "x" && data.labels ? `'${data.labels[t]}'` : card.text[t];
      card.value.textContent = text;
      card.value.setAttribute("fill", index !== 65535 && lut.ink[index] === "1" ? "#FFFFFF" : "#000000");
      const size = text.length <= 7 ? card.fontSize : text.length <= 9 ? "12" : "10.5";
      if (size) card.value.setAttribute("font-size", size);
      if (card.title) card.title.textContent = card.title_template.replace("{}", text);
    }
  }
  if (diagram.caption) {
    const where = data.all_units ? "all units" : `unit ${data.unit}`;
    diagram.caption.textContent = `t = ${t}, ${where}` + (data.note ? ` · ${data.note}` : "");
  }
}

function placeMarkers(keys, t) {
  for (const key of keys) {
    for (const plot of document.querySelectorAll(`.st-key-${key} .js-plotly-plot`)) {
      const layout = plot._fullLayout;
      if (!layout || !layout.xaxis || !layout.xaxis.l2p) continue;
      let marker = plot.querySelector(`:scope > .${MARKER_CLASS}`);
      if (!marker) {
        marker = document.createElement("div");
        marker.className = MARKER_CLASS;
        marker.style.cssText =
          "position:absolute;width:0;border-left:2px dotted #000;pointer-events:none;z-index:5";
        plot.append(marker);
      }
      const x = layout.xaxis._offset + layout.xaxis.l2p(t);
      marker.style.left = `${x - 1}px`;
      marker.style.top = `${layout.yaxis._offset}px`;
      marker.style.height = `${layout.yaxis._length}px`;
      marker.dataset.t = String(t);
    }
  }
}

export default function stepViewer({ parentElement, data, setStateValue }) {
  const root = parentElement.querySelector(".viewer");
  let view = root.__view;
  if (!view) {
    view = root.__view = { t: 0, playing: false, synced: null, syncTimer: null, frame: null };
    const $ = (selector) => root.querySelector(selector);
    Object.assign(view, {
      slider: $(".t-slider"), label: $(".t-label"), play: $(".play"), speed: $(".speed"),
      back: $(".back"), next: $(".next"), diagramBox: $(".diagram"), equationBox: $(".equations"),
      notes: $(".notes"), stepNote: $(".step-note"),
    });
    view.sync = () => {
      clearTimeout(view.syncTimer);
      if (view.synced !== view.t) {
        view.synced = view.t;
        setStateValue("t", view.t);
      }
    };
    view.show = (t, sync = true) => {
      const last = view.data.steps - 1;
      view.t = Math.min(Math.max(t, 0), last);
      view.slider.value = String(view.t);
      const read = view.data.labels ? ` \u00B7 reads '${view.data.labels[view.t]}'` : "";
      view.label.textContent = `t = ${view.t} of ${last}${read}`;
      view.stepNote.textContent = view.data.step_notes ? view.data.step_notes[view.t] : "";
      drawDiagram(view.diagram, view.data, view.t);
      view.lines.forEach((line) => line.slots.forEach((slot, j) => { slot.textContent = shown(line.values[j][view.t]); }));
      placeMarkers(view.data.markers, view.t);
      root.dataset.t = String(view.t);
      if (sync && !view.playing) {
        clearTimeout(view.syncTimer);
        view.syncTimer = setTimeout(view.sync, SYNC_DELAY_MS);
      }
    };
    view.pause = () => {
      if (!view.playing) return;
      view.playing = false;
      cancelAnimationFrame(view.frame);
      view.play.textContent = "\u25B6 Play";
      root.dataset.playing = "false";
      view.sync();
    };
    view.start = () => {
      clearTimeout(view.syncTimer); // the step goes to the server when playing pauses, not while it plays
      if (view.t >= view.data.steps - 1) view.show(0, false);
      view.playing = true;
      view.play.textContent = "\u23F8 Pause";
      root.dataset.playing = "true";
      let due = performance.now();
      const tick = (now) => {
        if (!view.playing) return;
        const interval = 1000 / Number(view.speed.value);
        if (now >= due) {
          // one step per frame at most: every step is painted, none is skipped when the page is slow
          due = Math.max(due + interval, now - interval);
          if (view.t >= view.data.steps - 1) return view.pause();
          view.show(view.t + 1, false);
        }
        view.frame = requestAnimationFrame(tick);
      };
      due += 1000 / Number(view.speed.value);
      view.frame = requestAnimationFrame(tick);
    };
    view.slider.addEventListener("input", () => { view.pause(); view.show(Number(view.slider.value)); });
    view.back.addEventListener("click", () => { view.pause(); view.show(view.t - 1); });
    view.next.addEventListener("click", () => { view.pause(); view.show(view.t + 1); });
    view.play.addEventListener("click", () => (view.playing ? view.pause() : view.start()));
    root.addEventListener("keydown", (event) => {
      if (event.target === view.slider && event.key.startsWith("Arrow")) return; // the slider steps itself
      const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowDown: -1, ArrowUp: 1 };
      if (event.key in moves) view.show(view.t + moves[event.key]);
      else if (event.key === "Home") view.show(0);
      else if (event.key === "End") view.show(view.data.steps - 1);
      else if (event.key === " " && event.target.tagName !== "BUTTON") (view.playing ? view.pause() : view.start());
      else return;
      if (event.key !== " ") view.pause();
      event.preventDefault();
    });
  }
  if (!view.markerTimer) {
    view.markerTimer = setInterval(() => placeMarkers(view.data.markers, view.t), 400); // plots drawn later
  }
  if (view.version !== data.version) {
    const first = view.data === undefined || view.data.steps !== data.steps ? data.t : view.t;
    view.pause();
    view.version = data.version;
    view.data = data;
    view.slider.max = String(Math.max(data.steps - 1, 0));
    view.slider.disabled = view.back.disabled = view.next.disabled = view.play.disabled = data.steps < 2;
    view.speed.replaceChildren(...data.speeds.map((rate) => new Option(`${rate} steps/s`, String(rate))));
    view.speed.value = String(data.speed);
    view.diagram = buildDiagram(view.diagramBox, data);
    view.lines = buildEquations(view.equationBox, data.equations);
    view.notes.textContent = data.notes.join(" ");
    view.synced = data.t;
    view.show(first, first !== data.t);
  }
  return () => {
    view.pause();
    clearInterval(view.markerTimer);
    view.markerTimer = null;
  };
}
