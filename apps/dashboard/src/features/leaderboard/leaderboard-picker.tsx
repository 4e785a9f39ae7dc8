'use client';

import { useRouter } from 'next/navigation';

export interface PickerClass {
  id: string;
  name: string;
  isReference: boolean;
  settings: { key: string; label: string }[];
}

function href(classId: string, settingsKey: string): string {
  return `/leaderboard?${new URLSearchParams({ class: classId, settings: settingsKey }).toString()}`;
}

/** Hardware class and settings pickers; plain GET form without JavaScript, instant navigation with it. */
export function LeaderboardPicker({ classes, classId, settingsKey }: { classes: PickerClass[]; classId: string; settingsKey: string }) {
  const router = useRouter();
  const current = classes.find((c) => c.id === classId) ?? classes[0];
  return (
    <form method="get" action="/leaderboard" className="picker">
      <label>
        <span>Hardware</span>
        <select
          name="class"
          value={current?.id}
          data-testid="class-select"
          onChange={(e) => {
            const c = classes.find((x) => x.id === e.target.value);
            if (c) router.push(href(c.id, c.settings[0]?.key ?? ''));
          }}
        >
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
              {c.isReference && !/published/i.test(c.name) ? ' (published)' : ''}
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
          onChange={(e) => current && router.push(href(current.id, e.target.value))}
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
