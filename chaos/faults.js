'use strict';
// What the chaos run does to the system while load runs, each a named step at a time after the
// load started. The schedule is data: a run prints what it did and when.

const { execFile } = require('node:child_process');
const { readdirSync } = require('node:fs');
const { promisify } = require('node:util');
const { setTimeout: sleep } = require('node:timers/promises');

const run = promisify(execFile);

async function rabbitmqctl(...args) {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 120_000 });
  return stdout;
}

/** The broker closes every client connection at once (all of its clients, not only ours). */
async function closeAllConnections() {
  await rabbitmqctl('close_all_connections', 'chaos: connection closed');
}

async function restartBrokerApp() {
  await rabbitmqctl('stop_app');
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

async function restartPostgres() {
  const [version] = readdirSync('/etc/postgresql');
  await run(
    'pg_ctlcluster',
    ['--skip-systemctl-redirect', version, 'main', 'restart', '-m', 'fast'],
    {
      timeout: 120_000,
    },
  );
}

/**
 * @param {{ fleet: import('./fleet').Fleet, proxy: import('./tcp-proxy').TcpProxy,
 *           freezeMs: number }} context
 * @returns {Array<{ at: number, what: string, act: () => Promise<unknown>, rabbitOnly?: boolean }>}
 */
function faultSchedule({ fleet, proxy, freezeMs }) {
  return [
    {
      at: 1000,
      what: 'SIGKILL executor-1 (back after 1.5 s)',
      act: () => fleet.signal('executor-1', 'SIGKILL', 1500),
    },
    {
      at: 3000,
      what: 'SIGKILL worker-1 (back after 1.5 s)',
      act: () => fleet.signal('worker-1', 'SIGKILL', 1500),
    },
    {
      at: 5000,
      what: 'rabbitmqctl close_all_connections',
      act: () => closeAllConnections(),
      rabbitOnly: true,
    },
    {
      at: 7000,
      what: `SIGSTOP worker-2 for ${freezeMs / 1000} s (past its queue TTL), then SIGCONT`,
      act: async () => {
        await fleet.signal('worker-2', 'SIGSTOP');
        await sleep(freezeMs);
        await fleet.signal('worker-2', 'SIGCONT');
      },
    },
    {
      at: 9000,
      what: "RabbitMQ's app stopped and started",
      act: () => restartBrokerApp(),
      rabbitOnly: true,
    },
    { at: 14_000, what: 'PostgreSQL restarted (fast)', act: () => restartPostgres() },
    {
      at: 16_000,
      what: 'SIGKILL api (back after 1 s)',
      act: () => fleet.signal('api', 'SIGKILL', 1000),
    },
    {
      at: 17_500,
      what: 'network between executor-2 and the broker cut for 4 s',
      act: async () => {
        proxy.sever();
        await sleep(4000);
        proxy.mend();
      },
      rabbitOnly: true,
    },
    {
      at: 19_000,
      what: 'SIGKILL executor-2 (back after 1.5 s)',
      act: () => fleet.signal('executor-2', 'SIGKILL', 1500),
    },
  ];
}

module.exports = { faultSchedule, rabbitmqctl };
