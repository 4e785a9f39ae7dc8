import { z } from 'zod';
import {
  ChangeSchema,
  changePaths,
  SeriesSchema,
  WebhookSettingSchema,
  type ChangeKind,
  type SeriesQuery,
  type WebhookSettingRequest,
} from '@fleetbench/protocol';
import { hubGet, hubSend } from './client';

/** Typed calls to the hub's regression watch (server-side only). */
export const hubChanges = {
  list: (token: string, q: { kind?: ChangeKind; modelId?: string; hardwareClassId?: string } = {}) =>
    hubGet(changePaths.changes, token, z.array(ChangeSchema), q),
  series: (token: string, q: SeriesQuery) => hubGet(changePaths.series, token, SeriesSchema, q),
  webhook: (token: string) => hubGet(changePaths.webhook, token, WebhookSettingSchema),
  setWebhook: (token: string, body: WebhookSettingRequest) =>
    hubSend('PUT', changePaths.webhook, token, WebhookSettingSchema, body),
  clearWebhook: (token: string) => hubSend('DELETE', changePaths.webhook, token, z.unknown()),
};
