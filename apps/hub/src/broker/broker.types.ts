/**
 * Seams between the hub's services and whichever MQTT broker is in use (embedded aedes or external Mosquitto).
 * Implementations live beside this file; hub services depend only on these interfaces.
 */

/** Who is connecting to the embedded broker, as decided by the hub's credential store. */
export type BrokerPrincipal = { kind: 'hub' } | { kind: 'agent'; agentId: string };

/** Checks MQTT credentials against the hub's database (hashed secrets). Returns null when they are wrong. */
export interface BrokerCredentialVerifier {
  /** `source.ip`: the client's address, for the hub's limit on failed attempts. */
  verify(username: string, password: string, source?: { ip?: string }): Promise<BrokerPrincipal | null>;
}

/** Keeps the broker's own credential store in step with enrolled agents (a no-op for the embedded broker, which
 *  asks the verifier on every connect; dynsec commands for Mosquitto). */
export interface BrokerAuthority {
  provisionAgent(agentId: string, password: string): Promise<void>;
  revokeAgent(agentId: string): Promise<void>;
}

export interface EmbeddedBrokerHandle {
  /** Port actually bound (may differ from the requested one when that was taken). */
  port: number;
  url: string;
  /** Where the hub's own client connects: `url`, or with TLS a plain listener on 127.0.0.1 (same process). */
  internalUrl: string;
  /**
   * Shutting down: takes no new connections and no new results or events (they stay unacknowledged; agents keep them
   * in their outbox and send them again), and waits at most `timeoutMs` for those being stored to be committed and
   * acknowledged. Resolves to the number still unfinished then.
   */
  drain(timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}
