import { ForbiddenException } from '@nestjs/common';
import { globToLike, Permission } from '../domain/permissions';
import { lacks, Principal } from './principal';

/**
 * A list filter keeping the rows whose `column` (a ref) the caller holds `permission` on; left
 * out (value undefined) when the caller holds it on every ref.
 */
export function refFilter(
  caller: Principal,
  permission: Permission,
  column: string,
): { sql: string; value: string[] | undefined } {
  const scope = caller.permissions.scope(permission);
  const sql = `${column} LIKE ANY(?)`;
  if (scope === 'all') return { sql, value: undefined };
  return { sql, value: scope === 'none' ? [] : scope.map(globToLike) };
}

/** 403 naming what the caller lacks, for refs only known once a row is read. */
export function assertCan(caller: Principal, permission: Permission, ref: string): void {
  if (!caller.permissions.can(permission, ref)) {
    throw new ForbiddenException(lacks(caller, permission, ref));
  }
}
