/**
 * Per agent, the promise its next message waits for: an agent's messages are applied in arrival order, while the
 * messages of different agents go together in batches. Each message in hand (one at a time, or in a batch) leaves a
 * `settled` promise (never rejecting) as the agent's tail.
 */
export class AgentChains {
  private readonly tails = new Map<string, Promise<void>>();

  /** What the agent's next message waits for; undefined when nothing of the agent is in hand. */
  tail(agentId: string): Promise<void> | undefined {
    return this.tails.get(agentId);
  }

  /** The agent's last message in hand settles with `settled`; its next message waits for that. */
  setTail(agentId: string, settled: Promise<void>): void {
    this.tails.set(agentId, settled);
    void settled.finally(() => {
      if (this.tails.get(agentId) === settled) this.tails.delete(agentId);
    });
  }
}

interface Batch<T> {
  items: T[];
  /** Settles when the batch is stored (rejects when that failed); `settled` never rejects (per-agent chains). */
  done: Promise<void>;
  settled: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout | null;
  /** Its time is up, but as many batches as allowed are being written: it goes when one of them ends. */
  due: boolean;
}

/** Items of one agent that wait for its earlier message, then join one batch together. */
interface Group<T> {
  items: T[];
  done: Promise<void>;
  settled: Promise<void>;
}

export interface OrderedBatcherOptions<T> {
  /** How long items are collected before a batch is written. */
  collectMs: number;
  /** A batch this large is written at once (when a slot is free; else it keeps collecting until one is). */
  max: number;
  /** Batches written at once; what arrives meanwhile collects into the next one (default: no limit). */
  inFlight?: number;
  store: (items: T[]) => Promise<void>;
  onError: (err: unknown, items: T[]) => void;
}

/**
 * Collects items of many agents into batches while keeping each agent's messages in order with its other messages
 * (shared {@link AgentChains}): an item joins the batch being collected when the agent's previous message is in that
 * same batch (or it has none in hand); otherwise it waits for that message, together with the agent's other items
 * that arrive meanwhile, and then they join the batch being collected. A batch's items resolve (or reject) together,
 * once `store` has finished.
 */
export class OrderedBatcher<T> {
  private collecting: Batch<T> | null = null;
  private readonly waiting = new Map<string, Group<T>>();
  private writing = 0;

  constructor(
    private readonly chains: AgentChains,
    private readonly opts: OrderedBatcherOptions<T>,
  ) {}

  enqueue(agentId: string, item: T): Promise<void> {
    const prev = this.chains.tail(agentId);
    const waiting = this.waiting.get(agentId);
    if (!prev || (this.collecting && prev === this.collecting.settled)) {
      const batch = this.collect([item]);
      this.chains.setTail(agentId, batch.settled);
      return batch.done;
    }
    if (waiting && prev === waiting.settled) {
      waiting.items.push(item);
      return waiting.done;
    }
    const group: Group<T> = { items: [item], done: Promise.resolve(), settled: Promise.resolve() };
    group.done = prev.then(() => {
      if (this.waiting.get(agentId) === group) this.waiting.delete(agentId);
      const batch = this.collect(group.items);
      // Nothing of the agent came after these: its next items may join this batch directly.
      if (this.chains.tail(agentId) === group.settled) this.chains.setTail(agentId, batch.settled);
      return batch.done;
    });
    group.settled = group.done.catch(() => undefined);
    this.waiting.set(agentId, group);
    this.chains.setTail(agentId, group.settled);
    return group.done;
  }

  private collect(items: T[]): Batch<T> {
    let batch = this.collecting;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      const b: Batch<T> = {
        items: [],
        done,
        settled: done.catch(() => undefined),
        resolve,
        reject,
        timer: null,
        due: false,
      };
      b.timer = setTimeout(() => this.due(b), this.opts.collectMs);
      this.collecting = batch = b;
    }
    batch.items.push(...items);
    if (batch.items.length >= this.opts.max) this.due(batch);
    return batch;
  }

  private due(batch: Batch<T>): void {
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = null;
    batch.due = true;
    if (this.writing < (this.opts.inFlight ?? Infinity)) this.flush(batch);
  }

  private flush(batch: Batch<T>): void {
    if (this.collecting === batch) this.collecting = null;
    this.writing++;
    this.opts
      .store(batch.items)
      .then(batch.resolve, (err: unknown) => {
        this.opts.onError(err, batch.items);
        batch.reject(err);
      })
      .finally(() => {
        this.writing--;
        // What collected while this batch was written and whose time is up goes now.
        const next = this.collecting;
        if (next?.due) this.flush(next);
      });
  }
}
