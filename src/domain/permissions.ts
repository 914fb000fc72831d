// Who may do what: permissions are `<resource>:<verb>`, granted by roles, optionally scoped to
// refs by a glob. Pure logic: the API's guard and services, the streams and the tests use it.

/** Every permission Attune checks. */
export const PERMISSIONS = [
  'triggers:read',
  'triggers:write',
  'actions:read',
  'actions:write',
  'rules:read',
  'rules:write',
  'sensors:read',
  'sensors:write',
  'webhooks:send',
  'executions:read',
  'executions:run',
  'executions:cancel',
  'events:read',
  'enforcements:read',
  'workers:read',
  'inquiries:read',
  'inquiries:respond',
  'dlq:read',
  'dlq:replay',
  'secrets:read',
  'secrets:write',
  'keys:read',
  'keys:write',
  'roles:read',
  'roles:write',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Resources whose permissions a grant can scope to refs: definitions by their own ref, webhooks
 * and events by the trigger's, executions by the action's, enforcements by the rule's.
 */
export const REF_SCOPED_RESOURCES = [
  'triggers',
  'actions',
  'rules',
  'sensors',
  'webhooks',
  'executions',
  'events',
  'enforcements',
] as const;

export interface Grant {
  /** A permission, or a pattern with `*` for the resource or the verb (`executions:*`, `*`). */
  permission: string;
  /** Glob over refs (`*` any run of characters, `?` one); `*` when absent. */
  refs?: string;
}

export const BUILT_IN_ROLES = ['viewer', 'operator', 'editor', 'admin'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

const VIEWER: Permission[] = PERMISSIONS.filter(
  (p) => p.endsWith(':read') && !['keys:read', 'audit:read'].includes(p),
);
const OPERATOR: Permission[] = [
  ...VIEWER,
  'executions:run',
  'executions:cancel',
  'inquiries:respond',
  'dlq:replay',
  'webhooks:send',
];
const EDITOR: Permission[] = [
  ...OPERATOR,
  'triggers:write',
  'actions:write',
  'rules:write',
  'sensors:write',
  'secrets:write',
];

/** The built-in roles: each one's grants, unscoped. */
export const BUILT_IN_GRANTS: Record<BuiltInRole, Grant[]> = {
  viewer: VIEWER.map((permission) => ({ permission })),
  operator: OPERATOR.map((permission) => ({ permission })),
  editor: EDITOR.map((permission) => ({ permission })),
  admin: [{ permission: '*' }],
};

export function isBuiltInRole(name: string): name is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(name);
}

/** What a grant's permission pattern covers. */
export function permissionsOf(pattern: string): Permission[] {
  if (pattern === '*') return [...PERMISSIONS];
  const [resource, verb] = pattern.split(':');
  return PERMISSIONS.filter((permission) => {
    const [r, v] = permission.split(':');
    return (resource === '*' || resource === r) && (verb === '*' || verb === v);
  });
}

function resourceOf(permission: string): string {
  return permission.split(':')[0];
}

/** Problems with a role's grants, for a 400: unknown permissions, refs where none apply. */
export function grantProblems(grants: Grant[], root = 'grants'): string[] {
  const problems: string[] = [];
  grants.forEach((grant, index) => {
    const at = `${root}[${index}]`;
    const covered = permissionsOf(grant.permission);
    if (covered.length === 0) {
      problems.push(
        `${at}.permission '${grant.permission}' is not a permission; use resource:verb ` +
          `(${PERMISSIONS.join(', ')}) or a pattern with * such as executions:*`,
      );
      return;
    }
    const refs = grant.refs ?? '*';
    if (!/^[A-Za-z0-9_.*?-]{1,200}$/.test(refs)) {
      problems.push(`${at}.refs must be a glob of letters, digits, _ - . * and ?`);
    }
    const unscoped = covered.filter(
      (p) => !(REF_SCOPED_RESOURCES as readonly string[]).includes(resourceOf(p)),
    );
    if (refs !== '*' && unscoped.length > 0) {
      problems.push(
        `${at} scopes ${unscoped.join(', ')} to refs, but only ` +
          `${REF_SCOPED_RESOURCES.join(', ')} have refs; grant those with refs '*'`,
      );
    }
  });
  return problems;
}

/** A glob over refs as a regular expression (`*` any run, `?` one character). */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** A glob as a SQL LIKE pattern (with `\` escaping PostgreSQL's default escape character). */
export function globToLike(glob: string): string {
  return glob
    .split('')
    .map((c) => (c === '*' ? '%' : c === '?' ? '_' : /[%_\\]/.test(c) ? `\\${c}` : c))
    .join('');
}

/**
 * What one key may do: its role's grants compiled once. `scope` answers list endpoints: every
 * ref (`all`), some refs (their globs), or none.
 */
export class Permissions {
  private readonly byPermission = new Map<Permission, string[]>();
  private readonly matchers = new Map<string, RegExp>();

  constructor(grants: Grant[]) {
    for (const grant of grants) {
      for (const permission of permissionsOf(grant.permission)) {
        const globs = this.byPermission.get(permission) ?? [];
        globs.push(grant.refs ?? '*');
        this.byPermission.set(permission, globs);
      }
    }
  }

  /** May do `permission` on `ref`; without a ref, on at least one. */
  can(permission: Permission, ref?: string): boolean {
    const globs = this.byPermission.get(permission);
    if (!globs) return false;
    if (ref === undefined) return true;
    return globs.some((glob) => glob === '*' || this.matcher(glob).test(ref));
  }

  /** For lists: all refs, or only those matching these globs (never empty when allowed). */
  scope(permission: Permission): 'all' | 'none' | string[] {
    const globs = this.byPermission.get(permission);
    if (!globs) return 'none';
    return globs.includes('*') ? 'all' : [...new Set(globs)];
  }

  /** Every permission held, with its globs (what `GET /api/v1/me` shows). */
  list(): Array<{ permission: Permission; refs: string[] }> {
    return PERMISSIONS.filter((p) => this.byPermission.has(p)).map((permission) => ({
      permission,
      refs: [...new Set(this.byPermission.get(permission))],
    }));
  }

  private matcher(glob: string): RegExp {
    let matcher = this.matchers.get(glob);
    if (!matcher) {
      matcher = globToRegExp(glob);
      this.matchers.set(glob, matcher);
    }
    return matcher;
  }
}
