import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DeviceSchema, HardwareClassSchema } from '@fleetbench/protocol';
import { AdminOnly } from '../middleware/auth.guard';
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

  /** Revokes the device's credentials (broker + artifacts), cancels its open jobs; its results stay. */
  @Delete('devices/:id')
  @AdminOnly()
  @ApiDoc({ response: DeviceSchema, errors: [401, 403, 404, 503] })
  revoke(@Param('id') id: string) {
    return this.devices.revoke(id);
  }

  /** Moves the device to the hardware class of the hardware it last reported (devices cannot change class). */
  @Post('devices/:id/reclassify')
  @HttpCode(200)
  @AdminOnly()
  @ApiDoc({ response: DeviceSchema, errors: [401, 403, 404] })
  reclassify(@Param('id') id: string) {
    return this.devices.reclassify(id);
  }

  @Get('hardware-classes')
  @ApiDoc({ response: HardwareClassSchema.array(), errors: [401] })
  hardwareClasses() {
    return this.devices.hardwareClasses();
  }
}
