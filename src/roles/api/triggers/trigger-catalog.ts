import { Injectable } from '@nestjs/common';
import { DEFINITION_FRESHNESS, RefreshingCache } from '../../../common/refreshing-cache';
import { TriggerStore } from '../../../stores/trigger.store';

export interface TriggerInfo {
  ref: string;
  payloadSchema: Record<string, unknown> | null;
  /** Sealed; opened only to check a signed webhook. */
  webhookSecretSealed: string | null;
}

/**
 * Looks triggers up by ref for the webhook path. Webhooks arrive by the thousand per second and
 * triggers rarely change: cached, a change is seen within 1 s (at once after a local write).
 * Unknown refs are cached too (bounded, so a flood of random refs cannot grow memory forever).
 */
@Injectable()
export class TriggerCatalog {
  private readonly cache = new RefreshingCache(
    (ref: string) => this.load(ref),
    DEFINITION_FRESHNESS,
  );
  /** Last schema seen per ref, reused while unchanged so its compiled validator stays cached. */
  private readonly schemas = new Map<string, { text: string; schema: Record<string, unknown> }>();

  constructor(private readonly triggers: TriggerStore) {}

  get(ref: string): Promise<TriggerInfo | undefined> {
    return this.cache.get(ref);
  }

  invalidate(ref: string): void {
    this.cache.invalidate(ref);
  }

  private async load(ref: string): Promise<TriggerInfo | undefined> {
    const row = await this.triggers.catalogEntry(ref);
    const trigger = row
      ? {
          ref: row.ref,
          payloadSchema: this.schemaOf(ref, row.payload_schema),
          webhookSecretSealed: row.webhook_secret_sealed,
        }
      : undefined;
    if (!trigger) this.schemas.delete(ref);
    return trigger;
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
