import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CreateEnrollmentTokenRequestSchema,
  EnrollmentTokenResponseSchema,
  EnrollRequestSchema,
  EnrollResponseSchema,
  type CreateEnrollmentTokenRequest,
  type EnrollRequest,
} from '@fleetbench/protocol';
import { AdminOnly, Public, RateLimit } from '../middleware/auth.guard';
import { EnrollmentService } from '../services/enrollment.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

@ApiTags('enrollment')
@Controller()
export class EnrollmentController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @Post('enrollment-tokens')
  @AdminOnly()
  @ApiBearerAuth()
  @ApiDoc({
    body: CreateEnrollmentTokenRequestSchema,
    response: EnrollmentTokenResponseSchema,
    status: 201,
    errors: [400, 401, 403],
  })
  createToken(@Body(new ZodPipe(CreateEnrollmentTokenRequestSchema)) body: CreateEnrollmentTokenRequest) {
    return this.enrollment.createToken(body);
  }

  @Post('agents/enroll')
  @Public()
  @RateLimit('enroll')
  @HttpCode(201)
  @ApiDoc({ body: EnrollRequestSchema, response: EnrollResponseSchema, status: 201, errors: [400, 401, 429] })
  enroll(@Body(new ZodPipe(EnrollRequestSchema)) body: EnrollRequest) {
    return this.enrollment.enroll(body);
  }
}
