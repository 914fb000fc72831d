import type { Schemas } from '../../src/client/attune-client';

export type Me = Schemas['MeView'];

/** `*` is any run of characters, `?` one (as the API's grants). */
function globMatches(glob: string, value: string): boolean {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(value);
}

/**
 * Whether the key may do `permission` (on `ref` when given). The console offers only what this
 * says; the API still decides, and its 403 is shown when the two disagree.
 */
export function can(me: Me | undefined, permission: string, ref?: string): boolean {
  if (!me) return false;
  return me.permissions.some(
    (held) =>
      globMatches(held.permission, permission) &&
      (ref === undefined || held.refs.some((glob) => globMatches(glob, ref))),
  );
}
