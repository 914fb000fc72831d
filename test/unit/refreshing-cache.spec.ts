import { RefreshingCache } from '../../src/common/refreshing-cache';

/** A lookup whose loads finish only when the test says so, on a clock the test moves. */
function harness() {
  let now = 0;
  const loads: Array<{ key: string; resolve: (v: string) => void; reject: (e: Error) => void }> =
    [];
  const cache = new RefreshingCache(
    (key: string) => new Promise<string>((resolve, reject) => loads.push({ key, resolve, reject })),
    { freshMs: 500, maxStaleMs: 1000, now: () => now },
  );
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    cache,
    loads,
    settle,
    advance: (ms: number) => (now += ms),
    /** Looks `key` up with its load answered `value`. */
    async prime(key: string, value: string) {
      const answer = cache.get(key);
      loads[loads.length - 1].resolve(value);
      return answer;
    },
  };
}

describe('RefreshingCache', () => {
  it('loads a key once and serves it while fresh', async () => {
    const h = harness();
    await expect(h.prime('a', 'v1')).resolves.toBe('v1');
    h.advance(499);
    await expect(h.cache.get('a')).resolves.toBe('v1');
    expect(h.loads).toHaveLength(1);
  });

  it('shares one load between lookups of a missing key', async () => {
    const h = harness();
    const answers = [h.cache.get('a'), h.cache.get('a'), h.cache.get('a')];
    expect(h.loads).toHaveLength(1);
    h.loads[0].resolve('v1');
    await expect(Promise.all(answers)).resolves.toEqual(['v1', 'v1', 'v1']);
  });

  it('serves a stale entry at once and reloads it in the background', async () => {
    const h = harness();
    await h.prime('a', 'v1');
    h.advance(700);
    await expect(h.cache.get('a')).resolves.toBe('v1'); // no wait for the reload
    await expect(h.cache.get('a')).resolves.toBe('v1'); // nor a second reload
    expect(h.loads).toHaveLength(2);
    h.loads[1].resolve('v2');
    await h.settle();
    await expect(h.cache.get('a')).resolves.toBe('v2');
    expect(h.loads).toHaveLength(2);
  });

  it('waits for the load when the entry is older than maxStaleMs', async () => {
    const h = harness();
    await h.prime('a', 'v1');
    h.advance(1000);
    let answered: string | undefined;
    const answer = h.cache.get('a').then((v) => (answered = v));
    await h.settle();
    expect(answered).toBeUndefined();
    h.loads[1].resolve('v2');
    await answer;
    expect(answered).toBe('v2');
  });

  it('getFresh serves a fresh entry and waits for a load for a stale one', async () => {
    const h = harness();
    await h.prime('a', 'v1');
    await expect(h.cache.getFresh('a')).resolves.toBe('v1');
    h.advance(600);
    const fresh = h.cache.getFresh('a');
    expect(h.loads).toHaveLength(2);
    h.loads[1].resolve('v2');
    await expect(fresh).resolves.toBe('v2');
  });

  it('keeps the entry when a background reload fails, and tries again later', async () => {
    const h = harness();
    await h.prime('a', 'v1');
    h.advance(600);
    await expect(h.cache.get('a')).resolves.toBe('v1');
    h.loads[1].reject(new Error('database away'));
    await h.settle();
    await expect(h.cache.get('a')).resolves.toBe('v1');
    expect(h.loads).toHaveLength(3);
  });

  it('fails a lookup that has nothing to serve when its load fails', async () => {
    const h = harness();
    const answer = h.cache.get('a');
    h.loads[0].reject(new Error('database away'));
    await expect(answer).rejects.toThrow('database away');
    h.cache.get('a').catch(() => undefined);
    expect(h.loads).toHaveLength(2); // not cached
  });

  it('loads afresh after invalidate, and drops a load that began before it', async () => {
    const h = harness();
    await h.prime('a', 'v1');
    h.advance(600);
    await h.cache.get('a'); // background reload (loads[1]) begins
    h.cache.invalidate('a');
    const fresh = h.cache.get('a');
    expect(h.loads).toHaveLength(3);
    h.loads[1].resolve('from before the write');
    h.loads[2].resolve('v2');
    await expect(fresh).resolves.toBe('v2');
    await h.settle();
    await expect(h.cache.get('a')).resolves.toBe('v2');
  });
});
