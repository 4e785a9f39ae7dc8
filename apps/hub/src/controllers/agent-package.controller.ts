import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiConsumes, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  AgentPackageSchema,
  CreateRolloutRequestSchema,
  RolloutReportSchema,
  RolloutSchema,
  type RolloutReport,
} from '@fleetbench/protocol';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AdminOnly, ApiTokenOrAgent, Public, RateLimit } from '../middleware/auth.guard';
import { AgentPackageService } from '../services/agent-package.service';
import { RolloutService } from '../services/rollout.service';
import { AppError } from '../utils/app-error';
import { ApiDoc } from '../utils/openapi.decorators';
import { sendStoredFile } from '../utils/send-stored-file';
import { parseOrThrow, ZodPipe } from '../utils/zod';

/**
 * Device installation: the install script and the agent package. Public on purpose: the package is the open agent
 * code bundled (no secret, no configuration), the script holds only the hub's URL, and a device that installs has
 * no credentials yet. What makes a device part of the fleet is the enrollment token, checked at `agents/enroll`.
 */
@ApiTags('agent')
@Controller('agent')
export class AgentPackageController {
  constructor(
    private readonly packages: AgentPackageService,
    private readonly rollouts: RolloutService,
  ) {}

  @Post('packages')
  @AdminOnly()
  @ApiBearerAuth()
  @ApiConsumes('application/octet-stream')
  @ApiQuery({ name: 'latest', required: false, description: '`1`: installs get this version by default from now on' })
  @ApiDoc({
    response: AgentPackageSchema,
    status: 201,
    errors: [400, 401, 403, 409, 413],
    summary: 'upload an agent package (node scripts/build-agent-package.mjs --version V makes one)',
  })
  @HttpCode(201)
  uploadPackage(@Req() req: Request, @Query('latest') latest?: string) {
    return this.packages.upload(req, latest === '1' || latest === 'true');
  }

  @Post('rollouts')
  @AdminOnly() // upgrading devices' software is device administration
  @ApiBearerAuth()
  @HttpCode(201)
  @ApiDoc({ body: CreateRolloutRequestSchema, response: RolloutSchema, status: 201, errors: [400, 401, 403, 404] })
  createRollout(@Body() body: unknown) {
    return this.rollouts.create(parseOrThrow(CreateRolloutRequestSchema, body ?? {}, 'rollout'));
  }

  @Get('rollouts')
  @ApiBearerAuth()
  @ApiDoc({ response: z.array(RolloutSchema), errors: [401], summary: 'rollouts, newest first, with per-device state' })
  listRollouts() {
    return this.rollouts.list();
  }

  @Get('rollouts/:id')
  @ApiBearerAuth()
  @ApiDoc({ response: RolloutSchema, errors: [401, 404] })
  getRollout(@Param('id') id: string) {
    return this.rollouts.get(id);
  }

  @Post('rollouts/report')
  @ApiTokenOrAgent()
  @ApiBasicAuth()
  @HttpCode(200)
  @ApiDoc({
    body: RolloutReportSchema,
    response: RolloutSchema,
    errors: [400, 401, 403, 404],
    summary: 'the agent reports how its upgrade ended (agent credentials)',
  })
  report(@Req() req: Request, @Body(new ZodPipe(RolloutReportSchema)) body: RolloutReport) {
    // The guard checked the credentials; only an agent reports, and only for itself.
    const [scheme, value] = (req.headers.authorization ?? '').split(' ', 2);
    if (scheme?.toLowerCase() !== 'basic' || !value)
      throw new AppError('forbidden', 'Only an agent reports its upgrade (HTTP Basic with its agent id and password).');
    const agentId = Buffer.from(value, 'base64').toString('utf8').split(':', 1)[0];
    return this.rollouts.report(agentId, body);
  }

  @Get('packages')
  @Public()
  @ApiDoc({ response: z.array(AgentPackageSchema), summary: 'agent packages this hub holds, newest first' })
  list() {
    return this.packages.list();
  }

  @Get('packages/:version')
  @Public()
  @ApiDoc({ response: AgentPackageSchema, errors: [404], summary: 'one agent package; `latest` = the install default' })
  describe(@Param('version') version: string) {
    return this.packages.describe(version);
  }

  @Get('package')
  @Public()
  @RateLimit('download')
  @ApiQuery({ name: 'version', required: false, description: 'default: the newest (`latest`)' })
  @ApiProduces('application/gzip')
  @ApiResponse({ status: 200, description: 'the package tarball; ETag and X-Fleetbench-Agent-Sha256 = its sha256' })
  @ApiResponse({ status: 404, description: 'no such version' })
  async download(@Query('version') version: string | undefined, @Req() req: Request, @Res() res: Response) {
    const { pkg, path } = await this.packages.locate(version);
    await sendStoredFile(req, res, {
      path,
      sha256: pkg.sha256,
      contentType: 'application/gzip',
      // `latest` moves to newer versions; a named version never changes.
      cacheControl: version && version !== 'latest' ? 'public, max-age=31536000, immutable' : 'no-cache',
      headers: {
        'X-Fleetbench-Agent-Version': pkg.version,
        'X-Fleetbench-Agent-Sha256': pkg.sha256,
        'Content-Disposition': `attachment; filename="fleetbench-agent-${pkg.version}.tgz"`,
      },
      what: 'agent package',
    });
  }

  @Get('install.sh')
  @Public()
  @ApiProduces('text/x-shellscript')
  @ApiResponse({
    status: 200,
    description:
      'the device install script with this hub’s URL: `curl -fsSL HUB/api/v1/agent/install.sh | sudo bash -s -- --token TOKEN`',
  })
  async installScript(@Req() req: Request, @Res() res: Response) {
    const script = await this.packages.installScript(`${req.protocol}://${req.get('host') ?? ''}`);
    res.setHeader('Content-Type', 'text/x-shellscript; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.status(200).send(script);
  }
}
