import { Inject, Injectable } from '@nestjs/common';
import { HardwareSchema, type Device, type HardwareClass } from '@fleetbench/protocol';
import type { BrokerAuthority } from '../broker/broker.types';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { BROKER_AUTHORITY, LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { hardwareClassOf } from '../utils/hardware-class';
import { toDeviceDto } from '../utils/mappers';
import { AuthService } from './auth.service';
import { DispatcherService } from './dispatcher.service';

@Injectable()
export class DeviceService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly classes: HardwareClassRepository,
    private readonly auth: AuthService,
    private readonly dispatcher: DispatcherService,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(BROKER_AUTHORITY) private readonly broker: BrokerAuthority,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(): Promise<Device[]> {
    return (await this.devices.list()).map(toDeviceDto);
  }

  async get(id: string): Promise<Device> {
    const d = await this.devices.findById(id);
    if (!d) throw AppError.notFound('Device', id);
    return toDeviceDto(d);
  }

  /**
   * Revokes a device: the database refuses its credentials from now on (MQTT and artifact downloads), the broker
   * drops its account and live connection, its open jobs are cancelled; the row and its results stay (history).
   * Idempotent: revoking again returns the device and only repeats the broker step.
   */
  async revoke(id: string): Promise<Device> {
    const r = await this.devices.revoke(id, this.clock.now());
    if (!r) throw AppError.notFound('Device', id);
    this.auth.forgetAgent(id);
    try {
      await this.broker.revokeAgent(id);
    } catch (err) {
      // The database already refuses the device (embedded broker, artifacts); an external broker may still know it.
      this.logger.error({ err, agentId: id }, 'broker could not revoke the agent');
      throw new AppError(
        'unavailable',
        `Device ${id} is revoked in the hub, but the MQTT broker did not confirm removing its account; retry the DELETE.`,
      );
    }
    if (!r.newlyRevoked) return toDeviceDto(r.device);
    const cancelledJobs = await this.dispatcher.cancelDeviceJobs(id);
    const device = toDeviceDto((await this.devices.findById(id)) ?? r.device);
    this.logger.info({ agentId: id, cancelledJobs }, 'device revoked');
    this.events.emit('device.updated', device);
    this.events.emit('device.revoked', device);
    return device;
  }

  /**
   * Moves a device to the hardware class of the hardware it last reported (an admin's decision: devices cannot change
   * their class themselves, so results keep aggregating where they were measured).
   */
  async reclassify(id: string): Promise<Device> {
    const d = await this.devices.findById(id);
    if (!d) throw AppError.notFound('Device', id);
    const cls = hardwareClassOf(HardwareSchema.parse(d.hardware));
    if (cls.id === d.hardwareClassId) return toDeviceDto(d);
    await this.classes.ensure(cls);
    const device = toDeviceDto(await this.devices.update(id, { hardwareClassId: cls.id }));
    this.logger.info({ agentId: id, from: d.hardwareClassId, to: cls.id }, 'device reclassified');
    this.events.emit('device.updated', device);
    return device;
  }

  hardwareClasses(): Promise<HardwareClass[]> {
    return this.classes.list();
  }
}
