'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

/** Pick two or more hardware classes and a settings key; navigates to /compare?classes=a,b&settings=k. */
export function ComparePicker({
  classes,
  selected,
  settings,
  settingsKey,
}: {
  classes: { id: string; name: string; models: number }[];
  selected: string[];
  settings: { key: string; label: string }[];
  settingsKey: string;
}) {
  const router = useRouter();
  const [pick, setPick] = useState(selected);
  const [key, setKey] = useState(settingsKey);
  const go = (ids: string[], k: string) =>
    router.push(`/compare?${new URLSearchParams({ classes: ids.join(','), settings: k }).toString()}`);
  return (
    <form
      className="card"
      method="get"
      action="/compare"
      onSubmit={(e) => {
        e.preventDefault();
        go(pick, key);
      }}
      data-testid="compare-picker"
    >
      <div className="form-grid">
        <fieldset>
          <legend>Hardware classes (two or more; the first ticked is the baseline)</legend>
          <div className="check-list">
            {classes.map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  name="classes"
                  value={c.id}
                  checked={pick.includes(c.id)}
                  data-testid="compare-class"
                  onChange={(e) => setPick((p) => (e.target.checked ? [...p, c.id] : p.filter((x) => x !== c.id)))}
                />
                {pick.includes(c.id) ? <strong>{String.fromCharCode(65 + pick.indexOf(c.id))}</strong> : null} {c.name}{' '}
                <span className="muted small">({c.models} models)</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div>
          <label className="field">
            <span>Settings</span>
            <select name="settings" value={key} onChange={(e) => setKey(e.target.value)} data-testid="compare-settings">
              {settings.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary" disabled={pick.length < 2} data-testid="compare-submit">
            Compare {pick.length} classes
          </button>
        </div>
      </div>
    </form>
  );
}
