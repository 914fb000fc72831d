export const ROLE_NAMES = ['api', 'sensor', 'executor', 'worker', 'notifier'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export class InvalidRolesError extends Error {}

/** Parses `ROLES` ("all" or a comma list). Order follows ROLE_NAMES so logs are stable. */
export function parseRoles(raw: string | undefined): RoleName[] {
  const value = (raw ?? 'all').trim();
  const valid = `valid roles: ${ROLE_NAMES.join(', ')} (or "all")`;
  if (value === 'all') return [...ROLE_NAMES];
  const requested = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (requested.length === 0) {
    throw new InvalidRolesError(`ROLES is empty; ${valid}`);
  }
  const unknown = requested.filter((role) => !(ROLE_NAMES as readonly string[]).includes(role));
  if (unknown.length > 0) {
    throw new InvalidRolesError(`ROLES has unknown role(s) ${unknown.join(', ')}; ${valid}`);
  }
  return ROLE_NAMES.filter((role) => requested.includes(role));
}
