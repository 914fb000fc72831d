'use strict';
// The latency CDF of every run as a PNG: a Vega-Lite spec, rendered to SVG headless by Vega and
// rasterised by resvg (prebuilt binary from npm, no browser, no canvas).

const { writeFileSync } = require('node:fs');
const { cdfPoints } = require('./stats');

/**
 * @param {string} file PNG to write
 * @param {Array<{ run: string, load: string, latencies: number[] }>} series one line each; one
 *   panel per `load` (peak and fixed rate differ by orders of magnitude)
 * @param {string} title
 */
async function writeLatencyChart(file, series, title) {
  // vega and vega-lite are ESM only.
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const { Resvg } = require('@resvg/resvg-js');

  const values = series.flatMap(({ run, load, latencies }) =>
    cdfPoints(latencies).map((point) => ({
      run,
      load,
      ms: point.ms,
      percentile: point.quantile * 100,
    })),
  );
  const spec = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'share of executions finished within x ms (CDF)' },
    background: 'white',
    data: { values },
    facet: {
      column: {
        field: 'load',
        type: 'nominal',
        title: null,
        sort: [...new Set(series.map((entry) => entry.load))],
      },
    },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 460,
      height: 360,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: {
        x: {
          field: 'ms',
          type: 'quantitative',
          scale: { type: 'log', nice: false },
          title: 'latency, accepted → succeeded (ms, log scale)',
        },
        y: {
          field: 'percentile',
          type: 'quantitative',
          scale: { domain: [0, 100] },
          title: 'percentile',
        },
        color: {
          field: 'run',
          type: 'nominal',
          title: 'run',
          sort: null,
          legend: { orient: 'bottom', labelLimit: 400, columns: 3 },
        },
      },
    },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  writeFileSync(file, png);
}

module.exports = { writeLatencyChart };
