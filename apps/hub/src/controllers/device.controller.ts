import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DeviceSchema, HardwareClassSchema } from '@fleetbench/protocol';
import { DeviceService } from '../services/device.service';
import { ApiDoc } from '../utils/openapi.decorators';

@ApiTags('devices')
@ApiBearerAuth()
@Controller()
export class DeviceController {
  constructor(private readonly devices: DeviceService) {}

  @Get('devices')
  @ApiDoc({ response: DeviceSchema.array(), errors: [401] })
  list() {
    return this.devices.list();
  }

  @Get('devices/:id')
  @ApiDoc({ response: DeviceSchema, errors: [401, 404] })
  get(@Param('id') id: string) {
    return this.devices.get(id);
  }

  @Get('hardware-classes')
  @ApiDoc({ response: HardwareClassSchema.array(), errors: [401] })
  hardwareClasses() {
    return this.devices.hardwareClasses();
  }
}
