'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import {
  buildSelector,
  expandMatrix,
  parseIntList,
  parseWordList,
  pickModels,
  rerunRequest,
  timeoutForSustained,
} from '../../features/campaigns/matrix';
import { hubApi } from '../../lib/hub/api';
import { errorMessage } from '../../lib/hub/errors';
import { requireToken } from '../../lib/session';

export interface ActionState {
  error: string | null;
}

const message = errorMessage;

const optInt = (v: FormDataEntryValue | null): number | undefined => {
  const n = Number(String(v ?? '').trim());
  return String(v ?? '').trim() && Number.isInteger(n) && n >= 0 ? n : undefined;
};

/** Create a campaign from the form; on success go to its live page. */
export async function createCampaignAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const token = await requireToken('/campaigns');
  let id: string;
  try {
    const name = String(form.get('name') ?? '').trim();
    if (!name) throw new Error('Give the campaign a name.');
    const models = await hubApi.models(token);
    const modelIds = pickModels(models, form.getAll('model').map(String), form.getAll('family').map(String));
    if (!modelIds.length) throw new Error('Pick at least one model or family.');
    const kind = String(form.get('devices') ?? 'all');
    const devices = buildSelector(kind, {
      ids: form.getAll('device').map(String),
      tags: form.getAll('tag').map(String),
      classes: form.getAll('class').map(String),
    });
    if (!devices.all && devices.ids.length + devices.tags.length + devices.hardwareClassIds.length === 0)
      throw new Error('Pick the devices (all, tags, hardware classes or devices).');
    const mode = String(form.get('mode') ?? 'latency');
    if (mode !== 'latency' && mode !== 'throughput' && mode !== 'accuracy') throw new Error(`unknown mode ${mode}`);
    const sustainedMin = String(form.get('sustainedMin') ?? '').trim();
    const sustainedMs = sustainedMin ? Math.round(Number(sustainedMin) * 60_000) : undefined;
    if (sustainedMs !== undefined && !(sustainedMs >= 1000 && sustainedMs <= 16 * 3600_000))
      throw new Error(`Sustained minutes: "${sustainedMin}" is not a length between 1 s and 16 h.`);
    if (sustainedMs !== undefined && mode === 'accuracy')
      throw new Error('Sustained runs measure latency or throughput, not accuracy.');
    const settings = expandMatrix({
      mode,
      batchSizes: parseIntList(String(form.get('batch') ?? '1'), 'Batch sizes', 1),
      threads: parseIntList(String(form.get('threads') ?? '0'), 'Threads', 0),
      providers: parseWordList(String(form.get('providers') ?? 'cpu'), 'Providers'),
      minIterations: optInt(form.get('iterations')),
      minDurationMs: optInt(form.get('durationMs')),
      warmupIterations: optInt(form.get('warmup')),
      sustainedMs,
    });
    if (settings.length > 100) throw new Error(`The settings matrix has ${settings.length} combinations; at most 100.`);
    const timeoutMs = timeoutForSustained(sustainedMs);
    const c = await hubApi.createCampaign(token, {
      name,
      modelIds,
      devices,
      settings,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    id = c.id;
  } catch (err) {
    return { error: message(err) };
  }
  revalidatePath('/campaigns');
  redirect(`/campaigns/${encodeURIComponent(id)}`);
}

export async function cancelCampaignAction(id: string): Promise<ActionState> {
  const token = await requireToken(`/campaigns/${id}`);
  try {
    await hubApi.cancelCampaign(token, id);
  } catch (err) {
    return { error: message(err) };
  }
  revalidatePath(`/campaigns/${id}`);
  return { error: null };
}

export async function rerunCampaignAction(id: string): Promise<ActionState> {
  const token = await requireToken(`/campaigns/${id}`);
  let newId: string;
  try {
    const c = await hubApi.campaign(token, id);
    newId = (await hubApi.createCampaign(token, rerunRequest(c))).id;
  } catch (err) {
    return { error: message(err) };
  }
  revalidatePath('/campaigns');
  redirect(`/campaigns/${encodeURIComponent(newId)}`);
}
