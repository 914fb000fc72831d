/** What a revealed secret is replaced with wherever it would show. */
export const MASK = '***';

/**
 * Shorter values are not masked: replacing every "ab" in an output would wreck it, and a value
 * that short is guessable anyway. The secrets API refuses them.
 */
export const MIN_MASKED_LENGTH = 4;

/** `text` with every occurrence of each value replaced by ***. */
export function maskText(text: string, values: readonly string[]): string {
  let masked = text;
  for (const value of values) {
    if (value.length >= MIN_MASKED_LENGTH && masked.includes(value)) {
      masked = masked.split(value).join(MASK);
    }
  }
  return masked;
}

/** A copy of a JSON value with every string masked (keys too: a value can become a key). */
export function maskValues<T>(value: T, values: readonly string[]): T {
  if (values.length === 0) return value;
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return maskText(node, values);
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [maskText(key, values), walk(child)]),
      );
    }
    return node;
  };
  return walk(value) as T;
}

/**
 * Secret values revealed in this process right now (while actions that use them run), so the
 * logger can mask them in any line, whoever writes it. Counted: two executions may reveal the
 * same value.
 */
class RevealedSecrets {
  private readonly counts = new Map<string, number>();
  private list: string[] = [];

  get values(): readonly string[] {
    return this.list;
  }

  add(values: readonly string[]): void {
    if (values.length === 0) return;
    for (const value of values) this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.list = [...this.counts.keys()];
  }

  remove(values: readonly string[]): void {
    if (values.length === 0) return;
    for (const value of values) {
      const left = (this.counts.get(value) ?? 0) - 1;
      if (left > 0) this.counts.set(value, left);
      else this.counts.delete(value);
    }
    this.list = [...this.counts.keys()];
  }
}

export const revealedSecrets = new RevealedSecrets();
