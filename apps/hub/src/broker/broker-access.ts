/**
 * Who may connect to the broker and what each principal may touch: the one decision used by every broker whose
 * checks the hub makes itself — the embedded aedes broker (its authenticate/authorize hooks) and EMQX (HTTP hooks
 * served by the hub, `controllers/broker-hook.controller.ts`). The topic rules are topic-acl.ts (also the source of
 * Mosquitto's dynsec roles).
 *
 * CONNECT, in this order:
 * 1. no username or no password → refused (`missing-credentials`);
 * 2. the hub's credential verifier (hashed agent passwords, hashSecret; unknown, revoked and deleted devices have none;
 *    the hub's own account) says no → refused (`bad-credentials`);
 * 3. an agent the broker knows as revoked → refused (`revoked`);
 * 4. an agent whose client id is not its agent id → refused (`identifier-rejected`).
 */
import type { BrokerCredentialVerifier, BrokerPrincipal } from './broker.types';
import { canPublish, canSubscribe } from './topic-acl';

export interface ConnectAttempt {
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  /** The client's address (limits failed attempts per address). */
  ip?: string;
}

export type ConnectRefusal = 'missing-credentials' | 'bad-credentials' | 'revoked' | 'identifier-rejected';

export type ConnectDecision =
  | { allowed: true; principal: BrokerPrincipal }
  | { allowed: false; refusal: ConnectRefusal; principal?: BrokerPrincipal };

/** Log message of each refusal (the same words for every broker). */
export const CONNECT_REFUSAL_MESSAGES: Record<ConnectRefusal, string> = {
  'missing-credentials': 'MQTT connect refused: no username or password',
  'bad-credentials': 'MQTT connect refused: bad username or password',
  revoked: 'MQTT connect refused: the device was revoked',
  'identifier-rejected': 'MQTT connect refused: an agent must use its agent id as client id',
};

/**
 * Decides a CONNECT. `isRevoked` is the broker's own knowledge of revoked agents, on top of the verifier's (which
 * already refuses them once the device row is revoked). Errors of the verifier or of `isRevoked` propagate: the
 * caller answers "server unavailable" (embedded broker) or an HTTP 500 (EMQX then falls back to deny).
 */
export async function decideConnect(
  attempt: ConnectAttempt,
  verifier: BrokerCredentialVerifier,
  isRevoked: (agentId: string) => boolean | Promise<boolean> = () => false,
): Promise<ConnectDecision> {
  const { clientId, username, password } = attempt;
  if (username === undefined || password === undefined) return { allowed: false, refusal: 'missing-credentials' };
  const principal = await verifier.verify(username, password, { ip: attempt.ip });
  if (!principal) return { allowed: false, refusal: 'bad-credentials' };
  if (principal.kind === 'agent' && (await isRevoked(principal.agentId)))
    return { allowed: false, refusal: 'revoked', principal };
  if (principal.kind === 'agent' && clientId !== principal.agentId)
    return { allowed: false, refusal: 'identifier-rejected', principal };
  return { allowed: true, principal };
}

export type TopicAction = 'publish' | 'subscribe';

/** May `principal` publish to this topic / subscribe to this filter (topic-acl.ts)? */
export function decideTopicAccess(principal: BrokerPrincipal, action: TopicAction, topic: string): boolean {
  return action === 'publish' ? canPublish(principal, topic) : canSubscribe(principal, topic);
}
