import type { BrokerPrincipal } from './broker.types';
import { agentPublishTopics, agentSubscribeTopic, canPublish, canSubscribe, isValidTopicFilter } from './topic-acl';

const A: BrokerPrincipal = { kind: 'agent', agentId: 'agent-a' };
const HUB: BrokerPrincipal = { kind: 'hub' };
const root = 'fleetbench/v1/agents';

describe('topic-acl: agent publish', () => {
  it.each(['status', 'hardware', 'telemetry', 'events', 'results'])('allows its own %s topic', (channel) => {
    expect(canPublish(A, `${root}/agent-a/${channel}`)).toBe(true);
  });

  it.each([
    [`${root}/agent-a/jobs`, 'its own jobs topic (hub to agent only)'],
    [`${root}/agent-b/status`, "another agent's status"],
    [`${root}/agent-b/results`, "another agent's results"],
    [`${root}/agent-a/unknown`, 'an unknown channel'],
    [`${root}/agent-a/status/extra`, 'a deeper level'],
    [`${root}/agent-a`, 'a shallower level'],
    [`${root}/+/status`, 'a + wildcard in place of the id'],
    [`${root}/agent-a/#`, 'a # wildcard'],
    [`${root}/agent-a/+`, 'a + wildcard channel'],
    ['#', 'bare #'],
    ['$SYS/broker/clients', '$SYS'],
    ['$CONTROL/dynamic-security/v1', '$CONTROL'],
    ['$share/g/fleetbench/v1/agents/agent-a/status', 'a $share topic'],
    ['fleetbench/v2/agents/agent-a/status', 'another protocol major'],
    ['/fleetbench/v1/agents/agent-a/status', 'a leading slash'],
    ['fleetbench/v1/agents/agent-a/status/', 'a trailing slash'],
    ['', 'an empty topic'],
    ['other/topic', 'an unrelated root'],
  ])('refuses %s (%s)', (topic) => {
    expect(canPublish(A, topic)).toBe(false);
  });

  it('does not let an agent whose id is a prefix of another id publish for it', () => {
    expect(canPublish({ kind: 'agent', agentId: 'agent' }, `${root}/agent-a/status`)).toBe(false);
  });
});

describe('topic-acl: agent subscribe', () => {
  it('allows exactly its own jobs topic', () => {
    expect(canSubscribe(A, `${root}/agent-a/jobs`)).toBe(true);
  });

  it.each([
    `${root}/agent-b/jobs`,
    `${root}/+/jobs`,
    `${root}/agent-a/+`,
    `${root}/agent-a/#`,
    `${root}/#`,
    'fleetbench/#',
    '#',
    '+/v1/agents/agent-a/jobs',
    `${root}/agent-a/status`,
    `${root}/agent-a/results`,
    '$SYS/#',
    '$share/g/fleetbench/v1/agents/agent-a/jobs',
    '$CONTROL/dynamic-security/#',
    `${root}/agent-a/jobs/#`,
    `${root}/agent-a/jobs#`,
    '',
  ])('refuses %s', (filter) => {
    expect(canSubscribe(A, filter)).toBe(false);
  });
});

describe('topic-acl: hub', () => {
  it.each([`${root}/agent-a/jobs`, `${root}/agent-b/jobs`, 'fleetbench/v1/anything/else'])(
    'publishes to %s',
    (topic) => {
      expect(canPublish(HUB, topic)).toBe(true);
    },
  );

  it.each(['$SYS/x', 'fleetbench/v2/x', 'fleetbench/v1/', 'other', `${root}/+/jobs`, '#', '$share/g/fleetbench/v1/x'])(
    'may not publish to %s',
    (topic) => {
      expect(canPublish(HUB, topic)).toBe(false);
    },
  );

  it.each([
    `${root}/+/status`,
    `${root}/+/results`,
    'fleetbench/v1/#',
    `${root}/agent-a/status`,
    '$share/fleetbench-hub/fleetbench/v1/agents/+/results',
    '$share/g/fleetbench/v1/#',
  ])('subscribes to %s', (filter) => {
    expect(canSubscribe(HUB, filter)).toBe(true);
  });

  it.each([
    '#',
    'fleetbench/#',
    'fleetbench/+/agents/+/status',
    '$SYS/#',
    '$share/g/#',
    '$share/g/$SYS/#',
    '$share/+/fleetbench/v1/#',
    '$share//fleetbench/v1/#',
    '$share/g',
    '$CONTROL/dynamic-security/#',
    'fleetbench/v1/#/x',
    'fleetbench/v1/a+/x',
  ])('may not subscribe to %s', (filter) => {
    expect(canSubscribe(HUB, filter)).toBe(false);
  });
});

describe('topic-acl helpers', () => {
  it('lists the five publish topics and the jobs topic of an agent', () => {
    expect(agentPublishTopics('agent-a')).toEqual([
      `${root}/agent-a/status`,
      `${root}/agent-a/hardware`,
      `${root}/agent-a/telemetry`,
      `${root}/agent-a/events`,
      `${root}/agent-a/results`,
    ]);
    expect(agentSubscribeTopic('agent-a')).toBe(`${root}/agent-a/jobs`);
  });

  it('rejects agent ids that could smuggle wildcards into topics', () => {
    expect(() => agentPublishTopics('a/#')).toThrow();
    expect(() => agentSubscribeTopic('+')).toThrow();
  });

  it('validates filters', () => {
    expect(isValidTopicFilter('a/+/b/#')).toBe(true);
    expect(isValidTopicFilter('a/#/b')).toBe(false);
    expect(isValidTopicFilter('a+/b')).toBe(false);
  });
});
