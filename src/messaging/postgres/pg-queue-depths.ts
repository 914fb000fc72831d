import { Injectable } from '@nestjs/common';
import { QueueDepths } from '../messaging.port';
import { Topology } from '../topology';
import { PgConnection } from './pg-connection';

/** Counted no further than this: the backlog bound is far below it. */
const COUNT_LIMIT = 1_000_000;

/** Queue depths from the message rows (bounded, so a huge queue does not make it slow). */
@Injectable()
export class PgQueueDepths extends QueueDepths {
  constructor(
    private readonly topology: Topology,
    private readonly connection: PgConnection,
  ) {
    super();
  }

  async eventsWaiting(): Promise<number> {
    const [row] = await this.connection.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM mq_message WHERE queue = $1 LIMIT $2) q',
      [this.topology.events.main.name, COUNT_LIMIT],
    );
    return row.n;
  }
}
