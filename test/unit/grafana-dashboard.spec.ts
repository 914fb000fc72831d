import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MetricsService } from '../../src/metrics/metrics.service';

const DASHBOARD = join(__dirname, '..', '..', 'docs', 'grafana', 'attune.json');

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

/** The shipped Grafana dashboard: importable, and every query valid and about a metric we serve. */
describe('docs/grafana/attune.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    __inputs: Array<{ name: string; pluginId: string }>;
    schemaVersion: number;
    panels: Panel[];
  };
  const queries = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
  );

  it('asks for a Prometheus data source on import', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }),
    ]);
    expect(dashboard.schemaVersion).toBeGreaterThan(30);
    expect(queries.length).toBeGreaterThan(10);
  });

  it('queries only metrics the processes serve', async () => {
    const served = new Set(
      (await new MetricsService().registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const used = queries.flatMap(({ expr }) => expr.match(/attune_[a-z_]+/g) ?? []);
    const unknown = used.filter((name) => !served.has(name.replace(/_bucket$/, '')));
    expect(unknown).toEqual([]);
  });

  it('holds PromQL that promtool accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-dashboard-'));
    try {
      // As recording rules, which `promtool check rules` parses (Grafana's interval made concrete).
      const rules = queries.map(
        ({ expr }, i) =>
          `      - record: attune:dashboard_query_${i}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '5m'))}`,
      );
      const file = join(dir, 'rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', file]);
      expect(stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
