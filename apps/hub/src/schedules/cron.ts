import { CronExpressionParser } from 'cron-parser';
import { AppError } from '../utils/app-error';

/** Whether the runtime knows this IANA time zone (cron-parser would otherwise fail only at the first tick). */
function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The first tick of `cron` (in `timezone`) strictly after `after`; a 400 naming the problem for a bad expression. */
export function nextTick(cron: string, timezone: string, after: Date): Date {
  if (!knownTimeZone(timezone))
    throw new AppError(
      'validation-failed',
      `Unknown time zone "${timezone}"; use an IANA name such as UTC or Europe/Paris.`,
    );
  try {
    return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone }).next().toDate();
  } catch (err) {
    throw new AppError(
      'validation-failed',
      `The cron expression "${cron}" is not valid (${(err as Error).message}); use five fields, e.g. "0 3 * * *" for 03:00 daily.`,
    );
  }
}
