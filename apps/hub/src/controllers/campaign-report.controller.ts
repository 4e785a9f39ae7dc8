import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CampaignReportService } from '../services/campaign-report.service';
import { ApiDoc } from '../utils/openapi.decorators';

/** A file name for Content-Disposition: the campaign's name reduced to safe characters. */
const fileName = (name: string) =>
  `${
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'campaign'
  }-report.html`;

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller()
export class CampaignReportController {
  constructor(private readonly reports: CampaignReportService) {}

  @Get('campaigns/:id/report.html')
  @ApiResponse({
    status: 200,
    description:
      'the campaign as one self-contained HTML file (summary, ranked tables and SVG charts per hardware class, ' +
      'device environments, reproduce commands); inline CSS and SVG, no script, no external reference',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiDoc({ errors: [401, 404] })
  async report(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const { name, html } = await this.reports.html(id, `${req.protocol}://${req.get('host') ?? ''}`);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName(name)}"`);
    // The file is shared outside the hub: it must not load or run anything even if opened from the hub's origin.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).send(html);
  }
}
