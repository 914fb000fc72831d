'use strict';
// One progress line a second on stderr (stdout is kept for the report).

const { setInterval, clearInterval } = require('node:timers');

/**
 * @param {string} label
 * @param {() => { sent: number, finished: number, total: number }} read
 * @returns {() => void} stop (prints a last line)
 */
function startProgress(label, read) {
  const started = Date.now();
  let lastFinished = 0;
  let lastAt = started;
  const print = () => {
    const { sent, finished, total } = read();
    const now = Date.now();
    const rate = ((finished - lastFinished) * 1000) / Math.max(1, now - lastAt);
    lastFinished = finished;
    lastAt = now;
    const seconds = ((now - started) / 1000).toFixed(0).padStart(3);
    // An open-ended run (total Infinity) prints no total.
    const of = Number.isFinite(total) ? `/${total}` : '';
    process.stderr.write(
      `  [${label}] ${seconds}s  sent ${sent}${of}  finished ${finished}${of}` +
        `  (${Math.round(rate)}/s)\n`,
    );
  };
  const timer = setInterval(print, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    print();
  };
}

/** A phase heading on stderr. */
function announce(text) {
  process.stderr.write(`\n▶ ${text}\n`);
}

module.exports = { startProgress, announce };
