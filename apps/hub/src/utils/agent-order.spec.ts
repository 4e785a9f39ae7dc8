import { AgentChains, OrderedBatcher } from './agent-order';

const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

describe('OrderedBatcher', () => {
  it('writes at most `inFlight` batches at once; what arrives meanwhile goes together in the next one', async () => {
    const written: string[][] = [];
    const releases: (() => void)[] = [];
    const batcher = new OrderedBatcher<string>(new AgentChains(), {
      collectMs: 5,
      max: 100,
      inFlight: 1,
      store: async (items) => {
        written.push(items);
        await new Promise<void>((r) => releases.push(r));
      },
      onError: () => undefined,
    });
    const first = batcher.enqueue('a1', 'a1-1');
    await tick();
    expect(written).toEqual([['a1-1']]);
    // Two more agents while the first batch is written: collected, not written until it ends.
    const rest = [batcher.enqueue('a2', 'a2-1'), batcher.enqueue('a3', 'a3-1')];
    await tick();
    expect(written).toHaveLength(1);
    releases.shift()!();
    await first;
    await tick(1);
    expect(written).toEqual([['a1-1'], ['a2-1', 'a3-1']]);
    releases.shift()!();
    await Promise.all(rest);
  });

  it("keeps an agent's items behind its earlier message and rejects a failed batch's items together", async () => {
    const chains = new AgentChains();
    let releaseEarlier!: () => void;
    chains.setTail('a1', new Promise<void>((r) => (releaseEarlier = r)));
    const written: string[][] = [];
    const errors: unknown[] = [];
    const batcher = new OrderedBatcher<string>(chains, {
      collectMs: 5,
      max: 100,
      store: async (items) => {
        written.push(items);
        if (items.includes('fail')) throw new Error('database down');
      },
      onError: (err) => errors.push(err),
    });
    const waiting = [batcher.enqueue('a1', 'a1-1'), batcher.enqueue('a1', 'a1-2')];
    const other = batcher.enqueue('a2', 'a2-1');
    await other;
    expect(written).toEqual([['a2-1']]);
    releaseEarlier();
    await Promise.all(waiting);
    expect(written).toEqual([['a2-1'], ['a1-1', 'a1-2']]);
    const failed = [batcher.enqueue('a3', 'fail'), batcher.enqueue('a4', 'x')];
    for (const p of failed) await expect(p).rejects.toThrow('database down');
    expect(errors).toHaveLength(1);
  });
});
