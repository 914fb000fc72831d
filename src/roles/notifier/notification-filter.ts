import { z } from 'zod';
import type { Principal } from '../../auth/principal';
import { LIVE_MESSAGE_TYPES, NumberedNotification } from './notification-hub';

export const NOTIFICATION_KINDS = ['execution', 'inquiry'] as const;

/**
 * What a live client asked to see. Each field is a set of accepted values (any of them matches);
 * an absent field accepts everything, and all present fields must match.
 */
export interface NotificationFilter {
  executionIds?: Set<string>;
  actions?: Set<string>;
  types?: Set<string>;
  kinds?: Set<string>;
  /** What the client's key may see (executions:read scoped to action refs); all when absent. */
  permitted?: (action: string) => boolean;
}

export class InvalidFilterError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** A query value as Express or URLSearchParams give it: one string, repeats, or nothing. */
export type QueryValue = string | string[] | undefined;

/** The query parameters both /ws and /api/v1/stream accept (documented in OpenAPI). */
export const FILTER_PARAMETERS = {
  execution_id: 'Only these executions (comma list or repeated)',
  action: 'Only executions of these action refs, e.g. core.echo (comma list or repeated)',
  type: `Only these message types: ${LIVE_MESSAGE_TYPES.join(', ')}`,
  kind: `Only these notification kinds: ${NOTIFICATION_KINDS.join(', ')}`,
} as const;

const uuid = z.uuid();

/** Parses ?execution_id=&action=&type=&kind= (comma lists or repeats); throws on bad values. */
export function parseNotificationFilter(read: (name: string) => QueryValue): NotificationFilter {
  const problems: string[] = [];
  const values = (name: string): string[] | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const list = (Array.isArray(raw) ? raw : [raw])
      .flatMap((part) => (typeof part === 'string' ? part.split(',') : [String(part)]))
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    if (list.length === 0) problems.push(`${name} must not be empty`);
    return list;
  };
  const oneOf = (name: string, list: string[] | undefined, allowed: readonly string[]) => {
    const unknown = list?.filter((value) => !allowed.includes(value)) ?? [];
    if (unknown.length > 0) {
      problems.push(`${name} ${unknown.join(', ')} unknown; valid: ${allowed.join(', ')}`);
    }
  };

  const executionIds = values('execution_id');
  const badIds = executionIds?.filter((id) => !uuid.safeParse(id).success) ?? [];
  if (badIds.length > 0) problems.push(`execution_id ${badIds.join(', ')} is not a UUID`);
  const actions = values('action');
  const types = values('type');
  oneOf('type', types, LIVE_MESSAGE_TYPES);
  const kinds = values('kind');
  oneOf('kind', kinds, NOTIFICATION_KINDS);
  if (problems.length > 0) throw new InvalidFilterError(problems);

  const set = (list: string[] | undefined) => (list ? new Set(list) : undefined);
  return {
    executionIds: set(executionIds?.map((id) => id.toLowerCase())),
    actions: set(actions),
    types: set(types),
    kinds: set(kinds),
  };
}

export function matchesFilter(filter: NotificationFilter, entry: NumberedNotification): boolean {
  const { notification } = entry;
  return (
    (!filter.executionIds || filter.executionIds.has(notification.execution_id)) &&
    (!filter.actions || filter.actions.has(notification.action)) &&
    (!filter.types || filter.types.has(entry.type)) &&
    (!filter.kinds || filter.kinds.has(notification.kind)) &&
    (!filter.permitted || filter.permitted(notification.action))
  );
}

/** The filter's limit to what `caller` may read: none when it may read every execution. */
export function permittedFor(caller: Principal): NotificationFilter['permitted'] {
  if (caller.permissions.scope('executions:read') === 'all') return undefined;
  return (action) => caller.permissions.can('executions:read', action);
}
