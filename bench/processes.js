'use strict';
// Child processes of the bench: Attune (`node dist/main.js`) and the baseline. Each child's
// output goes to a log file and a short in-memory tail for error messages.

const { spawn } = require('node:child_process');
const { createWriteStream } = require('node:fs');
const { createServer } = require('node:net');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');
const { setTimeout: sleep } = require('node:timers/promises');
const { HttpClient } = require('./http-client');

const ROOT = path.join(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');

/** @type {Set<BenchChild>} every child still running, for kill-on-exit */
const live = new Set();

/** @returns {Promise<number>} a TCP port nobody listens on right now */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

class BenchChild {
  /**
   * @param {string} name
   * @param {import('node:child_process').ChildProcess} proc
   * @param {string} logFile
   */
  constructor(name, proc, logFile) {
    this.name = name;
    this.proc = proc;
    this.logFile = logFile;
    /** @type {string[]} */
    this.lines = [];
    /** @type {string[]} the first lines, kept whole (start-up warnings and errors) */
    this.firstLines = [];
    this.lineCount = 0;
    this.exit = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
    live.add(this);
  }

  get pid() {
    return /** @type {number} */ (this.proc.pid);
  }

  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Keeps the last lines of output for error messages. */
  remember(chunk) {
    const lines = chunk.toString().split('\n').filter(Boolean);
    this.lineCount += lines.length;
    if (this.firstLines.length < 20)
      this.firstLines.push(...lines.slice(0, 20 - this.firstLines.length));
    this.lines.push(...lines);
    if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 200);
  }

  tail(count = 20) {
    return this.lines.slice(-count).join('\n');
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 15_000) {
    if (this.running) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.proc.kill('SIGKILL'), graceMs);
    const result = await this.exit;
    clearTimeout(timer);
    return result;
  }
}

/**
 * Spawns a node script with a clean environment (only what we pass, plus PATH and HOME).
 * @param {{ name: string, args: string[], env: Record<string, string>, logFile: string,
 *           stdoutToLog?: boolean, echoStderr?: boolean, nodeArgs?: string[] }} options
 */
function spawnNode({
  name,
  args,
  env,
  logFile,
  stdoutToLog = true,
  echoStderr = false,
  nodeArgs = [],
}) {
  const proc = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = new BenchChild(name, proc, logFile);
  const log = createWriteStream(logFile);
  proc.stderr?.on('data', (chunk) => {
    log.write(chunk);
    if (echoStderr) process.stderr.write(chunk);
    child.remember(chunk);
  });
  if (stdoutToLog) {
    proc.stdout?.on('data', (chunk) => {
      log.write(chunk);
      child.remember(chunk);
    });
  }
  proc.once('exit', () => log.end());
  return child;
}

/**
 * Starts one Attune process.
 * @param {{ name: string, roles: string, port: number, env: Record<string, string>,
 *           logFile: string, profileDir?: string }} options
 */
function startAttune({ name, roles, port, env, logFile, profileDir }) {
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawnNode({
    name,
    args: [MAIN],
    nodeArgs,
    logFile,
    env: { ...env, ROLES: roles, PORT: String(port) },
  });
  child.port = port;
  return child;
}

/** Waits for GET /health/ready = 200; fails early if the process dies. */
async function waitReady(child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const http = new HttpClient(`http://127.0.0.1:${child.port}`, 1);
  let last = 'no answer';
  try {
    while (Date.now() < deadline) {
      if (!child.running) {
        throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
      }
      try {
        const response = await http.request('GET', '/health/ready');
        if (response.status === 200) return;
        last = `${response.status} ${JSON.stringify(response.body).slice(0, 500)}`;
      } catch (error) {
        last = error.message;
      }
      await sleep(200);
    }
  } finally {
    http.close();
  }
  throw new Error(
    `${child.name} not ready after ${timeoutMs} ms (last: ${last})\n${child.tail()}\n` +
      `(full log: ${child.logFile})`,
  );
}

/** Kills what is still running (on Ctrl-C or a crash of the bench). */
async function killAll(graceMs = 5000) {
  await Promise.all([...live].map((child) => child.stop(graceMs)));
}

module.exports = { freePort, spawnNode, startAttune, waitReady, killAll, BenchChild, ROOT };
