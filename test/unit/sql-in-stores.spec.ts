import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');
/**
 * Where SQL may be written: the stores (one per table), the migrations, and the PostgreSQL
 * transport, which owns the message tables (mq_*) as RabbitMQ owns its queues, and the embedded
 * server's set-up (it creates the database; no table).
 */
const ALLOWED = [
  'stores/',
  'database/migrations/',
  'messaging/postgres/',
  'database/embedded-postgres.ts',
];
/** Statements, as they start; enough to catch SQL written anywhere else. */
const STATEMENT =
  /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+(\w+\s+)?SET\b|DELETE\s+FROM|WITH\s+\w+\s+AS\s*\()/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('one home for SQL', () => {
  it('has no SQL statement outside src/stores, the migrations and the PostgreSQL transport', () => {
    const offenders = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((path) => !ALLOWED.some((prefix) => path.startsWith(prefix)))
      .flatMap((path) =>
        readFileSync(join(SRC, path), 'utf8')
          .split('\n')
          .map((line, index) => ({ path, line: index + 1, text: line }))
          .filter(
            ({ text }) =>
              STATEMENT.test(text) && !text.trim().startsWith('//') && !text.trim().startsWith('*'),
          ),
      )
      .map(({ path, line, text }) => `${path}:${line}: ${text.trim()}`);
    expect(offenders).toEqual([]);
  });

  it('would notice one (the check itself works)', () => {
    expect(STATEMENT.test("await db.query('SELECT id FROM worker')")).toBe(true);
    expect(STATEMENT.test('`UPDATE execution e SET status = u.target`')).toBe(true);
    expect(STATEMENT.test('`DELETE FROM stream_ticket WHERE …`')).toBe(true);
    expect(STATEMENT.test('select a worker for it')).toBe(false);
  });
});
