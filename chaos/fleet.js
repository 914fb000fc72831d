'use strict';
// The Attune processes of a chaos run and the orchestrator around them: a process the run kills
// is started again after a pause (as a restart policy would); a process that exits when nobody
// killed it is recorded as having died by itself (the run fails) and is started again too, so
// the accounting still finishes.

const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { freePort, startAttune, waitReady } = require('../bench/processes');

/**
 * @typedef {{ name: string, roles: string, env: Record<string, string> }} ProcessSpec
 * @typedef {{ name: string, code: number | null, signal: string | null, tail: string }} Death
 */

class Fleet {
  /**
   * @param {ProcessSpec[]} specs
   * @param {{ env: Record<string, string>, logDir: string, log: (line: string) => void }} options
   */
  constructor(specs, options) {
    this.specs = new Map(specs.map((spec) => [spec.name, spec]));
    this.options = options;
    /** @type {Map<string, import('../bench/processes').BenchChild & { port: number }>} */
    this.children = new Map();
    /** @type {Map<string, number>} the port each process keeps across restarts */
    this.ports = new Map();
    /** Names whose next exit the run caused. */
    this.expectedExit = new Set();
    /** @type {Death[]} */
    this.diedOnTheirOwn = [];
    this.restarts = 0;
    this.stopping = false;
  }

  async start() {
    for (const name of this.specs.keys()) this.ports.set(name, await freePort());
    await Promise.all([...this.specs.keys()].map((name) => this.launch(name)));
  }

  /** The port of a process (the api's, to send webhooks to). */
  port(name) {
    return /** @type {number} */ (this.ports.get(name));
  }

  /** Sends `signal`; for a kill, starts the process again after `restartAfterMs`. */
  async signal(name, signal, restartAfterMs = 0) {
    const child = this.children.get(name);
    if (!child?.running) return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.expectedExit.add(name);
    child.proc.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') {
      await child.exit;
      await sleep(restartAfterMs);
      if (!this.stopping) await this.launch(name);
    }
  }

  /** Every process ready (health 200) at once. */
  async allReady(timeoutMs = 120_000) {
    await Promise.all(
      [...this.children.values()].map((child) => waitReady(child, timeoutMs).catch(() => {})),
    );
  }

  async stopAll() {
    this.stopping = true;
    await Promise.all(
      [...this.children.entries()].map(async ([name, child]) => {
        this.expectedExit.add(name);
        await child.stop(15_000);
      }),
    );
  }

  /** @param {string} name */
  async launch(name) {
    const spec = /** @type {ProcessSpec} */ (this.specs.get(name));
    const count = this.restarts++;
    const child = startAttune({
      name,
      roles: spec.roles,
      port: this.port(name),
      logFile: path.join(this.options.logDir, `${name}-${count}.log`),
      env: {
        ...this.options.env,
        ...spec.env,
        INSTANCE_ID: `${this.options.env.MQ_PREFIX}-${name}`,
      },
    });
    this.children.set(name, child);
    void child.exit.then(({ code, signal }) => this.onExit(name, child, code, signal));
    await waitReady(child, 120_000).catch((error) =>
      this.options.log(`${name} not ready yet: ${error.message.split('\n')[0]}`),
    );
  }

  async onExit(name, child, code, signal) {
    if (this.expectedExit.delete(name)) return;
    if (this.stopping && this.children.get(name) !== child) return;
    this.diedOnTheirOwn.push({ name, code, signal, tail: child.tail(30) });
    this.options.log(`${name} DIED BY ITSELF (code ${code}, signal ${signal}); starting it again`);
    if (!this.stopping) await this.launch(name);
  }
}

module.exports = { Fleet };
