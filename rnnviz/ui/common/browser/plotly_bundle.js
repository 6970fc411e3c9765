// plotly.js for rnnviz's charts and PNG/SVG exports: a bundle of scatter, bar and heatmap (every trace rnnviz
// draws), built by `make plotly-bundle` (frontend/plotly_bundle/) next to this file, loaded once per page.

const BUNDLE = new URL("plotly-scatter-bar-heatmap.min.js", import.meta.url).href;

export function loadPlotly() {
  // one promise per page, kept on window: each component loads its own copy of this module
  if (!window.__rnnvizPlotly) {
    window.__rnnvizPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = BUNDLE;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__rnnvizPlotly = null; // the next chart or export tries again
        reject(new Error("plotly.js could not be loaded from the app's server: reload the page"));
      };
      document.head.appendChild(script);
    });
  }
  return window.__rnnvizPlotly;
}
