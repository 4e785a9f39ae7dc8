import { AGENT_CHANNELS, agentTopic, parseAgentTopic, topics, TOPIC_ROOT } from './topics';

describe('topics', () => {
  it('builds and parses every channel (round trip)', () => {
    for (const channel of AGENT_CHANNELS) {
      const topic = agentTopic('agent_01-AB', channel);
      expect(topic).toBe(`${TOPIC_ROOT}/agent_01-AB/${channel}`);
      expect(parseAgentTopic(topic)).toEqual({ agentId: 'agent_01-AB', channel });
      expect(topics[channel]('agent_01-AB')).toBe(topic);
    }
  });

  it('keeps the protocol version in the root', () => {
    expect(topics.status('abc')).toBe('fleetbench/v1/agents/abc/status');
    expect(topics.allAgents('results')).toBe('fleetbench/v1/agents/+/results');
    expect(topics.shared('hub', 'results')).toBe('$share/hub/fleetbench/v1/agents/+/results');
  });

  it.each(['agent/x', 'a+', '#', 'a+b', 'ab#', 'ab', '', 'a'.repeat(65), 'has space', 'é-agent'])(
    'refuses agent id %p when building',
    (id) => {
      expect(() => agentTopic(id, 'status')).toThrow();
    },
  );

  it.each([
    'fleetbench/v1/agents/+/status',
    'fleetbench/v1/agents/#',
    'fleetbench/v1/agents/abc/#',
    'fleetbench/v1/agents/abc/+',
    'fleetbench/v2/agents/abc/status',
    'fleetbench/v1/agents/abc/unknown',
    'fleetbench/v1/agents/abc/status/extra',
    'fleetbench/v1/agents/abc',
    '/fleetbench/v1/agents/abc/status',
    'other/v1/agents/abc/status',
    '$share/hub/fleetbench/v1/agents/abc/results',
    '',
  ])('parseAgentTopic rejects %p', (topic) => {
    expect(parseAgentTopic(topic)).toBeNull();
  });
});
