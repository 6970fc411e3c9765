// plotly.js with the trace types rnnviz draws: its core (scatter, and the components every plot uses: axes,
// legend, colour bar, annotations, shapes, hover, modebar, image export) and bar and heatmap.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap')]);

module.exports = Plotly;
