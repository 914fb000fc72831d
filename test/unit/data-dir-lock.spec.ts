import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataDirInUseError,
  DataDirLock,
  isProcessAlive,
  lockState,
} from '../../src/database/data-dir-lock';

describe('data directory lock', () => {
  const alive = new Set([100, 200]);
  const isAlive = (pid: number) => alive.has(pid);
  const state = (content: string | undefined) => lockState(content, 200, isAlive);

  it('is free without a lock file', () => {
    expect(state(undefined)).toEqual({ kind: 'free' });
  });

  it('is held by a live process other than this one', () => {
    expect(state('{"pid":100,"port":5433}')).toEqual({
      kind: 'held',
      holder: { pid: 100, port: 5433 },
    });
    expect(state('{"pid":100}')).toEqual({ kind: 'held', holder: { pid: 100 } });
  });

  it('is stale when its process is gone', () => {
    expect(state('{"pid":300,"port":5433}')).toEqual({ kind: 'stale', pid: 300 });
  });

  it('is stale when it names this very process (a pid reused after a restart)', () => {
    expect(state('{"pid":200}')).toEqual({ kind: 'stale', pid: 200 });
  });

  it.each(['', 'not json', '{}', '{"pid":"100"}', '{"pid":-1}', 'null'])(
    'is stale when the file is not a lock: %p',
    (content) => {
      expect(state(content)).toEqual({ kind: 'stale' });
    },
  );

  it('tells live and dead processes apart', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(spawnSync(process.execPath, ['-e', '']).pid!)).toBe(false);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'attune-lock-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const lockFile = () => join(dir, 'attune.lock');

    it('is taken, updated with the port, and removed on release', () => {
      const lock = DataDirLock.acquire(dir);
      expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual({ pid: process.pid });
      lock.update({ pid: process.pid, port: 5433 });
      expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual({
        pid: process.pid,
        port: 5433,
      });
      lock.release();
      expect(existsSync(lockFile())).toBe(false);
    });

    it('refuses a directory a live process holds, naming the directory and the process', () => {
      const holder = process.ppid;
      writeFileSync(lockFile(), JSON.stringify({ pid: holder, port: 5433 }));
      expect(() => DataDirLock.acquire(dir)).toThrow(DataDirInUseError);
      expect(() => DataDirLock.acquire(dir)).toThrow(
        `${dir} is in use by process ${holder} (stop it first or set ATTUNE_DATA_DIR)`,
      );
      expect(DataDirLock.holder(dir)).toEqual({ pid: holder, port: 5433 });
    });

    it('takes over the lock of a process that is gone', () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      writeFileSync(lockFile(), JSON.stringify({ pid: gone, port: 5433 }));
      expect(DataDirLock.holder(dir)).toBeUndefined();
      DataDirLock.acquire(dir);
      expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual({ pid: process.pid });
    });

    it('leaves a lock alone on release once another process holds it', () => {
      const lock = DataDirLock.acquire(dir);
      writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid }));
      lock.release();
      expect(existsSync(lockFile())).toBe(true);
    });
  });
});
