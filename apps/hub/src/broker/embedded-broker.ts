/**
 * In-process MQTT broker (aedes over TCP) used when `MQTT_URL` is unset.
 *
 * - CONNECT: decided by broker-access.ts (shared with the EMQX hooks): credentials go to the hub's
 *   {@link BrokerCredentialVerifier}; an agent must connect with clientId = its agent id. Wrong credentials → CONNACK 4 ("bad username or password"), an agent with another
 *   client id → CONNACK 2 ("identifier rejected"), a verifier failure → CONNACK 3 ("server unavailable").
 * - SUBSCRIBE: checked with topic-acl; a forbidden filter gets granted QoS 128 (failure) in the SUBACK.
 * - PUBLISH: checked with topic-acl; a forbidden publish is logged (client id + topic) and dropped: the client gets
 *   its normal PUBACK and stays connected, as Mosquitto does for MQTT 3.1.1 (aedes speaks only MQTT 3.1/3.1.1, so
 *   there is no reason code to send). Agents can be disconnected instead with `disconnectAgentOnForbiddenPublish`.
 *   The hub is never disconnected for a forbidden publish.
 * - Results and events (QoS 1, agent → hub) with `ingest` set: stored by the hub in-process before aedes goes on
 *   with the PUBLISH, so the agent's PUBACK (which lets it delete the result from its outbox) means "committed". aedes
 *   keeps nothing across a hub crash, so acknowledging first would lose what the hub had not stored yet. A failed
 *   write is retried with backoff while the agent stays connected; meanwhile aedes reads no further packet from it.
 *   The hub's own client therefore does not subscribe to these channels ({@link EMBEDDED_HOOK_CHANNELS}).
 * - Port: the requested port, or the next free one when it is taken (EADDRINUSE); port 0 = any free port.
 * - Revocation ({@link EmbeddedBroker.revokeAgent}, the {@link BrokerAuthority} of the embedded broker): the agent's
 *   live connection is closed and later CONNECTs are refused (the verifier refuses them too, since the device row is
 *   marked revoked first; the broker's own list also covers a credential check that was in flight).
 */
import net from 'node:net';
import tls from 'node:tls';
import pino, { type Logger } from 'pino';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { limitPacketSize } from './mqtt-packet-limit';
import type { BrokerAuthority, BrokerCredentialVerifier, BrokerPrincipal, EmbeddedBrokerHandle } from './broker.types';
import { CONNECT_REFUSAL_MESSAGES, decideConnect, decideTopicAccess } from './broker-access';
import { describePrincipal } from './topic-acl';
import { parseAgentTopic, AGENT_PUBLISH_CHANNELS, type AgentChannel } from '@fleetbench/protocol';

/** Channels the embedded broker hands to `ingest` before acknowledging them to the agent. */
export const EMBEDDED_HOOK_CHANNELS: readonly AgentChannel[] = ['events', 'results'];

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  verifier: BrokerCredentialVerifier;
  logger?: Logger;
  /** How many ports after the requested one to try when it is taken. Default 100. */
  maxPortAttempts?: number;
  /** Close an agent's connection when it publishes to a forbidden topic (default false: drop the message only). */
  disconnectAgentOnForbiddenPublish?: boolean;
  /** PEM certificate chain and key: agents connect with TLS (mqtts) on `port`. */
  tls?: { cert: Buffer; key: Buffer };
  /** Stores a QoS 1 result or event; resolves when committed, rejects to be retried ({@link EMBEDDED_HOOK_CHANNELS}). */
  ingest?: (topic: string, payload: Buffer) => Promise<void>;
  /** Backoff of a failed `ingest` (default 100 ms doubling up to 5 s). */
  retry?: { initialMs: number; maxMs: number };
}

export interface EmbeddedBroker extends EmbeddedBrokerHandle {
  /** The port that was asked for (0 = any). `port` differs from it when it was taken. */
  requestedPort: number;
  host: string;
  /** The aedes instance, for in-process hooks and tests. */
  aedes: Aedes;
  /** Closes the agent's connection (if any) and refuses its CONNECTs from now on. True when a client was closed. */
  revokeAgent(agentId: string): Promise<boolean>;
}

/** BrokerAuthority of the embedded broker: nothing to provision (the verifier is asked on every CONNECT); revoking
 *  closes the agent's live connection and refuses it from then on. */
export class EmbeddedBrokerAuthority implements BrokerAuthority {
  constructor(private readonly broker: Pick<EmbeddedBroker, 'revokeAgent'>) {}
  async provisionAgent(_agentId: string, _password: string): Promise<void> {}
  async revokeAgent(agentId: string): Promise<void> {
    await this.broker.revokeAgent(agentId);
  }
}

/** CONNACK return codes of MQTT 3.1.1 (aedes' AuthErrorCode is a const enum, unusable with isolated modules). */
const CONNACK = { IDENTIFIER_REJECTED: 2, SERVER_UNAVAILABLE: 3, BAD_USERNAME_OR_PASSWORD: 4 } as const;

/** Topic a refused publish is rewritten to so aedes drops it: no client may subscribe to `$SYS`, and the
 *  aedes-internal `$SYS/+/...` listeners use other shapes. Retain is cleared, payload emptied. */
const REFUSED_SINK_TOPIC = '$SYS/fleetbench/refused-publish/dropped';

function authError(message: string, returnCode: number): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = returnCode as AuthenticateError['returnCode'];
  return err;
}

function listenOnce(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

async function listenWithFallback(server: net.Server, host: string, port: number, attempts: number): Promise<number> {
  if (port === 0) return listenOnce(server, host, 0);
  let lastError: unknown;
  for (let candidate = port; candidate < Math.min(port + attempts, 65536); candidate++) {
    try {
      return await listenOnce(server, host, candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      lastError = err;
    }
  }
  throw new Error(
    `embedded MQTT broker: ports ${port}..${port + attempts - 1} on ${host} are all in use ` +
      `(${(lastError as Error | undefined)?.message ?? 'EADDRINUSE'}); set FLEETBENCH_MQTT_PORT to a free port`,
  );
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const logger = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'mqtt-broker' });
  const principals = new WeakMap<Client, BrokerPrincipal>();
  const revoked = new Set<string>();
  /** Results and events handed to `ingest` and not yet acknowledged (settled when stored, or their client left). */
  const inHand = new Set<Promise<void>>();
  let draining = false;

  const options: AedesOptions = {
    authenticate(client, username, password, done) {
      const clientId = client.id;
      decideConnect(
        {
          clientId,
          username,
          password: password === undefined ? undefined : password.toString('utf8'),
          ip: (client.conn as { remoteAddress?: string }).remoteAddress,
        },
        opts.verifier,
        (agentId) => revoked.has(agentId),
      ).then(
        (decision) => {
          if (decision.allowed) {
            principals.set(client, decision.principal);
            done(null, true);
            return;
          }
          const agentId = decision.principal?.kind === 'agent' ? decision.principal.agentId : undefined;
          const fields =
            decision.refusal === 'missing-credentials'
              ? { clientId }
              : decision.refusal === 'bad-credentials'
                ? { clientId, username }
                : { clientId, agentId };
          logger.warn(fields, CONNECT_REFUSAL_MESSAGES[decision.refusal]);
          done(
            decision.refusal === 'identifier-rejected'
              ? authError('identifier rejected', CONNACK.IDENTIFIER_REJECTED)
              : authError('bad username or password', CONNACK.BAD_USERNAME_OR_PASSWORD),
            false,
          );
        },
        (err: unknown) => {
          logger.error({ clientId, err }, 'MQTT connect refused: credential check failed');
          done(authError('server unavailable', CONNACK.SERVER_UNAVAILABLE), false);
        },
      );
    },

    authorizePublish(client, packet, done) {
      const topic = packet.topic;
      const principal = client ? principals.get(client) : undefined;
      let allowed: boolean;
      if (principal) {
        allowed = decideTopicAccess(principal, 'publish', topic);
      } else {
        // A last will published after its client is gone (client === null): only an agent's own publish topics,
        // identified by the will's client id (= agent id).
        const parsed = parseAgentTopic(topic);
        const willClientId = (packet as { clientId?: string }).clientId;
        allowed =
          parsed !== null &&
          parsed.agentId === willClientId &&
          (AGENT_PUBLISH_CHANNELS as readonly string[]).includes(parsed.channel);
      }
      if (allowed) {
        const channel = parseAgentTopic(topic)?.channel;
        if (!opts.ingest || !client || principal?.kind !== 'agent' || !channel) return done(null);
        if (!EMBEDDED_HOOK_CHANNELS.includes(channel)) return done(null);
        const ingest = opts.ingest;
        if (packet.qos !== 1) {
          // QoS 0 promises nothing to keep: handled once (checked, stored or refused like any other), never held.
          ingest(topic, packet.payload as Buffer).catch((err: unknown) =>
            logger.warn({ clientId: client.id, topic, err }, 'QoS 0 message not stored'),
          );
          return done(null);
        }
        // Draining (shutdown): not stored and not acknowledged; the agent sends it again from its outbox.
        if (draining) return;
        const retry = opts.retry ?? { initialMs: 100, maxMs: 5_000 };
        let finished!: () => void;
        const tracked = new Promise<void>((resolve) => (finished = resolve));
        inHand.add(tracked);
        const settle = (err: Error | null) => {
          inHand.delete(tracked);
          finished();
          done(err);
        };
        const attempt = (n: number): void => {
          ingest(topic, packet.payload as Buffer).then(
            () => settle(null),
            (err: unknown) => {
              // Gone: the agent resends from its outbox on the next connection. An error closes nothing more.
              if (client.closed) return settle(new Error('client gone before its message was stored'));
              const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** n);
              logger.warn({ clientId: client.id, topic, err, retryInMs: delay }, 'message not stored; PUBACK held');
              setTimeout(() => attempt(n + 1), delay).unref();
            },
          );
        };
        attempt(0);
        return;
      }
      const clientId = client?.id ?? (packet as { clientId?: string }).clientId;
      logger.warn(
        { clientId, principal: principal ? describePrincipal(principal) : 'unknown', topic },
        'MQTT publish refused by ACL',
      );
      if (principal?.kind === 'agent' && opts.disconnectAgentOnForbiddenPublish) {
        done(new Error(`not authorized to publish to ${topic}`)); // aedes closes the connection
        return;
      }
      // Drop without disconnecting: aedes has no "refuse" outcome except an error (which closes the connection),
      // so the packet is redirected to a topic no client can subscribe to, with no payload and no retain flag.
      packet.topic = REFUSED_SINK_TOPIC;
      packet.payload = Buffer.alloc(0);
      packet.retain = false;
      done(null);
    },

    authorizeSubscribe(client, subscription, done) {
      const principal = principals.get(client);
      if (principal && decideTopicAccess(principal, 'subscribe', subscription.topic)) {
        done(null, subscription);
        return;
      }
      logger.warn(
        {
          clientId: client.id,
          principal: principal ? describePrincipal(principal) : 'unknown',
          topic: subscription.topic,
        },
        'MQTT subscribe refused by ACL',
      );
      done(null, null); // SUBACK granted QoS 128 (failure)
    },

    // Messages redirected to the sink are never forwarded, even to a subscriber that got there somehow.
    authorizeForward(_client, packet) {
      return packet.topic === REFUSED_SINK_TOPIC ? null : packet;
    },
  };

  const aedes = await Aedes.createBroker(options);
  aedes.on('clientError', (client: Client, err: Error) => {
    logger.debug({ clientId: client?.id, err: err.message }, 'MQTT client error');
  });
  aedes.on('connectionError', (client: Client, err: Error) => {
    logger.debug({ clientId: client?.id, err: err.message }, 'MQTT connection error');
  });

  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(
      limitPacketSize(socket, (err) =>
        logger.warn({ remote: socket.remoteAddress, err: err.message }, 'MQTT connection closed: packet too large'),
      ),
    );
  };
  const server = opts.tls
    ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onConnection)
    : net.createServer(onConnection);
  server.on('tlsClientError', (err: Error) => logger.debug({ err: err.message }, 'MQTT TLS handshake failed'));
  // With TLS, the hub's own client (same process) connects over loopback without it: its certificate names the
  // public host, and the loopback hop never leaves the machine.
  const internal = opts.tls ? net.createServer(onConnection) : null;

  let port: number;
  let internalPort = 0;
  try {
    port = await listenWithFallback(server, opts.host, opts.port, opts.maxPortAttempts ?? 100);
    if (internal) internalPort = await listenOnce(internal, '127.0.0.1', 0);
  } catch (err) {
    server.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  if (opts.port !== 0 && port !== opts.port) {
    logger.info({ requestedPort: opts.port, port }, 'embedded MQTT broker: requested port was taken');
  }

  let serverClosed: Promise<unknown> | undefined;
  /** Stops accepting connections (once); resolves when every socket of the listeners is gone. */
  const closeServers = () =>
    (serverClosed ??= Promise.all(
      [server, internal].map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)),
    ));

  const drain = async (timeoutMs: number): Promise<number> => {
    draining = true;
    void closeServers();
    if (inHand.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(inHand),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
      // aedes writes the PUBACK of a message just stored on a later tick: let it go out before connections close.
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
    }
    logger.info({ unfinished: inHand.size }, 'embedded broker drained');
    return inHand.size;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      const serversClosed = closeServers();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Sockets that never completed CONNECT are not aedes clients; end them too so server.close() returns.
      for (const socket of sockets) socket.destroy();
      await serversClosed;
    })();
    return closing;
  };

  const revokeAgent = async (agentId: string): Promise<boolean> => {
    revoked.add(agentId);
    const client = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[agentId];
    const principal = client ? principals.get(client) : undefined;
    if (!client || principal?.kind !== 'agent' || principal.agentId !== agentId) return false;
    await new Promise<void>((resolve) => client.close(() => resolve()));
    logger.info({ agentId }, 'MQTT connection of a revoked agent closed');
    return true;
  };

  return {
    port,
    requestedPort: opts.port,
    host: opts.host,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://${urlHost(opts.host)}:${port}`,
    internalUrl: internal ? `mqtt://127.0.0.1:${internalPort}` : `mqtt://${urlHost(opts.host)}:${port}`,
    aedes,
    drain,
    close,
    revokeAgent,
  };
}
