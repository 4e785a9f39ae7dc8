/**
 * Pure MQTT authorization rules shared by the embedded broker (aedes hooks) and the Mosquitto dynsec role builder.
 *
 * - An agent may publish only to `fleetbench/v1/agents/{ownId}/{status|hardware|telemetry|events|results}` and
 *   subscribe only to `fleetbench/v1/agents/{ownId}/jobs`, literally (no wildcards).
 * - The hub may publish and subscribe anywhere under `fleetbench/v1/`, and subscribe through shared subscriptions
 *   `$share/{group}/{filter}` whose filter is itself under `fleetbench/v1/`.
 * - Everything else is refused (`$SYS`, `$CONTROL`, other roots, other agents' topics, bare `#`).
 */
import { AGENT_PUBLISH_CHANNELS, agentTopic, parseAgentTopic } from '@fleetbench/protocol';
import type { BrokerPrincipal } from './broker.types';

/** Every topic the hub may touch starts with this. */
export const HUB_TOPIC_PREFIX = 'fleetbench/v1/';

const SHARE_PREFIX = '$share/';

function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/** Syntactically valid MQTT topic filter: `#` only as the whole last level, `+` only as a whole level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}

/** Valid MQTT topic name for PUBLISH: non-empty, no wildcards, no NUL. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !hasWildcard(topic) && !topic.includes('\u0000');
}

function isUnderHubRoot(topicOrFilter: string): boolean {
  return topicOrFilter.startsWith(HUB_TOPIC_PREFIX) && topicOrFilter.length > HUB_TOPIC_PREFIX.length;
}

/** The exact topics an agent may publish to, in protocol order. Throws for an invalid agent id. */
export function agentPublishTopics(agentId: string): string[] {
  return AGENT_PUBLISH_CHANNELS.map((channel) => agentTopic(agentId, channel));
}

/** The only topic filter an agent may subscribe to. Throws for an invalid agent id. */
export function agentSubscribeTopic(agentId: string): string {
  return agentTopic(agentId, 'jobs');
}

export function canPublish(principal: BrokerPrincipal, topic: string): boolean {
  if (!isValidTopicName(topic)) return false;
  if (principal.kind === 'hub') return isUnderHubRoot(topic);
  const parsed = parseAgentTopic(topic);
  return (
    parsed !== null &&
    parsed.agentId === principal.agentId &&
    (AGENT_PUBLISH_CHANNELS as readonly string[]).includes(parsed.channel)
  );
}

export function canSubscribe(principal: BrokerPrincipal, filter: string): boolean {
  if (!isValidTopicFilter(filter)) return false;
  if (principal.kind === 'hub') {
    if (filter.startsWith(SHARE_PREFIX)) {
      // $share/{group}/{filter}: group is one non-empty level without wildcards.
      const rest = filter.slice(SHARE_PREFIX.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) return false;
      const group = rest.slice(0, slash);
      const inner = rest.slice(slash + 1);
      if (hasWildcard(group)) return false;
      return isValidTopicFilter(inner) && isUnderHubRoot(inner);
    }
    return isUnderHubRoot(filter);
  }
  if (hasWildcard(filter)) return false;
  const parsed = parseAgentTopic(filter);
  return parsed !== null && parsed.agentId === principal.agentId && parsed.channel === 'jobs';
}

/** Short description of a principal for logs. */
export function describePrincipal(principal: BrokerPrincipal): string {
  return principal.kind === 'hub' ? 'hub' : `agent:${principal.agentId}`;
}
