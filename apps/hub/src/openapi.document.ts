import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export function buildOpenApi(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Fleetbench hub')
    .setDescription('REST API of the Fleetbench hub. Shapes come from @fleetbench/protocol; see docs/CONTRACTS.md.')
    .setVersion(version)
    .addBearerAuth()
    .addBasicAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
