import {
  BUILT_IN_GRANTS,
  globToLike,
  globToRegExp,
  grantProblems,
  Permissions,
  permissionsOf,
  PERMISSIONS,
} from '../../src/domain/permissions';

describe('permissions', () => {
  const viewer = new Permissions(BUILT_IN_GRANTS.viewer);
  const operator = new Permissions(BUILT_IN_GRANTS.operator);
  const editor = new Permissions(BUILT_IN_GRANTS.editor);
  const admin = new Permissions(BUILT_IN_GRANTS.admin);

  it('viewer reads everything but keys and the audit log, and writes nothing', () => {
    for (const permission of PERMISSIONS) {
      const expected =
        permission.endsWith(':read') && !['keys:read', 'audit:read'].includes(permission);
      expect([permission, viewer.can(permission)]).toEqual([permission, expected]);
    }
  });

  it('operator adds running, cancelling, answering, replaying and sending webhooks', () => {
    const added = PERMISSIONS.filter((p) => operator.can(p) && !viewer.can(p));
    expect(added.sort()).toEqual(
      [
        'dlq:replay',
        'executions:cancel',
        'executions:run',
        'inquiries:respond',
        'webhooks:send',
      ].sort(),
    );
  });

  it('editor adds writing definitions and secrets; only admin manages keys, roles and audit', () => {
    const added = PERMISSIONS.filter((p) => editor.can(p) && !operator.can(p));
    expect(added.sort()).toEqual(
      ['actions:write', 'rules:write', 'secrets:write', 'sensors:write', 'triggers:write'].sort(),
    );
    for (const p of ['keys:read', 'keys:write', 'roles:write', 'audit:read'] as const) {
      expect(editor.can(p)).toBe(false);
      expect(admin.can(p)).toBe(true);
    }
    expect(PERMISSIONS.every((p) => admin.can(p, 'any.ref'))).toBe(true);
  });

  it('scopes a grant to refs by glob', () => {
    const scoped = new Permissions([{ permission: 'executions:run', refs: 'demo.*' }]);
    expect(scoped.can('executions:run', 'demo.x')).toBe(true);
    expect(scoped.can('executions:run', 'demo.sub.y')).toBe(true);
    expect(scoped.can('executions:run', 'ops.y')).toBe(false);
    expect(scoped.can('executions:run', 'demox')).toBe(false);
    // Without a ref: held on some refs, so lists and coarse checks pass.
    expect(scoped.can('executions:run')).toBe(true);
    expect(scoped.can('executions:read')).toBe(false);
    expect(scoped.scope('executions:run')).toEqual(['demo.*']);
    expect(scoped.scope('executions:read')).toBe('none');
    expect(viewer.scope('executions:read')).toBe('all');
  });

  it('joins several grants of one permission', () => {
    const both = new Permissions([
      { permission: 'actions:read', refs: 'a.*' },
      { permission: 'actions:*', refs: 'b.?' },
    ]);
    expect(both.can('actions:read', 'a.long.name')).toBe(true);
    expect(both.can('actions:read', 'b.1')).toBe(true);
    expect(both.can('actions:read', 'b.12')).toBe(false);
    expect(both.can('actions:write', 'b.1')).toBe(true);
    expect(both.can('actions:write', 'a.x')).toBe(false);
    expect(both.list()).toEqual([
      { permission: 'actions:read', refs: ['a.*', 'b.?'] },
      { permission: 'actions:write', refs: ['b.?'] },
    ]);
  });

  it('expands patterns with * in the resource or the verb', () => {
    expect(permissionsOf('executions:*')).toEqual([
      'executions:read',
      'executions:run',
      'executions:cancel',
    ]);
    expect(permissionsOf('*:write')).toContain('secrets:write');
    expect(permissionsOf('*')).toEqual([...PERMISSIONS]);
    expect(permissionsOf('nope:read')).toEqual([]);
  });

  it('names what is wrong with grants', () => {
    expect(grantProblems([{ permission: 'executions:run', refs: 'demo.*' }])).toEqual([]);
    const problems = grantProblems([
      { permission: 'executions:fly' },
      { permission: 'keys:write', refs: 'demo.*' },
      { permission: 'rules:read', refs: 'bad glob!' },
    ]);
    expect(problems[0]).toMatch(/grants\[0\].permission 'executions:fly' is not a permission/);
    expect(problems[1]).toMatch(/grants\[1\] scopes keys:write to refs/);
    expect(problems[2]).toMatch(/grants\[2\].refs must be a glob/);
  });

  it('turns globs into anchored patterns, for matching and for SQL LIKE', () => {
    expect(globToRegExp('demo.*').test('demo.x')).toBe(true);
    expect(globToRegExp('demo.*').test('xdemo.x')).toBe(false);
    expect(globToRegExp('a.b').test('aXb')).toBe(false);
    expect(globToLike('demo.*')).toBe('demo.%');
    expect(globToLike('my_pack.?')).toBe('my\\_pack._');
  });
});
