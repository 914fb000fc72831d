import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { AccessRoleRow, AccessRoleStore } from '../../../stores/access-role.store';
import type { Principal } from '../../../auth/principal';
import {
  BUILT_IN_GRANTS,
  BUILT_IN_ROLES,
  Grant,
  grantProblems,
  isBuiltInRole,
} from '../../../domain/permissions';
import { assertNoProblems, conflict } from '../../../common/errors';
import { AccessRoleDefinitionDto, AccessRoleList, AccessRoleView } from './access-role.dto';

const BUILT_IN_DESCRIPTIONS = {
  viewer: 'Reads everything but keys and the audit log; never a secret value',
  operator:
    'Viewer, and runs, cancels and reruns executions, answers inquiries, replays dead letters, sends webhooks',
  editor: 'Operator, and writes triggers, sensors, rules, actions and secrets',
  admin: 'Everything, including keys, roles and the audit log',
} as const;

/** Custom roles (built-in ones are listed too, read-only); each change audited. */
@Injectable()
export class AccessRolesService {
  constructor(
    private readonly roles: AccessRoleStore,
    private readonly audit: AuditTrail,
  ) {}

  async list(): Promise<AccessRoleList> {
    const builtIn = BUILT_IN_ROLES.map((name) => ({
      name,
      description: BUILT_IN_DESCRIPTIONS[name],
      grants: BUILT_IN_GRANTS[name].map(withRefs),
      built_in: true,
    }));
    const items = [...builtIn, ...(await this.roles.list()).map(toView)];
    return { items, total: items.length };
  }

  async create(
    dto: AccessRoleDefinitionDto & { name: string },
    caller: Principal,
  ): Promise<AccessRoleView> {
    assertNotBuiltIn(dto.name);
    const grants = checkedGrants(dto.grants);
    const row = await this.roles.insert({
      name: dto.name,
      description: dto.description ?? null,
      grants,
    });
    if (!row) throw conflict(`role '${dto.name}' already exists`);
    await this.audit.record(caller, 'create', 'role', dto.name, { grants });
    return toView(row);
  }

  async replace(
    name: string,
    dto: AccessRoleDefinitionDto,
    caller: Principal,
  ): Promise<AccessRoleView> {
    assertNotBuiltIn(name);
    const grants = checkedGrants(dto.grants);
    const row = await this.roles.replace({ name, description: dto.description ?? null, grants });
    if (!row) throw new NotFoundException(`role '${name}' does not exist`);
    await this.audit.record(caller, 'update', 'role', name, { grants });
    return toView(row);
  }

  async remove(name: string, caller: Principal): Promise<void> {
    assertNotBuiltIn(name);
    const { removed, usedBy } = await this.roles.removeUnlessUsed(name);
    if (usedBy.length > 0) {
      throw conflict(
        `role '${name}' is held by key(s) ${usedBy.map((key) => `'${key}'`).join(', ')}; revoke those first`,
      );
    }
    if (!removed) throw new NotFoundException(`role '${name}' does not exist`);
    await this.audit.record(caller, 'delete', 'role', name);
  }
}

function assertNotBuiltIn(name: string): void {
  if (isBuiltInRole(name)) throw conflict(`role '${name}' is built in and cannot be changed`);
}

/** Grants with refs made explicit, after the checks the DTO cannot make. */
function checkedGrants(grants: Grant[]): Required<Grant>[] {
  assertNoProblems(grantProblems(grants));
  return grants.map(withRefs);
}

function withRefs(grant: Grant): Required<Grant> {
  return { permission: grant.permission, refs: grant.refs ?? '*' };
}

function toView(row: AccessRoleRow): AccessRoleView {
  return {
    name: row.name,
    description: row.description,
    grants: row.grants.map(withRefs),
    built_in: false,
  };
}
