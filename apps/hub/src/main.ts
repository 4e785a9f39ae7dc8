import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { API_PREFIX } from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { AppModule } from './app.module';
import { EMBEDDED_HOOK_CHANNELS, EmbeddedBrokerAuthority, startEmbeddedBroker } from './broker/embedded-broker';
import type { BrokerAuthority, EmbeddedBrokerHandle } from './broker/broker.types';
import { EmqxBrokerAuthority } from './broker/emqx-management';
import { DynsecBrokerAuthority, NoopBrokerAuthority } from './broker/mosquitto-dynsec';
import { ConfigError, loadConfig, stripCredentials, type HubConfig } from './config';
import { openDatabase, type Database } from './db/database';
import { createLogger, type Logger } from './logger';
import {
  MAX_JSON_BODY_BYTES,
  rejectMalformedUrl,
  rejectNulReviver,
  rejectUnsupportedBody,
} from './middleware/malformed-request.middleware';
import { connectHubClient } from './mqtt/hub-mqtt-client';
import { buildOpenApi } from './openapi.document';
import { connectRedis, RedisIoAdapter } from './realtime/redis-io.adapter';
import { MqttRepository } from './repositories/mqtt.repository';
import type { HubRuntime } from './repositories/runtime';
import { AuthService } from './services/auth.service';
import { DispatcherService } from './services/dispatcher.service';
import { INGEST_CHANNELS, IngestService } from './services/ingest.service';
import { randomSecret } from './utils/crypto';

export interface Hub {
  app: INestApplication;
  /** Base URL of the REST API and socket.io, e.g. http://127.0.0.1:4000 */
  url: string;
  /** Broker URL agents use (embedded broker or FLEETBENCH_MQTT_PUBLIC_URL / MQTT_URL without credentials). */
  mqttUrl: string;
  /** The admin API token when this start generated it (first start without FLEETBENCH_ADMIN_TOKEN), else null. */
  generatedAdminToken: string | null;
  close(): Promise<void>;
}

export interface CreateHubOptions {
  logger?: Logger;
  /** Set false to keep the lease sweeper off (tests drive it by hand). */
  leaseSweeper?: boolean;
  /** On close, how long messages in hand may take to be stored and acknowledged (default {@link SHUTDOWN_DRAIN_MS}). */
  drainMs?: number;
}

/**
 * On shutdown, how long the hub waits for the messages it is handling to be stored and acknowledged; what is not done
 * by then stays unacknowledged and the broker (or the agent, from its outbox) delivers it again.
 */
export const SHUTDOWN_DRAIN_MS = 10_000;

export function hubVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Nest's own messages go through pino too. */
function nestLogger(logger: Logger): LoggerService {
  const l = logger.child({ module: 'nest' });
  return {
    log: (m: unknown, ctx?: string) => l.debug({ ctx }, String(m)),
    error: (m: unknown, ...rest: unknown[]) => l.error({ detail: rest }, String(m)),
    warn: (m: unknown, ctx?: string) => l.warn({ ctx }, String(m)),
    debug: (m: unknown, ctx?: string) => l.debug({ ctx }, String(m)),
    verbose: (m: unknown, ctx?: string) => l.trace({ ctx }, String(m)),
  };
}

/** Builds the Nest application (no listening, no broker): also used to generate the OpenAPI document. */
export async function createApp(
  deps: Parameters<typeof AppModule.forRoot>[0],
  tlsFiles?: { cert: Buffer; key: Buffer },
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(deps), {
    logger: nestLogger(deps.logger),
    abortOnError: false,
    ...(tlsFiles ? { httpsOptions: tlsFiles } : {}),
    // Parsers installed below, after the URL check: malformed input is refused before any work.
    bodyParser: false,
  });
  app.use(rejectMalformedUrl);
  app.use(rejectUnsupportedBody);
  app.useBodyParser('json', { limit: MAX_JSON_BODY_BYTES, reviver: rejectNulReviver });
  app.setGlobalPrefix(API_PREFIX.replace(/^\//, ''));
  // Cross-origin only for the configured dashboard origins (the dashboard itself calls the hub from its server).
  if (deps.config.corsOrigins.length) app.enableCors({ origin: deps.config.corsOrigins, credentials: true });
  return app;
}

/**
 * Starts a hub in-process: migrations → embedded broker (unless MQTT_URL) → Nest app listening.
 * Used by main() and by tests / the root start script.
 */
export async function createHub(config: HubConfig, opts: CreateHubOptions = {}): Promise<Hub> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Shutdown is ordered: first stop taking messages and let those in hand be stored and acknowledged (`drains`, all
  // at once, bounded), then close what was opened, newest first (`cleanups`: MQTT client, broker, app, Redis, database),
  // so no handling is cut off by a closed database pool.
  const drainMs = opts.drainMs ?? SHUTDOWN_DRAIN_MS;
  const drains: (() => Promise<unknown>)[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    const draining = drains.splice(0);
    await Promise.all(draining.map((fn) => fn().catch((err) => logger.warn({ err }, 'error while draining'))));
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.warn({ err }, 'error while closing'));
    cleanups.length = 0;
  };
  try {
    const db: Database = await openDatabase(
      { databaseUrl: config.databaseUrl, dataDir: config.dataDir },
      logger.child({ module: 'db' }),
    );
    cleanups.push(() => db.close());
    logger.info({ db: db.kind, applied: db.applied }, 'database ready');

    // Several replicas: socket.io broadcasts through Redis. Connected before the app so an unreachable Redis stops
    // the start at once, and closed after the app (cleanups run in reverse).
    const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger.child({ module: 'redis' })) : null;
    if (redis) cleanups.push(() => redis.close());

    const runtime: HubRuntime = {
      version: hubVersion(),
      mqttPublicUrl: '',
      hubBrokerPassword: randomSecret(24),
      redis: redis ? { healthy: () => redis.healthy() } : null,
    };
    let authority: BrokerAuthority = new NoopBrokerAuthority();
    const delegatingAuthority: BrokerAuthority = {
      provisionAgent: (id, pw) => authority.provisionAgent(id, pw),
      revokeAgent: (id) => authority.revokeAgent(id),
    };
    // Read once at start: a certificate renewed on disk takes a restart (as Mosquitto's does).
    const tlsFiles = config.tls
      ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }
      : undefined;
    const app = await createApp(
      { config, db: db.prisma, logger, runtime, brokerAuthority: delegatingAuthority },
      tlsFiles,
    );
    cleanups.push(() => app.close());
    if (redis) app.useWebSocketAdapter(new RedisIoAdapter(app, redis));

    const ingest = app.get(IngestService);
    let brokerUrl: string;
    let broker: EmbeddedBrokerHandle | null = null;
    if (config.mqttUrl) {
      brokerUrl = config.mqttUrl;
      runtime.mqttPublicUrl = config.mqttPublicUrl ?? stripCredentials(config.mqttUrl);
    } else {
      const embedded = await startEmbeddedBroker({
        host: config.host,
        port: config.mqttPort,
        verifier: app.get(AuthService),
        logger: logger.child({ module: 'broker' }),
        ...(tlsFiles ? { tls: tlsFiles } : {}),
        ingest: (topic, payload) => ingest.handle(topic, payload),
      });
      broker = embedded;
      cleanups.push(() => embedded.close());
      drains.push(() => embedded.drain(drainMs));
      authority = new EmbeddedBrokerAuthority(embedded);
      const localHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      brokerUrl = embedded.internalUrl;
      runtime.mqttPublicUrl = config.mqttPublicUrl ?? `${tlsFiles ? 'mqtts' : 'mqtt'}://${localHost}:${broker.port}`;
      if (broker.port !== config.mqttPort && config.mqttPort !== 0)
        logger.warn({ requested: config.mqttPort, port: broker.port }, 'MQTT port taken; embedded broker uses another');
    }

    const hubClient = await connectHubClient({
      url: brokerUrl,
      ...(broker ? { username: 'fleetbench-hub', password: runtime.hubBrokerPassword } : {}),
      external: !!config.mqttUrl,
      instance: String(config.port || randomSecret(4)),
      logger: logger.child({ module: 'mqtt' }),
      onMessage: (topic, payload) => ingest.handle(topic, payload),
      ...(broker ? { channels: INGEST_CHANNELS.filter((ch) => !EMBEDDED_HOOK_CHANNELS.includes(ch)) } : {}),
    });
    const client: MqttClient = hubClient.client;
    cleanups.push(() => hubClient.end(drainMs));
    drains.push(() => hubClient.drain(drainMs));
    app.get(MqttRepository).attach(client);
    if (config.mqttUrl && config.mqttDynsec)
      authority = new DynsecBrokerAuthority(client, logger.child({ module: 'dynsec' }));
    else if (config.mqttUrl && config.emqxApi)
      authority = new EmqxBrokerAuthority(config.emqxApi, logger.child({ module: 'emqx' }));

    const admin = await app.get(AuthService).ensureAdminToken(config.adminToken);

    SwaggerModule.setup('api/docs', app, buildOpenApi(app, runtime.version), {
      jsonDocumentUrl: 'api/docs/openapi.json',
    });
    await app.listen(config.port, config.host);
    // Clients pool keep-alive sockets (undici drops idle ones after 4 s, proxies after 60 s). A server that closes an
    // idle socket first races the client's next request on it, which then fails with ECONNRESET.
    const server = app.getHttpServer() as Server;
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const addr = app.getHttpServer().address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `${tlsFiles ? 'https' : 'http'}://${host}:${addr.port}`;

    const dispatcher = app.get(DispatcherService);
    await dispatcher.dispatchAll();
    if (opts.leaseSweeper !== false) {
      let sweeping: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        sweeping = dispatcher.sweepLeases().catch((err) => logger.error({ err }, 'lease sweep failed'));
      }, config.leaseSweepMs);
      timer.unref();
      drains.push(async () => {
        clearInterval(timer);
        await sweeping;
      });
    }
    return {
      app,
      url,
      mqttUrl: runtime.mqttPublicUrl,
      generatedAdminToken: admin.generated ? admin.token : null,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const hub = await createHub(config, { logger });
  logger.info({ url: hub.url, docs: `${hub.url}/api/docs`, mqtt: hub.mqttUrl }, 'hub listening');
  if (hub.generatedAdminToken) {
    // Printed once, outside the structured log: only its hash is stored.
    process.stdout.write(
      `\nAdmin API token (shown once; only its hash is stored):\n\n  ${hub.generatedAdminToken}\n\nUse it as "Authorization: Bearer <token>" or set FLEETBENCH_ADMIN_TOKEN.\n\n`,
    );
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    hub.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`hub failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
