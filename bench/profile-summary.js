'use strict';
// Top self-time functions of a V8 .cpuprofile (as written by `node --cpu-prof`), optionally only
// over a time window, plus self time per package. Also a CLI:
//   node bench/profile-summary.js <file.cpuprofile> [top]

const { readFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** Where a function lives, short: dist/roles/x.js:12, node_modules/pg/lib/client.js:40, node:… */
function location(callFrame) {
  const { url, lineNumber } = callFrame;
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  return `${file}:${lineNumber + 1}`;
}

/** The package a frame belongs to: an npm package, Attune's own code, Node itself, or V8. */
function packageOf(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (core)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/')) return 'attune (dist)';
  return url;
}

/**
 * @param {string} file
 * @param {{ top?: number, fromUs?: number, toUs?: number }} [options] window on the profile's
 *   clock (CLOCK_MONOTONIC microseconds, as process.hrtime); ignored when it misses the profile
 */
function summarizeProfile(file, { top = 15, fromUs, toUs } = {}) {
  /** @type {{ nodes: any[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }} */
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const useWindow =
    fromUs !== undefined &&
    toUs !== undefined &&
    fromUs < profile.endTime &&
    toUs > profile.startTime;

  // Sample i lasts until sample i + 1.
  /** @type {Map<number, number>} node id → self µs */
  const selfUs = new Map();
  let time = profile.startTime;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    const duration = (profile.timeDeltas[i + 1] ?? 0) > 0 ? profile.timeDeltas[i + 1] : 0;
    if (useWindow && (time < fromUs || time > toUs)) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + duration);
    windowUs += duration;
  }

  // Native and node-core time (socket writes, timers, ...) charged to the package that called it.
  /** @type {Map<number, number>} child id → parent id */
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** @type {Map<number, string>} */
  const ownerCache = new Map();
  const ownerOf = (id) => {
    if (ownerCache.has(id)) return /** @type {string} */ (ownerCache.get(id));
    const pkg = packageOf(byId.get(id).callFrame);
    const parent = parentOf.get(id);
    const owner =
      (pkg === 'node (core)' || pkg === '(native)') && parent !== undefined && parentOf.has(parent)
        ? ownerOf(parent)
        : pkg;
    ownerCache.set(id, owner);
    return owner;
  };

  /** @type {Map<string, { fn: string, where: string, us: number }>} */
  const functions = new Map();
  /** @type {Map<string, number>} */
  const packages = new Map();
  /** @type {Map<string, number>} */
  const owners = new Map();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') idleUs += us;
    const fn = callFrame.functionName || '(anonymous)';
    const where = location(callFrame);
    const key = `${fn} ${where}`;
    const entry = functions.get(key) ?? { fn, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const pkg = packageOf(callFrame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const owner = ownerOf(id);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const busyUs = windowUs - idleUs;
  const pct = (us) => Math.round((us / Math.max(1, busyUs)) * 1000) / 10;
  const ms = (us) => Math.round(us / 100) / 10;
  const notIdle = ([key]) => !key.startsWith('(idle)');
  return {
    file,
    window: useWindow ? 'measured run only' : 'whole process life',
    window_ms: ms(windowUs),
    busy_ms: ms(busyUs),
    busy_percent: Math.round((busyUs / Math.max(1, windowUs)) * 1000) / 10,
    top: [...functions]
      .filter(notIdle)
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([, entry]) => ({
        self_ms: ms(entry.us),
        percent: pct(entry.us),
        function: entry.fn,
        where: entry.where,
      })),
    by_package: [...packages]
      .filter(notIdle)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, us]) => ({ self_ms: ms(us), percent: pct(us), package: name })),
    by_calling_package: [...owners]
      .filter(notIdle)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, us]) => ({ self_ms: ms(us), percent: pct(us), package: name })),
  };
}

/** Plain-text rendering of a summary (percentages are of busy, non-idle time). */
function formatProfileSummary(summary) {
  const lines = [
    `CPU profile ${path.relative(process.cwd(), summary.file)}`,
    `  ${summary.window}: ${summary.window_ms} ms, busy ${summary.busy_ms} ms (${summary.busy_percent}% of one core)`,
    `  top ${summary.top.length} functions by self time (% of busy time):`,
    ...summary.top.map(
      (row) =>
        `  ${String(row.self_ms).padStart(9)} ms ${String(row.percent).padStart(5)}%  ${row.function}  ${row.where}`,
    ),
    '  self time by package:',
    ...summary.by_package.map(
      (row) =>
        `  ${String(row.self_ms).padStart(9)} ms ${String(row.percent).padStart(5)}%  ${row.package}`,
    ),
    '  self time by package, node-core and native time charged to the package that called it:',
    ...summary.by_calling_package.map(
      (row) =>
        `  ${String(row.self_ms).padStart(9)} ms ${String(row.percent).padStart(5)}%  ${row.package}`,
    ),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(
    `${formatProfileSummary(summarizeProfile(file, { top: Number(top) || 15 }))}\n`,
  );
}

module.exports = { summarizeProfile, formatProfileSummary };
