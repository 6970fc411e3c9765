// PNG and SVG of a plotly figure, made in this browser with plotly.js (rnnviz.ui.common.image_export).
//
// A click asks the server for the figure (the trigger "export": {format, id}); the server answers with the
// figure's JSON in `data.figure` and the same request; plotly.js, the one the page's charts use (loaded once per
// page), renders it with Plotly.toImage and the file is downloaded. Nothing is rendered on the server.

import { loadPlotly } from "./plotly_bundle.js";

const done = new Set(); // request ids already downloaded (the module lives as long as the page)
const waiting = new WeakMap(); // component root -> timer of a request the server has not answered yet
const ANSWER_TIMEOUT_MS = 60_000;
async function download(request, figureJson, name) {
  const Plotly = await loadPlotly();
  const figure = JSON.parse(figureJson);
  const layout = figure.layout || {};
  const url = await Plotly.toImage(
    { data: figure.data || [], layout },
    {
      format: request.format,
      width: layout.width || 900,
      height: layout.height || 500,
      scale: request.format === "png" ? 2 : 1,
    },
  );
  const blob = await (await fetch(url)).blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${name}.${request.format}`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

export default function ({ parentElement, data, setTriggerValue }) {
  const buttons = [...parentElement.querySelectorAll("button[data-format]")];
  const status = parentElement.querySelector(".status");
  const listening = new AbortController();
  const enable = () =>
    buttons.forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  const finish = (message) => {
    clearTimeout(waiting.get(parentElement));
    waiting.delete(parentElement);
    enable();
    status.textContent = message;
    status.hidden = !message;
  };
  for (const button of buttons) {
    button.addEventListener(
      "click",
      () => {
        buttons.forEach((other) => (other.disabled = true));
        button.setAttribute("aria-busy", "true");
        status.hidden = true;
        loadPlotly().catch(() => {}); // starts loading while the server sends the figure
        const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
        setTriggerValue("export", { format: button.dataset.format, id });
        const timer = setTimeout(() => finish("No answer from the server: try again."), ANSWER_TIMEOUT_MS);
        waiting.set(parentElement, timer);
      },
      { signal: listening.signal },
    );
  }
  if (!waiting.has(parentElement)) enable(); // the HTML's buttons are disabled until they are listened to
  const request = data && data.request;
  if (request && data.figure && !done.has(request.id)) {
    done.add(request.id);
    download(request, data.figure, data.name).then(
      () => finish(""),
      (error) => finish(`The ${request.format.toUpperCase()} could not be made in your browser: ${error.message}`),
    );
  }
  return () => listening.abort();
}
