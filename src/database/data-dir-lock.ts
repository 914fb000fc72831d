import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the lock file says: the process using the data directory and its database's port. */
export interface LockHolder {
  pid: number;
  /** Set once the embedded PostgreSQL listens; the CLI connects there. */
  port?: number;
}

export type LockState =
  { kind: 'free' } | { kind: 'stale'; pid?: number } | { kind: 'held'; holder: LockHolder };

const LOCK_FILE = 'attune.lock';

/**
 * Reads a lock file's content (undefined: there is none). A holder that is not alive, that is
 * this very process (a pid reused after a restart, as pid 1 in a container) or a file that is
 * not a lock leaves the directory to whoever comes next.
 */
export function lockState(
  content: string | undefined,
  ownPid: number,
  isAlive: (pid: number) => boolean,
): LockState {
  if (content === undefined) return { kind: 'free' };
  const holder = parseHolder(content);
  if (holder === undefined) return { kind: 'stale' };
  if (holder.pid === ownPid || !isAlive(holder.pid)) return { kind: 'stale', pid: holder.pid };
  return { kind: 'held', holder };
}

function parseHolder(content: string | undefined): LockHolder | undefined {
  try {
    const holder = JSON.parse(content ?? '') as Partial<LockHolder> | null;
    const pid = holder?.pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0
      ? { pid, port: typeof holder?.port === 'number' ? holder.port : undefined }
      : undefined;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(`${dir} is in use by process ${holder.pid} (stop it first or set ATTUNE_DATA_DIR)`);
  }
}

/** One process per data directory: `<dir>/attune.lock` holds its pid and database port. */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  /** The live process holding `dir`, if any. */
  static holder(dir: string): LockHolder | undefined {
    const state = lockState(readIfExists(join(dir, LOCK_FILE)), process.pid, isProcessAlive);
    return state.kind === 'held' ? state.holder : undefined;
  }

  /** Takes `dir` (created if missing) or throws DataDirInUseError naming the live holder. */
  static acquire(dir: string): DataDirLock {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, LOCK_FILE);
    // A second round only when another process took the directory between our read and write.
    for (let round = 0; round < 3; round++) {
      const content = readIfExists(path);
      const state = lockState(content, process.pid, isProcessAlive);
      if (state.kind === 'held') throw new DataDirInUseError(dir, state.holder);
      if (state.kind === 'stale' && readIfExists(path) === content) unlinkIfExists(path);
      if (createWith(path, { pid: process.pid })) return new DataDirLock(path);
    }
    throw new Error(`could not take ${path}: other processes keep taking it`);
  }

  /** Rewrites the lock (atomically) with what the CLI needs to find the database. */
  update(holder: LockHolder): void {
    const temporary = `${this.path}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify(holder));
    renameSync(temporary, this.path);
  }

  /** Removes the lock if it is still ours. Synchronous: also called on process exit. */
  release(): void {
    if (parseHolder(readIfExists(this.path))?.pid === process.pid) unlinkIfExists(this.path);
  }
}

/**
 * Creates the lock file with its whole content at once (written aside, then hard-linked into
 * place), so a reader never sees a half-written lock; false when the file already exists.
 */
function createWith(path: string, holder: LockHolder): boolean {
  const temporary = `${path}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(holder));
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkIfExists(temporary);
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function unlinkIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
