'use strict';
// The two ways of offering load, shared by the Attune webhook sender and the baseline publisher
// so both see exactly the same shape.

const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');

/**
 * Closed loop: `concurrency` senders, each starting the next item when its last one was
 * accepted, until `count` items went out. Rejects on the first failure.
 * @param {{ count: number, concurrency: number, send: (i: number) => Promise<void>,
 *           onSent?: () => void }} options
 */
async function closedLoop({ count, concurrency, send, onSent }) {
  let next = 0;
  const sender = async () => {
    while (next < count) {
      const i = next++;
      await send(i);
      onSent?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, sender));
}

/**
 * Open loop at a fixed rate: item i is started at start + i / rate, whether or not earlier
 * ones were accepted yet (so a slow server cannot lower the offered load). `maxInFlight` only
 * guards against unbounded memory; when reached, the run fails rather than quietly slowing.
 * @param {{ count: number, rate: number, send: (i: number) => Promise<void>,
 *           onSent?: () => void, maxInFlight?: number }} options
 * @returns {Promise<{ behindMs: number }>} how late the sender fell behind its schedule at most
 */
async function fixedRate({ count, rate, send, onSent, maxInFlight = 5000 }) {
  const started = performance.now();
  let inFlight = 0;
  let behindMs = 0;
  /** @type {unknown} */
  let failure;
  /** @type {Promise<void>[]} */
  const pending = [];
  for (let i = 0; i < count; i++) {
    if (failure) break;
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    behindMs = Math.max(behindMs, performance.now() - due);
    if (inFlight >= maxInFlight) {
      throw new Error(
        `fixed-rate sender: ${maxInFlight} requests in flight, the server fell behind`,
      );
    }
    inFlight++;
    pending.push(
      send(i).then(
        () => {
          inFlight--;
          onSent?.();
        },
        (error) => {
          failure ??= error;
        },
      ),
    );
  }
  await Promise.all(pending);
  if (failure) throw failure;
  return { behindMs: Math.round(behindMs * 10) / 10 };
}

module.exports = { closedLoop, fixedRate };
