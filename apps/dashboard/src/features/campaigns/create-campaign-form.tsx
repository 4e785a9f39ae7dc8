'use client';

import { useActionState, useMemo, useState } from 'react';
import type { Device, HardwareClass, Model } from '@fleetbench/protocol';
import { createCampaignAction, type ActionState } from '../../app/campaigns/actions';
import { expandMatrix, parseIntList, parseWordList } from './matrix';

function matrixSize(batch: string, threads: string, providers: string): number | string {
  try {
    return expandMatrix({
      mode: 'latency',
      batchSizes: parseIntList(batch, 'Batch sizes', 1),
      threads: parseIntList(threads, 'Threads'),
      providers: parseWordList(providers, 'Providers'),
    }).length;
  } catch (e) {
    return (e as Error).message;
  }
}

export function CreateCampaignForm({
  models,
  devices,
  classes,
}: {
  models: Model[];
  devices: Device[];
  classes: HardwareClass[];
}) {
  const [state, action, pending] = useActionState<ActionState, FormData>(createCampaignAction, { error: null });
  const [selector, setSelector] = useState('all');
  const [batch, setBatch] = useState('1');
  const [threads, setThreads] = useState('0');
  const [providers, setProviders] = useState('cpu');
  const [filter, setFilter] = useState('');
  const byFamily = useMemo(() => {
    const m = new Map<string, Model[]>();
    for (const x of models) {
      const f = x.family ?? 'other';
      m.set(f, [...(m.get(f) ?? []), x]);
    }
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [models]);
  const tags = useMemo(() => [...new Set(devices.flatMap((d) => d.tags))].sort(), [devices]);
  const size = matrixSize(batch, threads, providers);
  const f = filter.trim().toLowerCase();

  return (
    <form action={action} className="card" data-testid="create-campaign-form">
      <h2>New campaign</h2>
      <div className="form-grid">
        <fieldset>
          <legend>Models</legend>
          <input
            type="text"
            placeholder="Filter models…"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            aria-label="Filter models"
            style={{ width: '100%', marginBottom: '0.4rem' }}
          />
          <div className="check-list" data-testid="model-picker">
            {byFamily.map(([family, list]) => {
              const visible = list.filter(
                (m) => !f || m.name.toLowerCase().includes(f) || family.toLowerCase().includes(f),
              );
              if (!visible.length) return null;
              return (
                <div key={family}>
                  <label className="family-head">
                    <input type="checkbox" name="family" value={family} data-testid="pick-family" /> {family} (whole
                    family, {list.length})
                  </label>
                  {visible.map((m) => (
                    <label key={m.id} style={{ paddingLeft: '1.2rem' }}>
                      <input
                        type="checkbox"
                        name="model"
                        value={m.id}
                        data-testid="pick-model"
                        data-model-name={m.name}
                      />{' '}
                      {m.name}
                    </label>
                  ))}
                </div>
              );
            })}
            {models.length === 0 ? <p className="muted small">No models registered yet — see Models.</p> : null}
          </div>
        </fieldset>
        <fieldset>
          <legend>Devices</legend>
          {(['all', 'tags', 'classes', 'ids'] as const).map((k) => (
            <label
              key={k}
              className="field"
              style={{ flexDirection: 'row', alignItems: 'center', gap: '0.4rem', margin: '0 0 0.2rem' }}
            >
              <input
                type="radio"
                name="devices"
                value={k}
                checked={selector === k}
                onChange={() => setSelector(k)}
                data-testid={`selector-${k}`}
              />
              {k === 'all'
                ? `All devices (${devices.length})`
                : k === 'tags'
                  ? 'By tag'
                  : k === 'classes'
                    ? 'By hardware class'
                    : 'Pick devices'}
            </label>
          ))}
          <div className="check-list" style={{ marginTop: '0.4rem' }}>
            {selector === 'tags'
              ? tags.map((t) => (
                  <label key={t}>
                    <input type="checkbox" name="tag" value={t} /> {t}
                  </label>
                ))
              : null}
            {selector === 'tags' && !tags.length ? <p className="muted small">No device has tags.</p> : null}
            {selector === 'classes'
              ? classes.map((c) => (
                  <label key={c.id}>
                    <input type="checkbox" name="class" value={c.id} /> {c.name} ({c.devices})
                  </label>
                ))
              : null}
            {selector === 'ids'
              ? devices.map((d) => (
                  <label key={d.id}>
                    <input type="checkbox" name="device" value={d.id} data-testid="pick-device" /> {d.name}{' '}
                    <span className="muted small">{d.online ? 'online' : 'offline'}</span>
                  </label>
                ))
              : null}
            {selector === 'all' ? (
              <p className="muted small">Every enrolled device; offline ones run when they come back.</p>
            ) : null}
          </div>
        </fieldset>
        <fieldset>
          <legend>Settings matrix</legend>
          <label className="field">
            <span>Mode</span>
            <select name="mode" defaultValue="latency" data-testid="campaign-mode">
              <option value="latency">latency</option>
              <option value="throughput">throughput</option>
              <option value="accuracy">accuracy</option>
            </select>
          </label>
          <label className="field">
            <span>Batch sizes (comma list)</span>
            <input name="batch" value={batch} onChange={(e) => setBatch(e.target.value)} data-testid="campaign-batch" />
          </label>
          <label className="field">
            <span>Intra-op threads (comma list, 0 = default)</span>
            <input
              name="threads"
              value={threads}
              onChange={(e) => setThreads(e.target.value)}
              data-testid="campaign-threads"
            />
          </label>
          <label className="field">
            <span>Execution providers (comma list)</span>
            <input
              name="providers"
              value={providers}
              onChange={(e) => setProviders(e.target.value)}
              data-testid="campaign-providers"
            />
          </label>
          <div className="grid-2" style={{ gap: '0.5rem' }}>
            <label className="field">
              <span>Min iterations</span>
              <input name="iterations" type="number" min={1} placeholder="100" data-testid="campaign-iterations" />
            </label>
            <label className="field">
              <span>Min duration ms</span>
              <input name="durationMs" type="number" min={0} placeholder="1000" data-testid="campaign-duration" />
            </label>
            <label className="field">
              <span>Warm-up iterations</span>
              <input name="warmup" type="number" min={0} placeholder="10" data-testid="campaign-warmup" />
            </label>
            <label className="field">
              <span>Sustained minutes (empty: burst)</span>
              <input
                name="sustainedMin"
                type="number"
                min={0.02}
                step="any"
                placeholder="burst"
                data-testid="campaign-sustained"
              />
            </label>
          </div>
          <p className="muted small" data-testid="matrix-size">
            {typeof size === 'number'
              ? `${size} setting combination${size === 1 ? '' : 's'} per model and device`
              : size}
          </p>
        </fieldset>
      </div>
      <div className="row-actions" style={{ marginTop: '0.75rem' }}>
        <label className="field" style={{ margin: 0, flex: '1 1 16rem' }}>
          <span>Name</span>
          <input
            name="name"
            required
            maxLength={200}
            placeholder="e.g. nightly CPU latency"
            data-testid="campaign-name"
          />
        </label>
        <button type="submit" className="btn btn-primary" disabled={pending} data-testid="campaign-submit">
          {pending ? 'Creating…' : 'Create campaign'}
        </button>
      </div>
      {state.error ? (
        <div className="notice notice-error" role="alert" data-testid="campaign-error" style={{ marginTop: '0.75rem' }}>
          {state.error}
        </div>
      ) : null}
    </form>
  );
}
