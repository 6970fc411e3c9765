// A plotly figure drawn in this page by plotly.js (rnnviz.ui.common.chart).
//
// data: figure (the figure's JSON, with rnnviz's template), config (plotly.js config), height (px), title.
// plotly.js is rnnviz's own bundle (scatter, bar, heatmap: every trace rnnviz draws), loaded once per
// page from this component's files and shared with the PNG/SVG export. A chart is drawn when it comes near the
// viewport, so a first load draws only what a person sees; a chart already drawn is updated in place
// (Plotly.react) when the server sends a new figure. The theme's text colour and font come from the page.

import { loadPlotly } from "./plotly_bundle.js";

const NEAR_VIEWPORT = "300px 0px"; // start drawing a chart this far before it scrolls into view

function rgba(colour, alpha) {
  // any CSS colour as rgba() with the given opacity (a canvas normalises it to #rrggbb)
  const context = document.createElement("canvas").getContext("2d");
  context.fillStyle = colour;
  const hex = context.fillStyle.startsWith("#") ? context.fillStyle : "#31333f";
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

const LIGHT_TEXT = "#31333f"; // Streamlit's text colour on a light background
const LIGHT_BACKGROUND = "#ffffff";

function transparent(colour) {
  return !colour || colour === "transparent" || /^rgba\(.*,\s*0\)$/.test(colour.replace(/\s/g, ""));
}

function themed(layout, element) {
  // The page theme's colours and font where neither the figure nor its template sets them: text faded as
  // Streamlit's charts draw it, titles in the text colour, hover labels on the page's background. A figure on
  // its own (light) background keeps the light theme's text in a dark theme too: light text on white is unread.
  const style = getComputedStyle(element);
  const own = !transparent(layout.paper_bgcolor);
  const text = own ? LIGHT_TEXT : style.getPropertyValue("--st-text-color").trim() || style.color;
  const background = own ? LIGHT_BACKGROUND : style.getPropertyValue("--st-background-color").trim() || "white";
  const family = style.getPropertyValue("--st-font").trim() || style.fontFamily;
  const template = structuredClone(layout.template || {});
  const base = (template.layout = template.layout || {});
  base.font = { color: rgba(text, 0.6), family, ...base.font };
  base.title = { ...base.title, font: { color: text, ...(base.title || {}).font } };
  base.hoverlabel = { bgcolor: background, ...base.hoverlabel };
  return { ...layout, template };
}

async function draw(chart) {
  const state = chart.__chart;
  const shown = state.next;
  if (state.drawing || shown === state.drawn || shown === state.failed) return;
  state.drawing = true;
  const message = chart.parentElement.querySelector(".rnnviz-chart-error");
  try {
    const Plotly = await loadPlotly();
    const figure = JSON.parse(shown.figure);
    await Plotly.react(chart, figure.data || [], themed(figure.layout || {}, chart), shown.config);
    state.drawn = shown;
    if (state.next === shown) chart.dataset.drawn = "true";
    message.hidden = true;
  } catch (error) {
    state.failed = shown; // tried again when the chart next comes into view, or with the next figure
    message.textContent = `This chart could not be drawn: ${error.message}`;
    message.hidden = false;
  } finally {
    state.drawing = false;
  }
  if (state.visible && state.next !== state.drawn && state.next !== state.failed) draw(chart); // a newer one came
}

const observers = new Map(); // scrolling element -> the IntersectionObserver of the charts inside it

const NEAR_PX = parseInt(NEAR_VIEWPORT, 10);

function whenIdle(task, timeoutMs) {
  // the browser's next idle moment (at the latest after timeoutMs, if given); at once where there are none
  if (window.requestIdleCallback) window.requestIdleCallback(task, timeoutMs ? { timeout: timeoutMs } : undefined);
  else setTimeout(task, 0);
}

function inView(entry) {
  // the chart's box against the window itself (the observer's root bounds include the margin around it)
  const box = entry.boundingClientRect;
  const root = entry.rootBounds;
  return !root || (box.bottom > root.top + NEAR_PX && box.top < root.bottom - NEAR_PX);
}

function nearby(entries) {
  for (const entry of entries) {
    const chart = entry.target;
    const state = chart.__chart;
    state.visible = entry.isIntersecting;
    if (!state.visible) continue;
    state.failed = null;
    // a chart in the window is drawn at once; one just outside it when the browser is next idle, so that a
    // first load draws what is in the window first
    if (inView(entry)) draw(chart);
    else whenIdle(() => state.visible && draw(chart), 1000);
  }
}

function observerFor(chart) {
  // The page scrolls inside Streamlit's main area, not the document: a margin around the window would be cut by
  // that element's edges, so the observer watches the chart against the element that scrolls it.
  let root = chart.parentElement;
  while (root && !/(auto|scroll)/.test(getComputedStyle(root).overflowY)) root = root.parentElement;
  if (!observers.has(root)) observers.set(root, new IntersectionObserver(nearby, { root, rootMargin: NEAR_VIEWPORT }));
  return observers.get(root);
}

const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    // a chart being removed or hidden (a rerun that drops it) has no size: there is nothing to fit
    const chart = entry.target;
    const shown = chart.isConnected && entry.contentRect.width > 0;
    if (shown && chart.__chart.drawn && window.Plotly) window.Plotly.Plots.resize(chart).catch(() => {});
  }
});

export default function ({ parentElement, data }) {
  const chart = parentElement.querySelector(".rnnviz-chart");
  chart.style.height = `${data.height}px`; // the chart's room is kept before it is drawn: nothing below moves
  chart.setAttribute("aria-label", data.title); // what a screen reader says, and how tests find a chart
  chart.__chart ??= { next: null, drawn: null, failed: null, drawing: false, visible: false };
  const state = chart.__chart;
  const config = JSON.stringify(data.config);
  if (!state.next || state.next.figure !== data.figure || state.next.configText !== config) {
    state.next = { figure: data.figure, config: data.config, configText: config };
    chart.dataset.drawn = "false"; // until this figure is drawn (tests and benchmarks wait for "true")
    if (state.visible) draw(chart);
  }
  // A page whose charts are all further down has plotly.js ready when the reader scrolls to one: it is loaded
  // when the browser is next idle after a chart has mounted, not ahead of the page's own drawing.
  if (!window.Plotly) whenIdle(() => loadPlotly().catch(() => {}));
  const observer = observerFor(chart);
  observer.observe(chart); // no-op when already observed
  resizer.observe(chart);
  return () => {
    observer.unobserve(chart);
    resizer.unobserve(chart);
  };
}
