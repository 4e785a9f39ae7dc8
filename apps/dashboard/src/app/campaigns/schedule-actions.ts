'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { rerunRequest } from '../../features/campaigns/matrix';
import { hubApi } from '../../lib/hub/api';
import { errorMessage } from '../../lib/hub/errors';
import { hubSchedules } from '../../lib/hub/schedules';
import { requireToken } from '../../lib/session';

const field = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

/** Back to the Campaigns page with what happened (a server action form has no other state to show it in). */
function done(problem: string | null, ok: string): never {
  revalidatePath('/campaigns');
  redirect(
    problem
      ? `/campaigns?scheduleError=${encodeURIComponent(problem)}#schedules`
      : `/campaigns?schedule=${ok}#schedules`,
  );
}

/** Repeat a campaign on a cron schedule: the schedule starts the campaign's own request (models, selector, settings). */
export async function scheduleCampaignAction(form: FormData): Promise<void> {
  const campaignId = field(form, 'campaignId');
  const token = await requireToken(`/campaigns/${campaignId}`);
  let problem: string | null = null;
  try {
    const c = await hubApi.campaign(token, campaignId);
    const request = rerunRequest(c);
    const name = field(form, 'name') || c.name;
    await hubSchedules.create(token, {
      name,
      cron: field(form, 'cron'),
      timezone: field(form, 'timezone') || 'UTC',
      campaign: { ...request, name },
    });
  } catch (err) {
    problem = errorMessage(err);
  }
  done(problem, 'created');
}

/** Save a schedule row's cron, time zone and enabled switch. */
export async function updateScheduleAction(form: FormData): Promise<void> {
  const token = await requireToken('/campaigns');
  let problem: string | null = null;
  try {
    await hubSchedules.update(token, field(form, 'id'), {
      cron: field(form, 'cron'),
      timezone: field(form, 'timezone') || 'UTC',
      enabled: form.get('enabled') === 'on',
    });
  } catch (err) {
    problem = errorMessage(err);
  }
  done(problem, 'saved');
}

export async function deleteScheduleAction(form: FormData): Promise<void> {
  const token = await requireToken('/campaigns');
  let problem: string | null = null;
  try {
    await hubSchedules.remove(token, field(form, 'id'));
  } catch (err) {
    problem = errorMessage(err);
  }
  done(problem, 'deleted');
}
