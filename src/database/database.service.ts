import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig, databaseUrl, redactUrl } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { backoffDelay, delay } from '../common/backoff';
import { createDataSource } from './data-source';
import { inTransaction, ping, poolSql, sessionLock, sessionUnlock, Sql } from '../stores/sql';
import { ADVISORY_LOCKS } from './advisory-locks';

const statementNames = new Map<string, string>();

/** Beyond this many distinct texts something builds SQL with values in it: stop preparing. */
const MAX_PREPARED = 1000;

/** A stable prepared-statement name per SQL text (the set of texts is small and fixed). */
export function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (!name) {
    if (statementNames.size >= MAX_PREPARED) return undefined;
    name = `attune_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Owns the PostgreSQL connection. It connects in the background with retries so the process
 * (and /health/live) is up while the database is not; `whenReady()` gates everything that needs it.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  readonly dataSource: DataSource;
  private readonly abort = new AbortController();
  private resolveReady!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));
  private isReadyFlag = false;
  private lastError: string | undefined = 'not connected yet';
  private readonly startupSteps: Array<(sql: Sql) => Promise<void>> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.dataSource = createDataSource(databaseUrl(config));
  }

  onModuleInit(): void {
    void this.connectWithRetry();
  }

  /**
   * Work that must be done before the database counts as ready (the core pack), each step in a
   * transaction, after migrations. Register from a constructor: connecting starts at module init.
   */
  addStartupStep(step: (sql: Sql) => Promise<void>): void {
    this.startupSteps.push(step);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  get isReady(): boolean {
    return this.isReadyFlag;
  }

  /** Why the database is not ready, for readiness reports; undefined once ready. */
  get notReadyReason(): string | undefined {
    return this.isReadyFlag ? undefined : this.lastError;
  }

  /** Answers whether PostgreSQL answers (readiness). */
  async ping(): Promise<void> {
    await ping(poolSql(this));
  }

  /**
   * Raw SQL for hot paths where one conditional statement beats an ORM round trip. Goes to the
   * pg pool directly: always the rows (TypeORM's query() returns [rows, count] for UPDATE).
   */
  async query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    if (!pool) throw new Error('PostgreSQL is not connected yet');
    // Named, so each pooled connection parses and plans a statement once, not on every call.
    const result = await pool.query({ name: statementName(sql), text: sql, values: parameters });
    return result.rows as T[];
  }

  private async connectWithRetry(): Promise<void> {
    const address = redactUrl(databaseUrl(this.config));
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        if (!this.dataSource.isInitialized) await this.dataSource.initialize();
        if (this.config.database.migrateOnStart) await this.migrate();
        for (const step of this.startupSteps) await inTransaction(this, step);
        this.isReadyFlag = true;
        this.lastError = undefined;
        this.logger.log(`connected to PostgreSQL at ${address}`);
        this.resolveReady();
        return;
      } catch (error) {
        this.lastError = `PostgreSQL at ${address}: ${(error as Error).message}`;
        const wait = backoffDelay(attempt);
        this.logger.warn(`waiting for ${this.lastError} (retrying in ${wait} ms)`);
        await delay(wait, this.abort.signal);
      }
    }
  }

  private async migrate(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    // The lock is the session's: it must be taken and released on this one connection.
    const sql: Sql = {
      rows: async (text, params) => (await runner.query(text, params, true)).records,
    };
    try {
      await runner.connect();
      await sessionLock(sql, ADVISORY_LOCKS.migrations);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) this.logger.log(`applied migration ${migration.name}`);
    } finally {
      await sessionUnlock(sql, ADVISORY_LOCKS.migrations).catch(() => {});
      await runner.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
