import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { AppConfig, databaseUrl, redactUrl } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { statementName } from '../../database/database.service';
import { PgListener } from '../../stores/pg-listener';
import { delay } from '../../common/backoff';
import { TransportConnection } from '../messaging.port';

/** The channel every publish notifies, with the queue's name as payload. */
export const MESSAGES_CHANNEL = 'attune_mq';

/**
 * Connections of each of the transport's two pools. Publishes and acks are batched per tick and
 * takes are one per consumer, so few are busy at once; kept small because every process also
 * has the stores' pool, and PostgreSQL's default max_connections is 100.
 */
const POOL_SIZE = 5;

/**
 * The PostgreSQL transport's link: a pool of its own (publishing and consuming never wait
 * behind the stores' statements) and one LISTENing connection that turns each committed
 * publish into a wake-up of the consumers of its queue. Connected means LISTENing: without it
 * consumers would only find messages on their safety pass.
 */
@Injectable()
export class PgConnection extends TransportConnection implements OnApplicationShutdown {
  readonly kind = 'postgres' as const;
  readonly address: string;
  readonly pool: Pool;
  /**
   * Connections that commit without waiting for the WAL flush (`synchronous_commit=off`), for
   * statements whose loss in a crash only means a message is delivered again: taking, acking,
   * retrying, parking and expiring. Publishes stay on `pool`: committed there means durable.
   */
  readonly relaxedPool: Pool;
  private readonly logger = new Logger('PgTransport');
  private readonly listener: PgListener;
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly connectListeners: Array<() => void> = [];
  /** Callers of whenConnected() still waiting; each is called once. */
  private waiters: Array<() => void> = [];
  private started = false;
  /** The message tables exist (the migrations ran; the app runs them at start). */
  private schemaReady = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    const url = databaseUrl(config);
    this.address = redactUrl(url);
    const poolOf = (options?: string) => {
      const pool = new Pool({
        connectionString: url,
        max: POOL_SIZE,
        idleTimeoutMillis: 300_000,
        connectionTimeoutMillis: 5000,
        keepAlive: true,
        options,
      });
      // An idle connection PostgreSQL closes (a restart) must not end the process.
      pool.on('error', (error) => this.logger.warn(`idle connection lost: ${error.message}`));
      pool.on('connect', (client) => client.on('error', () => {}));
      return pool;
    };
    this.pool = poolOf();
    this.relaxedPool = poolOf('-c synchronous_commit=off');
    this.listener = new PgListener(
      url,
      MESSAGES_CHANNEL,
      (queue) => this.wake(queue),
      // Notifications sent while we were away are lost: every consumer looks for itself.
      () => this.wakeAll(),
    );
    this.listener.onListening(() => void this.whenSchemaThere());
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.listener.start();
  }

  get isConnected(): boolean {
    return this.listener.isListening && this.schemaReady;
  }

  get notConnectedReason(): string | undefined {
    if (this.isConnected) return undefined;
    const why = this.listener.isListening
      ? 'waiting for its tables (the app creates them at start; or run `npm run migrate`)'
      : (this.listener.lastError ?? 'down');
    return `PostgreSQL transport at ${this.address}: ${why}`;
  }

  /** Connected once LISTEN is in place and the tables exist: then consumers may start. */
  private async whenSchemaThere(): Promise<void> {
    for (let attempt = 0; !this.schemaReady && this.listener.isListening; attempt++) {
      try {
        const [row] = await this.query<{ ok: boolean }>(
          `SELECT to_regclass('mq_message') IS NOT NULL AS ok`,
        );
        this.schemaReady = row.ok;
      } catch {
        // PostgreSQL going away again: the next LISTEN retries this
      }
      if (!this.schemaReady) await delay(Math.min(1000, 100 * (attempt + 1)));
    }
    if (!this.isConnected) return;
    this.logger.log(`listening for messages in PostgreSQL at ${this.address}`);
    for (const listener of this.connectListeners) listener();
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
    if (this.isConnected) listener();
  }

  whenConnected(): Promise<void> {
    this.start();
    if (this.isConnected) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Calls `waker` whenever a message is published to `queue`; returns how to stop. */
  onMessage(queue: string, waker: () => void): () => void {
    let set = this.wakers.get(queue);
    if (!set) this.wakers.set(queue, (set = new Set()));
    set.add(waker);
    return () => set.delete(waker);
  }

  /** A durable statement (publishes, topology, admin). */
  async query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]> {
    // Named, so each connection parses and plans a statement once (the texts are fixed).
    const result = await this.pool.query({ name: statementName(sql), text: sql, values });
    return result.rows as T[];
  }

  /** A statement whose loss in a crash only redelivers a message (see relaxedPool). */
  async queryRelaxed<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]> {
    const result = await this.relaxedPool.query({ name: statementName(sql), text: sql, values });
    return result.rows as T[];
  }

  /** Runs `work` in one transaction on one connection. */
  async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private wake(queue: string): void {
    for (const waker of this.wakers.get(queue) ?? []) waker();
  }

  private wakeAll(): void {
    for (const set of this.wakers.values()) for (const waker of set) waker();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
    await this.pool.end().catch(() => {});
    await this.relaxedPool.end().catch(() => {});
  }
}
