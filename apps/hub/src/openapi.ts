/**
 * Writes the hub's OpenAPI document to apps/hub/openapi.json (committed; openapi.spec.ts checks it is current).
 * Usage: `npm run openapi` (after `tsc -b apps/hub`), or `node apps/hub/dist/openapi.js [out-file]`.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { OpenAPIObject } from '@nestjs/swagger';
import { PrismaClient } from '../generated/prisma/client';
import { NoopBrokerAuthority } from './broker/mosquitto-dynsec';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { createApp } from './main';
import { buildOpenApi } from './openapi.document';

export const OPENAPI_FILE = path.resolve(__dirname, '../openapi.json');

/** The document, from the real controllers, with no database or broker (the Prisma client never connects). */
export async function generateOpenApi(): Promise<OpenAPIObject> {
  const db = new PrismaClient({
    adapter: new PrismaPg({ connectionString: 'postgresql://unused@127.0.0.1:1/unused' }),
  });
  const app = await createApp({
    config: loadConfig({}),
    db,
    logger: createLogger('silent'),
    runtime: { version: 'current', mqttPublicUrl: '', hubBrokerPassword: '' },
    brokerAuthority: new NoopBrokerAuthority(),
  });
  try {
    // The version is left out so a release bump does not make the committed file stale.
    return buildOpenApi(app, 'current');
  } finally {
    await app.close();
  }
}

export const serialize = (doc: OpenAPIObject): string => `${JSON.stringify(doc, null, 2)}\n`;

if (require.main === module) {
  generateOpenApi()
    .then((doc) => {
      const out = process.argv[2] ? path.resolve(process.argv[2]) : OPENAPI_FILE;
      writeFileSync(out, serialize(doc));
      process.stdout.write(`wrote ${out}\n`);
    })
    .catch((err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    });
}
