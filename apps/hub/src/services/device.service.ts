import { Injectable } from '@nestjs/common';
import type { Device, HardwareClass } from '@fleetbench/protocol';
import { DeviceRepository } from '../repositories/device.repository';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { AppError } from '../utils/app-error';
import { toDeviceDto } from '../utils/mappers';

@Injectable()
export class DeviceService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly classes: HardwareClassRepository,
  ) {}

  async list(): Promise<Device[]> {
    return (await this.devices.list()).map(toDeviceDto);
  }

  async get(id: string): Promise<Device> {
    const d = await this.devices.findById(id);
    if (!d) throw AppError.notFound('Device', id);
    return toDeviceDto(d);
  }

  hardwareClasses(): Promise<HardwareClass[]> {
    return this.classes.list();
  }
}
