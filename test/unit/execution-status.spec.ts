import {
  canTransition,
  classifyTransition,
  EXECUTION_STATUSES,
  ExecutionStatus,
  IllegalTransitionError,
  isTerminal,
  sourcesOf,
  TERMINAL_STATUSES,
} from '../../src/domain/execution-status';

// Written out by hand (not derived from the module) so that a change to the table in the module
// fails here. Columns are in this order; A = apply, n = noop, . = illegal.
const COLUMNS: ExecutionStatus[] = [
  'requested',
  'delayed',
  'scheduled',
  'running',
  'paused',
  'succeeded',
  'failed',
  'timeout',
  'canceled',
  'abandoned',
];

// prettier-ignore
const MATRIX: Record<ExecutionStatus, string> = {
  //          req del sch run pau suc fai tim can aba
  requested: 'n   A   A   A   .   .   A   .   A   .',
  delayed:   '.   n   A   .   .   .   A   .   A   .',
  scheduled: 'A   .   n   A   .   .   A   .   A   A',
  running:   'A   .   .   n   A   A   A   A   A   A',
  paused:    '.   .   .   A   n   A   A   A   A   A',
  succeeded: '.   .   .   .   .   n   .   .   .   .',
  failed:    '.   .   .   .   .   .   n   .   .   .',
  timeout:   '.   .   .   .   .   .   .   n   .   .',
  canceled:  '.   .   .   .   .   .   .   .   n   .',
  abandoned: '.   .   .   .   .   .   .   .   .   n',
};

const OUTCOME = { A: 'apply', n: 'noop', '.': 'illegal' } as const;

function expected(from: ExecutionStatus, to: ExecutionStatus): 'apply' | 'noop' | 'illegal' {
  const cells = MATRIX[from].trim().split(/\s+/);
  return OUTCOME[cells[COLUMNS.indexOf(to)] as keyof typeof OUTCOME];
}

const PAIRS: [ExecutionStatus, ExecutionStatus, 'apply' | 'noop' | 'illegal'][] = COLUMNS.flatMap(
  (from) =>
    COLUMNS.map((to): [ExecutionStatus, ExecutionStatus, 'apply' | 'noop' | 'illegal'] => [
      from,
      to,
      expected(from, to),
    ]),
);

describe('execution status state machine', () => {
  it('the expected matrix is well-formed', () => {
    expect(PAIRS).toHaveLength(100);
    for (const row of Object.values(MATRIX)) expect(row.trim().split(/\s+/)).toHaveLength(10);
    expect([...EXECUTION_STATUSES]).toEqual(COLUMNS);
  });

  describe.each(PAIRS)('%s -> %s', (from, to, outcome) => {
    it(`classifies as ${outcome}`, () => {
      expect(classifyTransition(from, to)).toBe(outcome);
    });

    it(`canTransition is ${outcome === 'apply'}`, () => {
      expect(canTransition(from, to)).toBe(outcome === 'apply');
    });
  });

  const EXPECTED_SOURCES: Record<ExecutionStatus, ExecutionStatus[]> = {
    requested: ['scheduled', 'running'],
    delayed: ['requested'],
    scheduled: ['requested', 'delayed'],
    running: ['requested', 'scheduled', 'paused'],
    paused: ['running'],
    succeeded: ['running', 'paused'],
    failed: ['requested', 'delayed', 'scheduled', 'running', 'paused'],
    timeout: ['running', 'paused'],
    canceled: ['requested', 'delayed', 'scheduled', 'running', 'paused'],
    abandoned: ['scheduled', 'running', 'paused'],
  };

  it.each(COLUMNS)('sourcesOf(%s)', (to) => {
    expect([...sourcesOf(to)].sort()).toEqual([...EXPECTED_SOURCES[to]].sort());
  });

  it('sourcesOf agrees with the matrix', () => {
    for (const to of COLUMNS) {
      const fromMatrix = COLUMNS.filter((from) => expected(from, to) === 'apply');
      expect(sourcesOf(to)).toEqual(fromMatrix);
    }
  });

  it('sourcesOf returns a copy that callers cannot use to corrupt the table', () => {
    const sources = sourcesOf('running');
    sources.push('succeeded');
    sources.length = 0;
    expect(sourcesOf('running')).toEqual(['requested', 'scheduled', 'paused']);
    expect(canTransition('succeeded', 'running')).toBe(false);
  });

  describe('terminal statuses', () => {
    it('are exactly succeeded, failed, timeout, canceled and abandoned', () => {
      expect([...TERMINAL_STATUSES].sort()).toEqual(
        ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].sort(),
      );
    });

    it.each(COLUMNS)('isTerminal(%s)', (status) => {
      expect(isTerminal(status)).toBe(
        ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'].includes(status),
      );
    });

    it.each([...TERMINAL_STATUSES])('%s has no exits', (status) => {
      for (const to of COLUMNS) expect(canTransition(status, to)).toBe(false);
    });

    it('a late or duplicate status message cannot move a finished execution', () => {
      expect(classifyTransition('succeeded', 'running')).toBe('illegal');
      expect(classifyTransition('canceled', 'succeeded')).toBe('illegal');
      expect(classifyTransition('succeeded', 'succeeded')).toBe('noop');
    });
  });

  describe('IllegalTransitionError', () => {
    it('carries from, to and the execution id', () => {
      const err = new IllegalTransitionError('succeeded', 'running', 'exec-1');
      expect(err).toBeInstanceOf(Error);
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect(err.name).toBe('IllegalTransitionError');
      expect(err.from).toBe('succeeded');
      expect(err.to).toBe('running');
      expect(err.executionId).toBe('exec-1');
      expect(err.message).toBe(
        'illegal execution status transition succeeded -> running for execution exec-1',
      );
    });

    it('works without an execution id', () => {
      const err = new IllegalTransitionError('failed', 'paused');
      expect(err.executionId).toBeUndefined();
      expect(err.message).toBe('illegal execution status transition failed -> paused');
    });
  });
});
