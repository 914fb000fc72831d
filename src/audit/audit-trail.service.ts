import { Injectable } from '@nestjs/common';
import { actorOf, Principal } from '../auth/principal';
import { currentCorrelation } from '../logging/correlation';
import { AuditStore } from '../stores/audit.store';

/** Writes who did what, with the request's correlation id, after each change is made. */
@Injectable()
export class AuditTrail {
  constructor(private readonly store: AuditStore) {}

  record(
    by: Principal | string,
    action: string,
    resource: string,
    ref: string | null,
    details?: Record<string, unknown>,
  ): Promise<void> {
    return this.store.record({
      actor: typeof by === 'string' ? by : actorOf(by),
      action,
      resource,
      ref,
      correlationId: currentCorrelation()?.correlationId ?? null,
      details,
    });
  }
}
