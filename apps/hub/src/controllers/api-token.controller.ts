import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  ApiTokenSchema,
  CreateApiTokenRequestSchema,
  CreatedApiTokenSchema,
  SocketTicketSchema,
  WhoAmISchema,
  type CreateApiTokenRequest,
} from '@fleetbench/protocol';
import { AdminOnly, CurrentPrincipal, MinRole } from '../middleware/auth.guard';
import { ApiTokenService } from '../services/api-token.service';
import { AuthService, type ApiPrincipal } from '../services/auth.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

@ApiTags('auth')
@ApiBearerAuth()
@Controller()
export class ApiTokenController {
  constructor(
    private readonly apiTokens: ApiTokenService,
    private readonly auth: AuthService,
  ) {}

  @Post('api-tokens')
  @AdminOnly()
  @ApiDoc({ body: CreateApiTokenRequestSchema, response: CreatedApiTokenSchema, status: 201, errors: [400, 401, 403] })
  create(@Body(new ZodPipe(CreateApiTokenRequestSchema)) body: CreateApiTokenRequest) {
    return this.apiTokens.create(body);
  }

  @Get('api-tokens')
  @AdminOnly()
  @ApiDoc({ response: ApiTokenSchema.array(), errors: [401, 403] })
  list() {
    return this.apiTokens.list();
  }

  @Delete('api-tokens/:id')
  @AdminOnly()
  @HttpCode(204)
  @ApiDoc({ status: 204, errors: [401, 403, 404, 409] })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.apiTokens.revoke(id);
  }

  /** The calling token: the dashboard shows only what its role may do. */
  @Get('auth/whoami')
  @ApiDoc({ response: WhoAmISchema, errors: [401] })
  whoami(@CurrentPrincipal() principal: ApiPrincipal) {
    return this.apiTokens.whoami(principal);
  }

  /** Live updates are reading: any role. */
  @Post('auth/socket-ticket')
  @MinRole('viewer')
  @ApiDoc({ response: SocketTicketSchema, status: 201, errors: [401] })
  socketTicket(@CurrentPrincipal() principal: ApiPrincipal) {
    return this.auth.issueSocketTicket(principal);
  }
}
