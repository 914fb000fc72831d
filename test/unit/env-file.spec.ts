import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '../../src/config/app-config';
import { loadEnvFile } from '../../src/config/env-file';

describe('.env', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attune-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills in what the environment does not set; what it sets, even empty, wins', () => {
    const path = join(dir, '.env');
    writeFileSync(path, '# a comment\nFROM_FILE=file\nSET=file\nEMPTY=file\nQUOTED="a b"\n');
    const env: NodeJS.ProcessEnv = { SET: 'environment', EMPTY: '' };
    loadEnvFile(path, env);
    expect(env).toEqual({ FROM_FILE: 'file', SET: 'environment', EMPTY: '', QUOTED: 'a b' });
  });

  it('is optional', () => {
    const env: NodeJS.ProcessEnv = {};
    loadEnvFile(join(dir, 'missing.env'), env);
    expect(env).toEqual({});
  });

  it('names the file it cannot read', () => {
    expect(() => loadEnvFile(dir, {})).toThrow(InvalidConfigError);
    expect(() => loadEnvFile(dir, {})).toThrow(dir);
  });
});
