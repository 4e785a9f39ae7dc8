'use client';

import { useRouter } from 'next/navigation';

export interface PickerClass {
  id: string;
  name: string;
  settings: { key: string; label: string }[];
}

function href(basePath: string, classId: string, settingsKey: string, extra: Record<string, string>): string {
  return `${basePath}?${new URLSearchParams({ ...extra, class: classId, settings: settingsKey }).toString()}`;
}

/** Hardware class and settings pickers; plain GET form without JavaScript, instant navigation with it. */
export function LeaderboardPicker({
  classes,
  classId,
  settingsKey,
  basePath = '/leaderboard',
  extra = {},
}: {
  classes: PickerClass[];
  classId: string;
  settingsKey: string;
  /** Page the pickers navigate on (the leaderboard, the chart). */
  basePath?: string;
  /** Other query parameters to keep (e.g. the chart's x metric). */
  extra?: Record<string, string>;
}) {
  const router = useRouter();
  const current = classes.find((c) => c.id === classId) ?? classes[0];
  return (
    <form method="get" action={basePath} className="picker">
      <label>
        <span>Hardware</span>
        <select
          name="class"
          value={current?.id}
          data-testid="class-select"
          onChange={(e) => {
            const c = classes.find((x) => x.id === e.target.value);
            if (c) router.push(href(basePath, c.id, c.settings[0]?.key ?? '', extra));
          }}
        >
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Settings</span>
        <select
          name="settings"
          value={settingsKey}
          data-testid="settings-select"
          onChange={(e) => current && router.push(href(basePath, current.id, e.target.value, extra))}
        >
          {current?.settings.map((s) => (
            <option key={s.key} value={s.key}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <noscript>
        <button type="submit" className="btn">
          Show
        </button>
      </noscript>
    </form>
  );
}
