import type { Permission, Permissions } from '../domain/permissions';

/** Who is calling: the key a request carried (or its stream ticket stood for). */
export interface Principal {
  keyName: string;
  /** null for ATTUNE_ADMIN_KEY, which has no row. */
  keyId: string | null;
  keyHash: string;
  role: string;
  permissions: Permissions;
}

/** How audit rows and executions name the caller: `key:<name>`. */
export function actorOf(principal: Principal): string {
  return `key:${principal.keyName}`;
}

/** "key 'ci' (viewer) lacks actions:write on demo.greet" */
export function lacks(principal: Principal, permission: Permission, ref?: string): string {
  const on = ref === undefined ? '' : ` on ${ref}`;
  return `key '${principal.keyName}' (${principal.role}) lacks ${permission}${on}`;
}
