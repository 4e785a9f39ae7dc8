import { AgentIdSchema } from './version';

export const TOPIC_ROOT = 'fleetbench/v1/agents';

export const AGENT_CHANNELS = ['status', 'hardware', 'telemetry', 'jobs', 'events', 'results'] as const;
export type AgentChannel = (typeof AGENT_CHANNELS)[number];

/** Channels an agent publishes on; `jobs` is the only one it subscribes to. */
export const AGENT_PUBLISH_CHANNELS: readonly AgentChannel[] = ['status', 'hardware', 'telemetry', 'events', 'results'];

export function agentTopic(agentId: string, channel: AgentChannel): string {
  AgentIdSchema.parse(agentId);
  return `${TOPIC_ROOT}/${agentId}/${channel}`;
}

export const topics = {
  status: (agentId: string) => agentTopic(agentId, 'status'),
  hardware: (agentId: string) => agentTopic(agentId, 'hardware'),
  telemetry: (agentId: string) => agentTopic(agentId, 'telemetry'),
  jobs: (agentId: string) => agentTopic(agentId, 'jobs'),
  events: (agentId: string) => agentTopic(agentId, 'events'),
  results: (agentId: string) => agentTopic(agentId, 'results'),
  /** Wildcard the hub subscribes to for one agent channel across the fleet. */
  allAgents: (channel: AgentChannel) => `${TOPIC_ROOT}/+/${channel}`,
  /** Shared subscription so several hub replicas split the load on an external broker. */
  shared: (group: string, channel: AgentChannel) => `$share/${group}/${TOPIC_ROOT}/+/${channel}`,
};

export interface ParsedTopic {
  agentId: string;
  channel: AgentChannel;
}

/** Parses `fleetbench/v1/agents/{id}/{channel}`; returns null for anything else. */
export function parseAgentTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}/${parts[2]}` !== TOPIC_ROOT) return null;
  const [, , , agentId, channel] = parts;
  if (!AgentIdSchema.safeParse(agentId).success) return null;
  if (!(AGENT_CHANNELS as readonly string[]).includes(channel)) return null;
  return { agentId, channel: channel as AgentChannel };
}
