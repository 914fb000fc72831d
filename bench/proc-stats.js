'use strict';
// Memory and CPU of processes, read from /proc (Linux): peak RSS of every bench child, and the
// CPU that PostgreSQL, RabbitMQ, each child and the harness burn during a measured window.

const { execFileSync } = require('node:child_process');
const { readFileSync, readdirSync } = require('node:fs');
const { setInterval, clearInterval, setTimeout } = require('node:timers');

function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // gone
  }
}

/** VmHWM (the kernel's own peak RSS) and VmRSS, in kB. */
function memoryKb(pid) {
  const status = readProc(pid, 'status');
  if (!status) return undefined;
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { hwm: field('VmHWM'), rss: field('VmRSS') };
}

/** Peak RSS per tracked process: VmHWM, polled so a value survives the process's exit. */
class PeakRss {
  constructor(intervalMs = 500) {
    /** @type {Map<string, { pid: number, peakKb: number }>} */
    this.peaks = new Map();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  track(label, pid) {
    this.peaks.set(label, { pid, peakKb: 0 });
    this.sample();
  }

  /** Call right before stopping a process: its last reading is its peak. */
  sample() {
    for (const entry of this.peaks.values()) {
      const memory = memoryKb(entry.pid);
      if (memory) entry.peakKb = Math.max(entry.peakKb, memory.hwm, memory.rss);
    }
  }

  /** @returns {Record<string, number>} peak RSS in MiB per label */
  result() {
    this.sample();
    return Object.fromEntries(
      [...this.peaks].map(([label, { peakKb }]) => [label, Math.round(peakKb / 102.4) / 10]),
    );
  }

  close() {
    clearInterval(this.timer);
  }
}

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime in clock ticks, and the command name. */
function processCpu(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
}

/** Which service a process belongs to; backends of other databases and rabbitmqctl are not ours. */
function serviceOf(pid, comm, databases) {
  if (comm === 'postgres') {
    const title = readProc(pid, 'cmdline') ?? '';
    const clientBackend = /\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]/.test(title);
    if (!clientBackend || databases.some((name) => title.includes(` ${name} `))) {
      return 'postgresql';
    }
    return undefined;
  }
  if (comm === 'beam.smp' && (readProc(pid, 'cmdline') ?? '').includes('rabbit\0boot')) {
    return 'rabbitmq';
  }
  return undefined;
}

/** CPU ticks of the PostgreSQL and RabbitMQ processes that serve us (backends come and go). */
function serviceTicks(databases) {
  /** @type {Map<number, { service: string, ticks: number }>} */
  const byPid = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cpu = processCpu(pid);
    const service = cpu && serviceOf(pid, cpu.comm, databases);
    if (service) byPid.set(pid, { service, ticks: cpu.ticks });
  }
  return byPid;
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + (values[4] ?? 0); // idle + iowait
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/**
 * Starts measuring CPU now; `end()` returns each consumer's share in percent of ONE core over
 * the window (200 = both cores of this machine busy), what else ran on the machine meanwhile
 * ("other": other databases' backends, other people's tests), and the machine's busy share.
 * @param {Record<string, number>} children label → pid of the bench's own children
 * @param {string[]} databases the bench databases whose PostgreSQL backends count
 */
function startCpuWindow(children, databases) {
  const startedAt = process.hrtime.bigint();
  const services = serviceTicks(databases);
  const own = Object.fromEntries(
    Object.entries(children).map(([label, pid]) => [label, processCpu(pid)?.ticks ?? 0]),
  );
  const harness = process.cpuUsage();
  const machine = machineTicks();
  return {
    end() {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const hz = ticksPerSecond();
      const percent = (ticks) => Math.round((ticks / hz / seconds) * 1000) / 10;
      /** @type {Record<string, number>} */
      const result = {};
      let attributed = 0;
      for (const [label, before] of Object.entries(own)) {
        const now = processCpu(children[label]);
        if (!now) continue;
        result[label] = percent(now.ticks - before);
        attributed += now.ticks - before;
      }
      const totals = { postgresql: 0, rabbitmq: 0 };
      for (const [pid, now] of serviceTicks(databases)) {
        // A process born inside the window spent all its ticks inside it.
        totals[now.service] += now.ticks - (services.get(pid)?.ticks ?? 0);
      }
      result.postgresql = percent(totals.postgresql);
      result.rabbitmq = percent(totals.rabbitmq);
      const usage = process.cpuUsage(harness);
      const harnessTicks = ((usage.user + usage.system) / 1e6) * hz;
      result['bench harness'] = percent(harnessTicks);
      attributed += totals.postgresql + totals.rabbitmq + harnessTicks;
      const after = machineTicks();
      const busy = after.busy - machine.busy;
      result.other = Math.max(0, percent(busy - attributed));
      const machineBusy = Math.round((busy / (after.total - machine.total)) * 1000) / 10;
      return { seconds: Math.round(seconds * 100) / 100, percentOfOneCore: result, machineBusy };
    },
  };
}

/** Share of the machine busy over the next `ms` (to warn when something else is running). */
async function machineBusyPercent(ms = 1000) {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  return Math.round(((after.busy - before.busy) / (after.total - before.total)) * 1000) / 10;
}

/**
 * Other work on the machine (tests, builds) skews a benchmark: waits up to maxSeconds for the
 * machine to drop under thresholdPercent busy, and returns how busy it was when we went ahead.
 */
async function waitForQuiet(maxSeconds, thresholdPercent = 25) {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = await machineBusyPercent(1000);
  if (busy > thresholdPercent && maxSeconds > 0) {
    process.stderr.write(
      `  machine ${busy}% busy with other work; waiting up to ${maxSeconds} s for it to calm down\n`,
    );
    while (busy > thresholdPercent && Date.now() < deadline) busy = await machineBusyPercent(2000);
  }
  if (busy > thresholdPercent) {
    process.stderr.write(
      `  bench: warning: going ahead with the machine ${busy}% busy with other work; ` +
        'numbers will be lower and noisier ("other" in the CPU lines shows how much)\n',
    );
  }
  return busy;
}

module.exports = { PeakRss, startCpuWindow, waitForQuiet, memoryKb };
