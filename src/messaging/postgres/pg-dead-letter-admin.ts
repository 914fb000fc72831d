import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MESSAGING_NEEDS, MessagingNeeds } from '../consumer-components';
import {
  DeadLetterQueues,
  describeDeadLetter,
  replayHeaders,
  resetRetryCount,
} from '../dead-letter-queues';
import {
  DeadLetterAdmin,
  DeadLetterMessage,
  DeadLetterQueueInfo,
  NotReplayableError,
} from '../messaging.port';
import { Topology } from '../topology';
import { MESSAGES_CHANNEL, PgConnection } from './pg-connection';
import type { PgMessageProperties } from './pg-publisher';

interface DeadLetterRow {
  id: string;
  body: Buffer;
  properties: PgMessageProperties;
}

/** Dead-letter queues as rows: counted, read in order without being taken, moved back. */
@Injectable()
export class PgDeadLetterAdmin extends DeadLetterAdmin {
  private readonly queues: DeadLetterQueues;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(MESSAGING_NEEDS) needs: MessagingNeeds,
    topology: Topology,
    private readonly connection: PgConnection,
  ) {
    super();
    this.queues = new DeadLetterQueues(config, needs, topology);
  }

  async list(): Promise<DeadLetterQueueInfo[]> {
    const names = [...this.queues.sources.keys()];
    const counts = new Map(
      (
        await this.connection.query<{ queue: string; n: number }>(
          'SELECT queue, count(*)::int AS n FROM mq_message WHERE queue = ANY($1) GROUP BY queue',
          [names],
        )
      ).map((row) => [row.queue, row.n]),
    );
    return names.map((queue) => ({
      queue,
      source: this.queues.sources.get(queue),
      messages: counts.get(queue) ?? 0,
    }));
  }

  async peek(queue: string, limit: number): Promise<DeadLetterMessage[]> {
    this.queues.assertKnown(queue);
    const rows = await this.connection.query<DeadLetterRow>(
      'SELECT id, body, properties FROM mq_message WHERE queue = $1 ORDER BY id LIMIT $2',
      [queue, limit],
    );
    return rows.map((row) => describeDeadLetter(row.body, row.properties));
  }

  /** Moves up to `limit` messages back to the queue they failed on, with a fresh retry count. */
  async replay(queue: string, limit: number): Promise<{ replayed: number; remaining: number }> {
    this.queues.assertKnown(queue);
    const source = this.queues.sourceOf(queue);
    if (!source) {
      throw new NotReplayableError(`${queue} has no single source queue to replay into`);
    }
    return this.connection.inTransaction(async (client) => {
      const { rows } = await client.query<DeadLetterRow>(
        `SELECT id, body, properties FROM mq_message WHERE queue = $1
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [queue, limit],
      );
      for (const row of rows) {
        await client.query(
          `UPDATE mq_message SET queue = $2, body = $3, properties = $4, deliveries = 0,
                  visible_at = now(), expires_at = NULL WHERE id = $1`,
          [
            row.id,
            source,
            resetRetryCount(row.body),
            JSON.stringify({ ...row.properties, headers: replayHeaders(row.properties.headers) }),
          ],
        );
      }
      if (rows.length > 0)
        await client.query(`SELECT pg_notify($1, $2)`, [MESSAGES_CHANNEL, source]);
      const {
        rows: [{ n }],
      } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM mq_message WHERE queue = $1',
        [queue],
      );
      return { replayed: rows.length, remaining: n };
    });
  }
}
