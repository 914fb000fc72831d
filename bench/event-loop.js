'use strict';
// Event-loop delay of each Attune process over the measured run, from its own /metrics
// (prom-client's default metrics: a monitorEventLoopDelay histogram, reset at every scrape).

const { HttpClient } = require('./http-client');

const METRIC = /^attune_nodejs_eventloop_lag_(p50|p99|max)_seconds (\S+)$/;
/** The histogram holds the time between 10 ms samples: the delay is what exceeds that. */
const SAMPLE_INTERVAL_MS = 10;

/** @param {{ name: string, port: number }} child */
async function scrape(child) {
  const http = new HttpClient(`http://127.0.0.1:${child.port}`, 1);
  try {
    const { body } = await http.request('GET', '/metrics');
    /** @type {Record<string, number>} */
    const lag = {};
    for (const line of String(body).split('\n')) {
      const match = METRIC.exec(line);
      if (!match) continue;
      const delayMs = Math.max(0, Number(match[2]) * 1000 - SAMPLE_INTERVAL_MS);
      lag[`${match[1]}_ms`] = Math.round(delayMs * 10) / 10;
    }
    return lag;
  } finally {
    http.close();
  }
}

/**
 * Call at the start of the window (the scrape resets the histograms); `end()` reads them.
 * @param {Array<{ name: string, port: number }>} children
 */
async function startEventLoopWindow(children) {
  await Promise.all(children.map(scrape));
  return {
    end: async () =>
      Object.fromEntries(
        await Promise.all(children.map(async (child) => [child.name, await scrape(child)])),
      ),
  };
}

module.exports = { startEventLoopWindow };
