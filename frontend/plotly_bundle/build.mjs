// Builds rnnviz/ui/common/browser/plotly-scatter-bar-heatmap.min.js: plotly.js (the version package.json pins)
// with only the trace types rnnviz draws (index.js), bundled and minified as plotly.js builds its own partial
// bundles (esbuild, an IIFE that sets window.Plotly, ES2016). Registering each trace type is much of what a page
// pays when it loads plotly.js: with 3 trace types instead of the cartesian bundle's 12 and its calendars,
// loading it and drawing a first chart took 0.48-0.51 s in chromium here, against 0.85-0.94 s (medians of 12).
//
// Run: `make plotly-bundle` (needs node and npm; the built file is committed, so neither is needed to run or test).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8'));
const banner = `/**
* plotly.js v${version} (scatter, bar, heatmap - minified), built by rnnviz's frontend/plotly_bundle
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*/`;

await build({
  entryPoints: ['index.js'],
  outfile: '../../rnnviz/ui/common/browser/plotly-scatter-bar-heatmap.min.js',
  bundle: true,
  format: 'iife',
  globalName: 'Plotly',
  minify: true,
  target: 'es2016',
  banner: { js: banner },
  legalComments: 'eof',
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  loader: { '.css': 'empty' }, // maplibre's stylesheet, for map subplots, which rnnviz does not draw
  logLevel: 'info',
});
