import { can, type Me } from '../../web/src/permissions';
import { ApiError, problemsByField } from '../../web/src/problems';

// The console's two pure decisions: what to offer a key, and where to show the API's problems.
describe('console: what a key is offered', () => {
  const me = (permissions: Me['permissions']): Me => ({ key: 'ci', role: 'custom', permissions });

  it('offers a permission held on any ref, and on a ref only where a glob matches', () => {
    const deployer = me([
      { permission: 'executions:read', refs: ['*'] },
      { permission: 'executions:run', refs: ['deploy.*'] },
    ]);
    expect(can(deployer, 'executions:run')).toBe(true);
    expect(can(deployer, 'executions:run', 'deploy.web')).toBe(true);
    expect(can(deployer, 'executions:run', 'core.shell')).toBe(false);
    expect(can(deployer, 'executions:cancel')).toBe(false);
    expect(can(undefined, 'executions:read')).toBe(false);
  });

  it('reads globs literally apart from * and ?', () => {
    const dotted = me([{ permission: 'rules:write', refs: ['a.b?'] }]);
    expect(can(dotted, 'rules:write', 'a.bc')).toBe(true);
    expect(can(dotted, 'rules:write', 'aXbc')).toBe(false);
  });
});

describe('console: the API problems beside their fields', () => {
  const refused = (message: string, details?: string[]) =>
    new ApiError(400, { statusCode: 400, error: 'Bad Request', message, details });

  it('gives each problem to the longest field that starts it, the rest to the form', () => {
    const error = refused('3 problems', [
      'response.replicas must be integer',
      "response must have required property 'approve'",
      'something else entirely',
    ]);
    expect(problemsByField(error, ['response', 'response.approve', 'response.replicas'])).toEqual({
      'response.replicas': ['response.replicas must be integer'],
      'response.approve': ["response must have required property 'approve'"],
      '': ['something else entirely'],
    });
  });

  it('uses the message when there are no details', () => {
    expect(
      problemsByField(refused('ref must look like pack.name'), ['ref', 'description']),
    ).toEqual({ ref: ['ref must look like pack.name'] });
  });
});
