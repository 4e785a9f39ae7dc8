import { Injectable } from '@nestjs/common';

/** Time as a port, so lease and expiry logic is tested without waiting. */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }
}
