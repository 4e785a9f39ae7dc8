'use client';

import { useRouter } from 'next/navigation';

export interface ChartSource {
  id: string;
  name: string;
  published: boolean;
  settings: { key: string; label: string }[];
}

function href(q: Record<string, string>): string {
  return `/chart?${new URLSearchParams(Object.entries(q).filter(([, v]) => v)).toString()}`;
}

/** Hardware (measured classes, then published reference hardware), settings (measured only) and the x metric. */
export function ChartPicker({
  sources,
  sourceId,
  settingsKey,
  x,
  overlays = [],
}: {
  sources: ChartSource[];
  sourceId: string;
  settingsKey: string;
  x: string;
  /** Published reference ids drawn beside a measured class. */
  overlays?: string[];
}) {
  const router = useRouter();
  const current = sources.find((s) => s.id === sourceId);
  const measured = sources.filter((s) => !s.published);
  const published = sources.filter((s) => s.published);
  const go = (q: { class?: string; settings?: string; x?: string; overlay?: string[] }) =>
    router.push(
      href({
        class: q.class ?? sourceId,
        settings: q.settings ?? settingsKey,
        x: q.x ?? x,
        overlay: (q.overlay ?? overlays).join(','),
      }),
    );
  return (
    <form method="get" action="/chart" className="picker">
      <label>
        <span>Hardware</span>
        <select
          name="class"
          value={sourceId}
          data-testid="chart-class-select"
          onChange={(e) => {
            const s = sources.find((c) => c.id === e.target.value);
            go({ class: e.target.value, settings: s?.settings[0]?.key ?? '', overlay: s?.published ? [] : overlays });
          }}
        >
          {measured.length ? (
            <optgroup label="Measured on this fleet">
              {measured.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </optgroup>
          ) : null}
          <optgroup label="Published by PaddleClas (reference, not measured here)">
            {published.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      {current && !current.published ? (
        <label>
          <span>Settings</span>
          <select
            name="settings"
            value={settingsKey}
            data-testid="chart-settings-select"
            onChange={(e) => go({ settings: e.target.value })}
          >
            {current.settings.map((s) => (
              <option key={s.key} value={s.key}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        <span>X axis</span>
        <select name="x" value={x} data-testid="chart-x-select" onChange={(e) => go({ x: e.target.value })}>
          <option value="latency">Latency (ms, log scale)</option>
          <option value="throughput">Throughput (img/s, log scale)</option>
          <option value="efficiency">Speed per watt (img/s per W, log scale)</option>
        </select>
      </label>
      {current && !current.published ? (
        <details className="overlay-picker" data-testid="chart-overlay-picker" open={overlays.length > 0 || undefined}>
          <summary>Published beside it{overlays.length ? ` (${overlays.length})` : ''}</summary>
          <div className="check-list">
            {published.map((s) => (
              <label key={s.id}>
                <input
                  type="checkbox"
                  name="overlay"
                  value={s.id}
                  checked={overlays.includes(s.id)}
                  data-testid="chart-overlay"
                  data-ref-id={s.id}
                  onChange={(e) =>
                    go({
                      overlay: e.target.checked ? [...overlays, s.id] : overlays.filter((o) => o !== s.id),
                    })
                  }
                />
                {s.name}
              </label>
            ))}
          </div>
        </details>
      ) : null}
      <noscript>
        <button type="submit" className="btn">
          Show
        </button>
      </noscript>
    </form>
  );
}
