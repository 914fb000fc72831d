import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

/**
 * The stream_ticket table: single-use tickets for EventSource and WebSocket clients, which cannot
 * send headers. Stored by hash, with the hash of the key they stand for; shared by every process,
 * so a ticket from the api role opens a stream on any notifier.
 */
@Injectable()
export class StreamTicketStore {
  constructor(private readonly db: DatabaseService) {}

  async insert(ticketHash: string, keyHash: string, ttlMs: number): Promise<Date> {
    const [row] = await this.db.query<{ expires_at: Date }>(
      `INSERT INTO stream_ticket (ticket_hash, key_hash, expires_at)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond') RETURNING expires_at`,
      [ticketHash, keyHash, ttlMs],
    );
    return row.expires_at;
  }

  /** Uses the ticket up: the key hash it stands for once, undefined ever after (or if expired). */
  async take(ticketHash: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ key_hash: string; valid: boolean }>(
      `DELETE FROM stream_ticket WHERE ticket_hash = $1
        RETURNING key_hash, expires_at > now() AS valid`,
      [ticketHash],
    );
    return row?.valid ? row.key_hash : undefined;
  }

  async removeExpired(): Promise<void> {
    await this.db.query('DELETE FROM stream_ticket WHERE expires_at <= now()');
  }
}
