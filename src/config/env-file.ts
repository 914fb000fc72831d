import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { InvalidConfigError } from './app-config';

/**
 * Reads `.env` from the working directory when there is one, so `cp .env.example .env` is all a
 * newcomer needs; variables already in the environment (even empty ones) win over the file.
 */
export function loadEnvFile(path = resolve('.env'), env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(path)) return;
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(`could not read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  for (const [name, value] of Object.entries(parseEnv(content))) {
    if (env[name] === undefined) env[name] = value;
  }
}
