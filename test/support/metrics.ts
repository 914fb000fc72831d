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
