'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { compareHref, type CompareBy } from './compare';

export interface CompareOption {
  id: string;
  name: string;
  /** Short note beside the name, e.g. "12 models" or the device's hardware class. */
  detail: string;
}

/**
 * Pick what to compare (hardware classes or single devices), two or more of them, and a settings key; navigates to
 * /compare?by=classes&classes=a,b&settings=k (or by=devices&devices=…).
 */
export function ComparePicker({
  by,
  options,
  selected,
  settings,
  settingsKey,
}: {
  by: CompareBy;
  options: CompareOption[];
  selected: string[];
  settings: { key: string; label: string }[];
  settingsKey: string;
}) {
  const router = useRouter();
  const [pick, setPick] = useState(selected);
  const [key, setKey] = useState(settingsKey);
  const what = by === 'devices' ? 'devices' : 'classes';
  return (
    <form
      className="card"
      method="get"
      action="/compare"
      onSubmit={(e) => {
        e.preventDefault();
        router.push(compareHref(by, pick, key));
      }}
      data-testid="compare-picker"
      data-by={by}
    >
      <input type="hidden" name="by" value={by} />
      <div className="segmented" role="tablist" aria-label="Compare by">
        <Link
          href={compareHref('classes', [], '')}
          role="tab"
          aria-selected={by === 'classes'}
          className={by === 'classes' ? 'active' : ''}
          data-testid="compare-by-classes"
        >
          Hardware classes
        </Link>
        <Link
          href={compareHref('devices', [], '')}
          role="tab"
          aria-selected={by === 'devices'}
          className={by === 'devices' ? 'active' : ''}
          data-testid="compare-by-devices"
        >
          Devices
        </Link>
      </div>
      <div className="form-grid">
        <fieldset>
          <legend>
            {by === 'devices'
              ? 'Devices (two or more; each from its own valid results; the first ticked is the baseline)'
              : 'Hardware classes (two or more; the first ticked is the baseline)'}
          </legend>
          <div className="check-list">
            {options.map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  name={what}
                  value={c.id}
                  checked={pick.includes(c.id)}
                  data-testid={by === 'devices' ? 'compare-device' : 'compare-class'}
                  onChange={(e) => setPick((p) => (e.target.checked ? [...p, c.id] : p.filter((x) => x !== c.id)))}
                />
                {pick.includes(c.id) ? <strong>{String.fromCharCode(65 + pick.indexOf(c.id))}</strong> : null} {c.name}{' '}
                <span className="muted small">({c.detail})</span>
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
            Compare {pick.length} {what}
          </button>
        </div>
      </div>
    </form>
  );
}
