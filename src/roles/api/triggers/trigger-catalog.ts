import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../../database/database.service';

export interface TriggerInfo {
  ref: string;
  payloadSchema: Record<string, unknown> | null;
}

/** Webhooks arrive by the thousand per second and triggers rarely change: keep lookups 1 s. */
const CACHE_MS = 1000;
/** Lookups of unknown refs are cached too; a flood of random refs must not grow memory forever. */
const MAX_ENTRIES = 10_000;

/** Looks triggers up by ref for the webhook path, briefly cached (invalidated on local writes). */
@Injectable()
export class TriggerCatalog {
  private readonly cache = new Map<string, { at: number; trigger: TriggerInfo | undefined }>();
  /** Last schema seen per ref, reused while unchanged so its compiled validator stays cached. */
  private readonly schemas = new Map<string, { text: string; schema: Record<string, unknown> }>();

  constructor(private readonly db: DatabaseService) {}

  async get(ref: string): Promise<TriggerInfo | undefined> {
    const hit = this.cache.get(ref);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.trigger;
    const [row] = await this.db.query<{ ref: string; payload_schema: string | null }>(
      'SELECT ref, payload_schema::text AS payload_schema FROM trigger WHERE ref = $1',
      [ref],
    );
    const trigger = row
      ? { ref: row.ref, payloadSchema: this.schemaOf(ref, row.payload_schema) }
      : undefined;
    if (!trigger) this.schemas.delete(ref);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(ref, { at: Date.now(), trigger });
    return trigger;
  }

  invalidate(ref: string): void {
    this.cache.delete(ref);
  }

  private schemaOf(ref: string, text: string | null): Record<string, unknown> | null {
    if (text === null) {
      this.schemas.delete(ref);
      return null;
    }
    const known = this.schemas.get(ref);
    if (known?.text === text) return known.schema;
    const schema = JSON.parse(text) as Record<string, unknown>;
    this.schemas.set(ref, { text, schema });
    return schema;
  }
}
