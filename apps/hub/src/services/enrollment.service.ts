import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateEnrollmentTokenRequest,
  EnrollmentTokenResponse,
  EnrollRequest,
  EnrollResponse,
} from '@fleetbench/protocol';
import type { BrokerAuthority } from '../broker/broker.types';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { RUNTIME, type HubRuntime } from '../repositories/runtime';
import { TokenRepository } from '../repositories/token.repository';
import { BROKER_AUTHORITY, LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { hashSecret, randomSecret, sha256Hex } from '../utils/crypto';
import { hardwareClassOf } from '../utils/hardware-class';
import { toDeviceDto } from '../utils/mappers';

export const ENROLLMENT_TOKEN_PREFIX = 'fbe_';

@Injectable()
export class EnrollmentService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly devices: DeviceRepository,
    private readonly classes: HardwareClassRepository,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(BROKER_AUTHORITY) private readonly broker: BrokerAuthority,
    @Inject(RUNTIME) private readonly runtime: Pick<HubRuntime, 'mqttPublicUrl'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async createToken(req: CreateEnrollmentTokenRequest): Promise<EnrollmentTokenResponse> {
    const token = ENROLLMENT_TOKEN_PREFIX + randomSecret(24);
    const expiresAt = new Date(this.clock.now().getTime() + req.expiresInHours * 3600_000);
    const row = await this.tokens.createEnrollmentToken({
      tokenHash: sha256Hex(token),
      label: req.label ?? null,
      maxUses: req.maxUses,
      expiresAt,
      tags: req.tags,
    });
    this.logger.info({ tokenId: row.id, maxUses: row.maxUses, expiresAt }, 'enrollment token created');
    return { id: row.id, token, expiresAt: expiresAt.toISOString(), maxUses: row.maxUses };
  }

  async enroll(req: EnrollRequest): Promise<EnrollResponse> {
    const now = this.clock.now();
    const invalid = new AppError(
      'invalid-enrollment-token',
      'The enrollment token is unknown, expired or used up. Ask an operator for a new one (POST /api/v1/enrollment-tokens).',
    );
    const token = await this.tokens.findEnrollmentToken(sha256Hex(req.token));
    if (!token || token.expiresAt <= now || token.uses >= token.maxUses) throw invalid;
    if (!(await this.tokens.consumeEnrollmentToken(token.id, now))) throw invalid;

    const agentId = `agent-${randomBytes(8).toString('hex')}`;
    const password = randomSecret(24);
    const cls = hardwareClassOf(req.hardware);
    await this.classes.ensure(cls);
    const device = await this.devices.create({
      id: agentId,
      name: req.name,
      tags: [...new Set([...token.tags, ...req.tags])],
      passwordHash: hashSecret(password),
      hardware: req.hardware,
      software: req.software,
      hardwareClassId: cls.id,
      enrollmentTokenId: token.id,
    });
    await this.broker.provisionAgent(agentId, password);
    this.logger.info({ agentId, name: req.name, hardwareClassId: cls.id }, 'agent enrolled');
    this.events.emit('device.updated', toDeviceDto(device));
    return { agentId, mqtt: { url: this.runtime.mqttPublicUrl, username: agentId, password }, hardwareClassId: cls.id };
  }
}
