/** What `topology apply|verify` found, object by object. */
export interface TopologyConflict {
  kind: 'queue' | 'exchange';
  name: string;
  property: string;
  existing: string;
  wanted: string;
  /** One line naming the object, the property and both values. */
  message: string;
}

export interface TopologyProblem {
  kind: 'queue' | 'exchange' | 'binding';
  name: string;
  message: string;
}

export interface TopologyReport {
  healthy: string[];
  missing: string[];
  conflicts: TopologyConflict[];
  /** Anything else that failed: missing permissions, a closed connection. */
  errors: TopologyProblem[];
}

export function emptyReport(): TopologyReport {
  return { healthy: [], missing: [], conflicts: [], errors: [] };
}

export function reportIsHealthy(report: TopologyReport): boolean {
  return report.missing.length === 0 && report.conflicts.length === 0 && report.errors.length === 0;
}

const INEQUIVALENT =
  /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)' in vhost '[^']*': received (.+?) but current is (.+?)"?$/;

/** Turns RabbitMQ's 406 text into "queue X exists with x-message-ttl=5000, Attune wants none". */
export function parseConflict(errorMessage: string): TopologyConflict | undefined {
  const match = INEQUIVALENT.exec(errorMessage);
  if (!match) return undefined;
  const [, property, kind, name, received, current] = match;
  return conflictOf(
    kind as 'queue' | 'exchange',
    name,
    property,
    describeValue(current),
    describeValue(received),
  );
}

/** An object that exists with another value of `property` than Attune declares. */
export function conflictOf(
  kind: 'queue' | 'exchange',
  name: string,
  property: string,
  existing: string,
  wanted: string,
): TopologyConflict {
  return {
    kind,
    name,
    property,
    existing,
    wanted,
    message:
      `${kind} '${name}' already exists with ${property}=${existing} but Attune declares ` +
      `${property}=${wanted}; change the configuration or delete the ${kind} yourself ` +
      `(Attune never deletes it)`,
  };
}

/** "the value '5000' of type 'signedint'" → 5000; "none" → (none); "'true'" → true. */
function describeValue(raw: string): string {
  const value = /the value '([^']*)'/.exec(raw) ?? /^'([^']*)'$/.exec(raw.trim());
  if (value) return value[1];
  return raw.trim() === 'none' ? '(none)' : raw.trim();
}
