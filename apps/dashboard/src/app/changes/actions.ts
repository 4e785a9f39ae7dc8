'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { hubChanges } from '../../lib/hub/changes';
import { errorMessage } from '../../lib/hub/errors';
import { requireToken } from '../../lib/session';

/** Set the regression webhook (admin); the secret goes to the hub and is never shown again. */
export async function setWebhookAction(form: FormData): Promise<void> {
  const token = await requireToken('/changes');
  const url = String(form.get('url') ?? '').trim();
  const secret = String(form.get('secret') ?? '').trim();
  let problem: string | null = null;
  try {
    await hubChanges.setWebhook(token, { url, ...(secret ? { secret } : {}) });
  } catch (err) {
    problem = errorMessage(err);
  }
  revalidatePath('/changes');
  redirect(problem ? `/changes?webhookError=${encodeURIComponent(problem)}` : '/changes?webhook=saved');
}

export async function clearWebhookAction(): Promise<void> {
  const token = await requireToken('/changes');
  let problem: string | null = null;
  try {
    await hubChanges.clearWebhook(token);
  } catch (err) {
    problem = errorMessage(err);
  }
  revalidatePath('/changes');
  redirect(problem ? `/changes?webhookError=${encodeURIComponent(problem)}` : '/changes?webhook=removed');
}
