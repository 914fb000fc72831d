// The bench's report is plain JavaScript (it runs without a build): typed here by hand.
const { checks, tableRows } = require('../../bench/report') as {
  checks: (results: object[]) => Array<{ check: string; pass: boolean; value: string }>;
  tableRows: (results: object[]) => any[];
};

/** A fixed-rate run whose latencies are `ms` (each repeated to make 100 samples). */
function fixedRateRun(kind: 'baseline' | 'attune', round: number, ms: number[]) {
  const latencies = Array.from({ length: 100 }, (_, i) => ms[i % ms.length]);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    title: `${kind} @ 400/s #${round}`,
    run: `${kind === 'baseline' ? 'baseline' : 'allinone'}-rate-${round}`,
    kind,
    offered_rate: 400,
    processes: 1,
    executions: latencies.length,
    per_second: 400,
    latency: { p50: sorted[49], p99: sorted[98] },
    latencies_ms: latencies,
  };
}

describe('bench report: fixed-rate runs', () => {
  // One stall in one of three baseline runs: 2 samples in 100 at 200 ms.
  const stalled = [...Array.from({ length: 98 }, () => 5), 200, 200];
  const results = [
    fixedRateRun('baseline', 1, stalled),
    fixedRateRun('attune', 1, [10, 12, 14, 16, 30]),
    fixedRateRun('baseline', 2, [4, 5, 6]),
    fixedRateRun('attune', 2, [10, 12, 14, 16, 30]),
    fixedRateRun('baseline', 3, [4, 5, 6]),
    fixedRateRun('attune', 3, [10, 12, 14, 16, 30]),
  ];

  it('pools the runs of each program into one row with the percentiles of all their latencies', () => {
    const rows = tableRows(results);
    expect(rows.map((row) => [row.run, row.title, row.executions])).toEqual([
      ['baseline-rate', 'baseline @ 400/s (3 runs)', 300],
      ['allinone-rate', 'attune all-in-one @ 400/s (3 runs)', 300],
    ]);
    // Two slow samples in 300 are under the 1% tail: the stall no longer decides the p99.
    expect(rows[0].latency.p99).toBe(6);
    expect(rows[1].latency.p50).toBe(14);
    expect(rows[1].runs.map((run: any) => run.title)).toEqual([
      'attune @ 400/s #1',
      'attune @ 400/s #2',
      'attune @ 400/s #3',
    ]);
  });

  it('judges the p99 check on the pooled rows, not on one draw', () => {
    const verdict = checks(results).find((check) => check.check.startsWith('all-in-one p99'));
    // Pooled: 30 ms against 6 ms is 5×, although run 1 alone (30 vs 200 ms) would pass.
    expect(verdict).toMatchObject({ pass: false, value: '5.00x (30 vs 6 ms)' });
  });

  it('keeps peak runs as they are, beside the pooled fixed-rate rows', () => {
    const peak = { ...fixedRateRun('attune', 1, [50]), run: 'allinone', offered_rate: null };
    expect(tableRows([peak, ...results]).map((row) => row.run)).toEqual([
      'allinone',
      'baseline-rate',
      'allinone-rate',
    ]);
  });
});
