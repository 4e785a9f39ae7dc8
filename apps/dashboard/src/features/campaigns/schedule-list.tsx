import type { Schedule } from '@fleetbench/protocol';
import Link from 'next/link';
import { deleteScheduleAction, updateScheduleAction } from '../../app/campaigns/schedule-actions';
import { formatTimestamp } from '../../lib/format';

/** Campaign schedules: when each runs next and how its last tick went; operators edit cron, zone and on/off in place. */
export function ScheduleList({ schedules, canOperate }: { schedules: Schedule[]; canOperate: boolean }) {
  if (!schedules.length)
    return (
      <p className="muted" data-testid="schedules-empty">
        No schedules. Open a campaign and use “Repeat on a schedule” to run it again every night, every week, ….
      </p>
    );
  return (
    <div className="table-wrap">
      <table className="table" data-testid="schedules">
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            <th scope="col">Cron · time zone · on</th>
            <th scope="col" className="col-opt">
              Next run
            </th>
            <th scope="col">Last tick</th>
          </tr>
        </thead>
        <tbody>
          {schedules.map((s) => (
            <tr key={s.id} data-testid="schedule-row">
              <td className="cell-name">
                {s.name}
                <div className="muted small">
                  {s.campaign.modelIds.length} model{s.campaign.modelIds.length === 1 ? '' : 's'} ·{' '}
                  {s.campaign.settings.length} setting{s.campaign.settings.length === 1 ? '' : 's'}
                </div>
              </td>
              <td>
                {canOperate ? (
                  <form action={updateScheduleAction} className="toolbar">
                    <input type="hidden" name="id" value={s.id} />
                    <input name="cron" defaultValue={s.cron} aria-label="cron" className="mono" size={14} required />
                    <input name="timezone" defaultValue={s.timezone} aria-label="time zone" size={12} />
                    <label className="small">
                      <input type="checkbox" name="enabled" defaultChecked={s.enabled} /> on
                    </label>
                    <button type="submit" className="btn btn-small">
                      Save
                    </button>
                    <button type="submit" formAction={deleteScheduleAction} className="btn btn-small">
                      Delete
                    </button>
                  </form>
                ) : (
                  <span className="mono">
                    {s.cron} · {s.timezone} · {s.enabled ? 'on' : 'off'}
                  </span>
                )}
              </td>
              <td className="col-opt nowrap small">{s.nextRunAt ? formatTimestamp(s.nextRunAt) : 'off'}</td>
              <td className="small">
                {s.lastTickAt ? formatTimestamp(s.lastTickAt) : 'not yet'}
                {s.lastOutcome ? <div className="muted">{s.lastOutcome}</div> : null}
                {s.lastCampaignId ? (
                  <Link href={`/campaigns/${encodeURIComponent(s.lastCampaignId)}`}>last campaign</Link>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
