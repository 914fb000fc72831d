/** A flood of distinct keys (random refs) must not grow memory without bound. */
const MAX_ENTRIES = 10_000;

export interface RefreshingCacheOptions {
  /** Younger entries are served as they are. */
  freshMs: number;
  /**
   * Entries up to this age are served at once while a reload runs in the background; older
   * ones (and missing ones) are loaded before the answer. So nothing served is older than this,
   * and under steady traffic no lookup waits for the database.
   */
  maxStaleMs: number;
  now?: () => number;
}

/**
 * For definitions (triggers, rules, actions) read on every webhook or event: a change made
 * elsewhere is seen within 1 s, one made in this process at once (the writer invalidates).
 */
export const DEFINITION_FRESHNESS: RefreshingCacheOptions = { freshMs: 500, maxStaleMs: 1000 };

/**
 * A keyed cache in front of a slow lookup (definitions in PostgreSQL) for hot paths: every
 * webhook, every event. Lookups of one key share one load; `invalidate` (after a local write)
 * makes the next lookup load afresh, and a load that began before it is not kept.
 */
export class RefreshingCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: V }>();
  private readonly loading = new Map<K, Promise<V>>();
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly load: (key: K) => Promise<V>,
    private readonly options: RefreshingCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(key: K): Promise<V> {
    const entry = this.entries.get(key);
    const age = entry ? this.now() - entry.at : Infinity;
    if (entry && age < this.options.freshMs) return entry.value;
    if (entry && age < this.options.maxStaleMs) {
      // A failed background reload leaves the entry as it is; a later lookup tries again.
      this.reload(key).catch(() => undefined);
      return entry.value;
    }
    return this.reload(key);
  }

  /** Only a fresh value: waits for a load when the entry is older than `freshMs`. */
  async getFresh(key: K): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.at < this.options.freshMs) return entry.value;
    return this.reload(key);
  }

  /** The value if it is fresh, without loading or waiting (undefined otherwise). */
  peekFresh(key: K): V | undefined {
    const entry = this.entries.get(key);
    return entry && this.now() - entry.at < this.options.freshMs ? entry.value : undefined;
  }

  invalidate(key: K): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  private reload(key: K): Promise<V> {
    let pending = this.loading.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = this.load(key).then((value) => {
        if (generation === this.generation) {
          if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
          this.entries.set(key, { at: this.now(), value });
        }
        return value;
      });
      const settled = () => {
        if (this.loading.get(key) === pending) this.loading.delete(key);
      };
      pending.then(settled, settled);
      this.loading.set(key, pending);
    }
    return pending;
  }
}
