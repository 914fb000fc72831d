import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PG_ADMIN_URL } from './env';

/** A fresh database per test file, so suites never see each other's rows. */
export class TestDatabase {
  readonly name = `attune_test_${randomBytes(5).toString('hex')}`;
  private client?: Client;

  get url(): string {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${this.name}`;
    return url.toString();
  }

  async create(): Promise<this> {
    await withAdmin((admin) => admin.query(`CREATE DATABASE ${this.name}`));
    return this;
  }

  /** A client on the test database (connected lazily, closed by drop()). */
  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    if (!this.client) {
      this.client = new Client({ connectionString: this.url });
      await this.client.connect();
    }
    return (await this.client.query(sql, params)).rows as T[];
  }

  async drop(): Promise<void> {
    await this.client?.end().catch(() => {});
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`));
  }
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}
