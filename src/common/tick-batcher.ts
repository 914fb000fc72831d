/**
 * Collects calls and runs them as one batch (at most `maxBatch` at a time), like a database's
 * group commit: when no batch is in flight, what arrived in this turn goes at the end of the
 * turn; while one is in flight, calls gather and go together when it returns. At low load
 * nothing waits for a timer, and under load batches grow by themselves, so one round trip and
 * one commit serve many handlers.
 *
 * Measured (npm run bench, fixed rate at half the peak): against a fixed 2 ms window this cut
 * the latency of each batched stage without costing throughput at the peak.
 */
export class TickBatcher<I, O> {
  private pending: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private inFlight = false;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.inFlight = true;
    this.runBatch(batch.map((entry) => entry.item))
      .then(
        (results) => batch.forEach((entry, i) => entry.resolve(results[i])),
        (error) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.inFlight = false;
        this.schedule();
      });
  }
}
