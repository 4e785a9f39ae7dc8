import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import {
  API_PREFIX,
  BROKER_HOOK_SECRET_HEADER,
  brokerHookPaths,
  EmqxAuthnRequestSchema,
  EmqxAuthnResponseSchema,
  EmqxAuthzRequestSchema,
  EmqxAuthzResponseSchema,
  type EmqxAuthnRequest,
  type EmqxAuthzRequest,
} from '@fleetbench/protocol';
import { Public } from '../middleware/auth.guard';
import { BrokerHookGuard } from '../middleware/broker-hook.guard';
import { BrokerHookService } from '../services/broker-hook.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

/** `brokerHookPaths` without the global `/api/v1` prefix (so the routes cannot drift from the protocol's paths). */
const route = (p: string): string => p.slice(API_PREFIX.length + 1);

/**
 * EMQX 5's HTTP authentication and authorization hooks (deploy/emqx/). Not behind the API token: the broker calls
 * them with the shared secret `FLEETBENCH_BROKER_HOOK_SECRET` in `x-fleetbench-hook-secret` (BrokerHookGuard). They
 * answer 200 with allow/deny (EMQX ignores any other status and then falls back to deny with the shipped config).
 */
@ApiTags('broker hooks')
@ApiHeader({ name: BROKER_HOOK_SECRET_HEADER, required: true, description: 'FLEETBENCH_BROKER_HOOK_SECRET' })
@Public()
@UseGuards(BrokerHookGuard)
@Controller()
export class BrokerHookController {
  constructor(private readonly hooks: BrokerHookService) {}

  @Post(route(brokerHookPaths.emqxAuthenticate))
  @HttpCode(200)
  @ApiDoc({ body: EmqxAuthnRequestSchema, response: EmqxAuthnResponseSchema, errors: [400, 401, 404] })
  authenticate(@Body(new ZodPipe(EmqxAuthnRequestSchema)) body: EmqxAuthnRequest) {
    return this.hooks.authenticate(body);
  }

  @Post(route(brokerHookPaths.emqxAuthorize))
  @HttpCode(200)
  @ApiDoc({ body: EmqxAuthzRequestSchema, response: EmqxAuthzResponseSchema, errors: [400, 401, 404] })
  authorize(@Body(new ZodPipe(EmqxAuthzRequestSchema)) body: EmqxAuthzRequest) {
    return this.hooks.authorize(body);
  }
}
