import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentPackageSchema } from '@fleetbench/protocol';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { Public } from '../middleware/auth.guard';
import { AgentPackageService } from '../services/agent-package.service';
import { ApiDoc } from '../utils/openapi.decorators';

/**
 * Device installation: the install script and the agent package. Public on purpose: the package is the open agent
 * code bundled (no secret, no configuration), the script holds only the hub's URL, and a device that installs has
 * no credentials yet. What makes a device part of the fleet is the enrollment token, checked at `agents/enroll`.
 */
@ApiTags('agent')
@Controller('agent')
export class AgentPackageController {
  constructor(private readonly packages: AgentPackageService) {}

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
  @ApiQuery({ name: 'version', required: false, description: 'default: the newest (`latest`)' })
  @ApiProduces('application/gzip')
  @ApiResponse({ status: 200, description: 'the package tarball; ETag and X-Fleetbench-Agent-Sha256 = its sha256' })
  @ApiResponse({ status: 404, description: 'no such version' })
  async download(@Query('version') version: string | undefined, @Req() req: Request, @Res() res: Response) {
    const { pkg, stream } = await this.packages.open(version);
    const etag = `"${pkg.sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('X-Fleetbench-Agent-Version', pkg.version);
    res.setHeader('X-Fleetbench-Agent-Sha256', pkg.sha256);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Disposition', `attachment; filename="fleetbench-agent-${pkg.version}.tgz"`);
    res.setHeader(
      'Cache-Control',
      version && version !== 'latest' ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    if (req.headers['if-none-match'] === etag) {
      stream.destroy();
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Length', String(pkg.sizeBytes));
    res.status(200);
    await new Promise<void>((resolve) => {
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
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
