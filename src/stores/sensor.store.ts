import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { DefinitionRow, DefinitionStore } from './definition.store';
import { Sql } from './sql';

export interface SensorRow extends DefinitionRow {
  description: string | null;
  type: string;
  trigger_ref: string;
  config: Record<string, unknown>;
  enabled: boolean;
  last_fired_at: Date | null;
  state: Record<string, unknown> | null;
}

/** The sensor table; a sensor's last tick is a lease so that one replica fires each tick. */
@Injectable()
export class SensorStore extends DefinitionStore<SensorRow> {
  constructor(db: DatabaseService) {
    super(db, 'sensor');
  }

  enabled(): Promise<SensorRow[]> {
    return this.db.query<SensorRow>(
      'SELECT id, ref, type, trigger_ref, config, last_fired_at, state FROM sensor WHERE enabled',
    );
  }

  /** Takes the tick at `tick` unless another replica took it (or a later one) first. */
  async claimTick(id: string, tick: Date): Promise<boolean> {
    const claimed = await this.db.query(
      `UPDATE sensor SET last_fired_at = $2
        WHERE id = $1 AND enabled AND (last_fired_at IS NULL OR last_fired_at < $2)
        RETURNING id`,
      [id, tick],
    );
    return claimed.length > 0;
  }

  /** Gives a failed tick back, so the next check (here or on a replica) tries it again. */
  async releaseTick(id: string, tick: Date, previous: Date | null): Promise<void> {
    await this.db.query(
      'UPDATE sensor SET last_fired_at = $3 WHERE id = $1 AND last_fired_at = $2',
      [id, tick, previous],
    );
  }

  /** Records what a poll saw and answers what the one before it saw. */
  async swapPollState(
    id: string,
    hash: string,
    status: number,
  ): Promise<{ hash?: string } | null | undefined> {
    const [before] = await this.db.query<{ state: { hash?: string } | null }>(
      `UPDATE sensor s SET state = jsonb_build_object('hash', $2::text, 'status', $3::int)
         FROM (SELECT state FROM sensor WHERE id = $1 FOR UPDATE) old
        WHERE s.id = $1 RETURNING old.state`,
      [id, hash, status],
    );
    return before?.state;
  }

  /** Sensors firing the trigger (in the caller's transaction, which locks the trigger). */
  async refsOnTrigger(sql: Sql, triggerRef: string): Promise<string[]> {
    const rows = await sql.rows<{ ref: string }>(
      'SELECT ref FROM sensor WHERE trigger_ref = $1 ORDER BY ref',
      [triggerRef],
    );
    return rows.map((row) => row.ref);
  }
}
