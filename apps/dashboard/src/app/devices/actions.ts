'use server';

import { revalidatePath } from 'next/cache';
import { getConfig } from '../../config';
import { installCommand, parseTags } from '../../features/fleet/fleet';
import { hubApi } from '../../lib/hub/api';
import { errorMessage } from '../../lib/hub/errors';
import { requireToken } from '../../lib/session';

export interface AddDeviceState {
  error: string | null;
  /** The command to paste on the device (holds the enrollment token, shown once). */
  command?: string;
  expiresAt?: string;
  maxUses?: number;
}

/** Creates an enrollment token on the hub and answers the device's install command. */
export async function addDeviceAction(_prev: AddDeviceState, form: FormData): Promise<AddDeviceState> {
  const token = await requireToken('/');
  try {
    const maxUsesText = String(form.get('maxUses') ?? '1').trim() || '1';
    const maxUses = Number(maxUsesText);
    if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > 10_000)
      throw new Error('"Devices" must be a whole number from 1 to 10000.');
    const label = String(form.get('label') ?? '').trim();
    const tags = parseTags(String(form.get('tags') ?? ''));
    const created = await hubApi.createEnrollmentToken(token, {
      maxUses,
      tags,
      ...(label ? { label } : {}),
    });
    return {
      error: null,
      command: installCommand(getConfig().hubPublicUrl, created.token, String(form.get('name') ?? '')),
      expiresAt: created.expiresAt,
      maxUses: created.maxUses,
    };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

export interface RolloutState {
  error: string | null;
  rolloutId?: string;
}

/** Rolls an agent version out to all devices or those with a tag. */
export async function rolloutAction(_prev: RolloutState, form: FormData): Promise<RolloutState> {
  const token = await requireToken('/');
  let rolloutId: string;
  try {
    const version = String(form.get('version') ?? '').trim();
    if (!version) throw new Error('Pick the agent version to roll out.');
    const tag = String(form.get('tag') ?? '').trim();
    const minutes = Number(String(form.get('confirmMinutes') ?? '5'));
    if (!Number.isFinite(minutes) || minutes < 0.1 || minutes > 60)
      throw new Error('The confirmation window is 0.1 to 60 minutes.');
    const r = await hubApi.createRollout(token, {
      version,
      devices: tag ? { tags: [tag] } : { all: true },
      confirmWithinMs: Math.round(minutes * 60_000),
    });
    rolloutId = r.id;
  } catch (err) {
    return { error: errorMessage(err) };
  }
  revalidatePath('/');
  return { error: null, rolloutId };
}
