import { z } from 'zod';
import {
  ScheduleSchema,
  schedulePaths,
  type CreateScheduleRequestInput,
  type UpdateScheduleRequest,
} from '@fleetbench/protocol';
import { hubGet, hubSend } from './client';

/** Typed calls to the hub's campaign schedules (server-side only). */
export const hubSchedules = {
  list: (token: string) => hubGet(schedulePaths.schedules, token, z.array(ScheduleSchema)),
  create: (token: string, body: CreateScheduleRequestInput) =>
    hubSend('POST', schedulePaths.schedules, token, ScheduleSchema, body),
  update: (token: string, id: string, body: UpdateScheduleRequest) =>
    hubSend('PATCH', schedulePaths.schedule(id), token, ScheduleSchema, body),
  remove: (token: string, id: string) => hubSend('DELETE', schedulePaths.schedule(id), token, z.unknown()),
};
