import { TickBatcher } from '../../src/common/tick-batcher';

/** A batch runner whose batches finish only when the test says so. */
function controlledRunner() {
  const batches: Array<{ items: number[]; finish: () => void; fail: (e: Error) => void }> = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        items,
        finish: () => resolve(items.map((i) => `done ${i}`)),
        fail: reject,
      });
    });
  return { batches, run };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** A finished batch lets the next one go a turn or two later (its promise callbacks first). */
const settle = async () => {
  for (let turn = 0; turn < 3; turn++) await nextTurn();
};

describe('TickBatcher', () => {
  it('runs the calls of one turn as one batch and answers each caller with its own result', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new TickBatcher(run);
    const answers = [1, 2, 3].map((i) => batcher.add(i));
    await nextTurn();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    batches[0].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['done 1', 'done 2', 'done 3']);
  });

  it('gathers calls made while a batch is in flight and sends them together when it returns', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new TickBatcher(run);
    const first = batcher.add(1);
    await nextTurn();
    const later = [batcher.add(2), batcher.add(3)];
    await nextTurn();
    const more = batcher.add(4);
    await nextTurn();
    expect(batches.map((b) => b.items)).toEqual([[1]]); // nothing runs beside it

    batches[0].finish();
    await first;
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1].finish();
    await expect(Promise.all([...later, more])).resolves.toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('splits what waits into batches of at most maxBatch', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new TickBatcher(run, 2);
    const answers = [1, 2, 3, 4, 5].map((i) => batcher.add(i));
    await nextTurn();
    batches[0].finish();
    await settle();
    batches[1].finish();
    await settle();
    batches[2].finish();
    await Promise.all(answers);
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects the callers of a failed batch and goes on with the next one', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new TickBatcher(run);
    const doomed = [batcher.add(1), batcher.add(2)];
    await nextTurn();
    const after = batcher.add(3);
    batches[0].fail(new Error('connection lost'));
    for (const answer of doomed) await expect(answer).rejects.toThrow('connection lost');
    await settle();
    batches[1].finish();
    await expect(after).resolves.toBe('done 3');
  });
});
