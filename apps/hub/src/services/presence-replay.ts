import type { AgentChannel } from '@fleetbench/protocol';

/** Retained channels whose repeats carry nothing new. */
const PRESENCE_CHANNELS: ReadonlySet<AgentChannel> = new Set(['status', 'hardware']);

/**
 * The last `status` and `hardware` payload this hub process applied per agent, byte for byte. Each is retained, so
 * the broker hands the hub every one of them again whenever the hub's subscriptions are renewed (every reconnect,
 * e.g. after a broker restart: 5,000 agents = 10,000 replays on top of their fresh birth messages). A replay of the
 * payload just applied repeats a fact the database already holds, so ingest skips it. A fresh message differs (a new
 * `ts`); after a hub restart the memory is empty and everything is applied once.
 */
export class PresenceReplayFilter {
  private readonly applied = new Map<string, Buffer>();

  /** Whether `payload` is exactly what was last applied for this agent and channel. */
  isReplay(agentId: string, channel: AgentChannel, payload: Buffer | string): boolean {
    if (!PRESENCE_CHANNELS.has(channel)) return false;
    const last = this.applied.get(`${channel}:${agentId}`);
    return last !== undefined && last.equals(Buffer.from(payload));
  }

  /** Records a payload once it has been applied (a failed one is not recorded, so its redelivery is applied). */
  remember(agentId: string, channel: AgentChannel, payload: Buffer | string): void {
    if (PRESENCE_CHANNELS.has(channel)) this.applied.set(`${channel}:${agentId}`, Buffer.from(payload));
  }
}
