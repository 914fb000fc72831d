import { spawn } from 'node:child_process';

/** One sample of a Prometheus metric from an Attune process's /metrics text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}) {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (wanted.every((pair) => rest.includes(pair))) return Number(line.split(' ').pop());
  }
  return undefined;
}

/** The sample lines of a /metrics text (one per series), without comments and blank lines. */
export function seriesOf(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * `promtool check metrics` on a /metrics text: its verdict and complaints. Fails when promtool is
 * missing (Debian's `prometheus` package has it; .ci/run installs it) rather than passing unseen.
 */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) =>
      reject(
        new Error(`promtool could not run (install Debian's prometheus package): ${error.message}`),
      ),
    );
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
