import { KeyedSerialQueue } from './keyed-serial-queue';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key in order, each after the previous settled, even when one fails', async () => {
    const q = new KeyedSerialQueue();
    const log: string[] = [];
    let release!: () => void;
    const first = q.run('a', () => new Promise<void>((r) => (release = r)).then(() => log.push('a1')));
    const second = q.run('a', async () => {
      log.push('a2');
      throw new Error('boom');
    });
    const third = q.run('a', async () => log.push('a3'));
    const other = q.run('b', async () => log.push('b1'));
    await other;
    expect(log).toEqual(['b1']); // another key does not wait for a
    release();
    await first;
    await expect(second).rejects.toThrow('boom');
    await third;
    expect(log).toEqual(['b1', 'a1', 'a2', 'a3']);
  });

  it('forgets a key once its tasks have settled', async () => {
    const q = new KeyedSerialQueue();
    const done = q.run('a', async () => 1);
    expect(q.pendingKeys).toBe(1);
    await expect(done).resolves.toBe(1);
    await tick();
    expect(q.pendingKeys).toBe(0);
  });
});
