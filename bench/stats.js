'use strict';
// Percentiles and the CDF points drawn in the chart.

/**
 * @typedef {object} LatencySummary
 * @property {number} count
 * @property {number} p50
 * @property {number} p95
 * @property {number} p99
 * @property {number} max
 * @property {number} mean
 */

const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** @param {number[]} values latencies in ms @returns {LatencySummary} */
function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
    mean: round(sum / sorted.length),
  };
}

/**
 * The empirical CDF at `points` evenly spaced quantiles plus the tail (99.5, 99.9, max), so the
 * chart stays small whatever N is.
 * @returns {Array<{ ms: number, quantile: number }>}
 */
function cdfPoints(values, points = 200) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return [];
  const quantiles = new Set();
  for (let i = 0; i <= points; i++) quantiles.add(i / points);
  [0.995, 0.999, 1].forEach((q) => quantiles.add(q));
  return [...quantiles]
    .sort((a, b) => a - b)
    .map((q) => ({
      quantile: q,
      ms: Math.max(
        0.01,
        sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? sorted[0],
      ),
    }));
}

module.exports = { summarize, percentile, cdfPoints, round };
