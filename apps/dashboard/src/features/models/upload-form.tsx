'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { Model } from '@fleetbench/protocol';
import { describeInput, describeScoredOutput } from './model-io';

/** A preset offered at upload and where its values come from (PREPROCESSING_PRESETS, passed by the server page). */
export interface PresetOption {
  name: string;
  source: string;
}

/** Register a model by uploading its .onnx file (streamed through the dashboard to the hub). */
export function ModelUploadForm({ families, presets }: { families: string[]; presets: PresetOption[] }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [family, setFamily] = useState('');
  const [top1, setTop1] = useState('');
  // 'proposed': the hub's proposal from the model's signature; '': none (latency only until one is set).
  const [preset, setPreset] = useState<string>('proposed');
  const [registered, setRegistered] = useState<Model | null>(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!file) return;
    const q = new URLSearchParams({ name: name.trim() || file.name.replace(/\.onnx$/i, '') });
    if (family.trim()) q.set('family', family.trim());
    const t = Number(top1);
    if (top1.trim() && Number.isFinite(t) && t > 0 && t <= 100)
      q.set('referenceMetrics', JSON.stringify({ top1: t / 100, source: 'entered at upload' }));
    if (preset === 'proposed') q.set('useProposedPreset', 'true');
    else if (preset) q.set('preprocessing', JSON.stringify({ preset }));
    setBusy(true);
    setMsg(null);
    setRegistered(null);
    try {
      const res = await fetch(`/api/models/upload?${q.toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: file,
      });
      const body = (await res.json().catch(() => ({}))) as Partial<Model> & { message?: string };
      if (!res.ok) setMsg({ ok: false, text: body.message ?? `Upload failed (${res.status})` });
      else {
        setRegistered(body as Model);
        setMsg({
          ok: true,
          text: `${res.status === 201 ? 'Registered' : 'Already registered'}: ${body.name} (sha256 ${body.sha256?.slice(0, 12)}…)`,
        });
        router.refresh();
      }
    } catch (err) {
      setMsg({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} data-testid="model-upload-form">
      <h2>Register a model</h2>
      <div className="form-grid">
        <label className="field">
          <span>ONNX file</span>
          <input
            type="file"
            accept=".onnx,application/octet-stream"
            required
            data-testid="model-file"
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              if (f && !name) setName(f.name.replace(/\.onnx$/i, ''));
            }}
          />
        </label>
        <label className="field">
          <span>Name</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={200}
            placeholder="e.g. ResNet50_vd"
            data-testid="model-name-input"
          />
        </label>
        <label className="field">
          <span>Family</span>
          <input
            value={family}
            onChange={(e) => setFamily(e.target.value)}
            list="families"
            maxLength={100}
            placeholder="e.g. ResNet"
            data-testid="model-family-input"
          />
          <datalist id="families">
            {families.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>Published top-1 % (optional)</span>
          <input
            type="number"
            min={0}
            max={100}
            step={0.01}
            value={top1}
            onChange={(e) => setTop1(e.target.value)}
            data-testid="model-top1-input"
          />
        </label>
        <label className="field">
          <span>Preprocessing preset</span>
          <select value={preset} onChange={(e) => setPreset(e.target.value)} data-testid="model-preset-select">
            <option value="proposed">proposed from the model</option>
            {presets.map((p) => (
              <option key={p.name} value={p.name} title={p.source}>
                {p.name}
              </option>
            ))}
            <option value="">none (set later)</option>
          </select>
        </label>
      </div>
      <p className="muted small">
        Input element type, layout and size, the output to score and its label offset are read from the model; the
        preset only says how pixels are normalised
        {preset && preset !== 'proposed' ? ` (${presets.find((p) => p.name === preset)?.source ?? preset})` : ''}.
      </p>
      <button type="submit" className="btn btn-primary" disabled={!file || busy} data-testid="model-upload-submit">
        {busy ? 'Uploading…' : 'Upload and register'}
      </button>
      {msg ? (
        <div
          className={`notice ${msg.ok ? 'notice-info' : 'notice-error'}`}
          role="status"
          data-testid="model-upload-result"
          style={{ marginTop: '0.75rem' }}
        >
          {msg.text}
        </div>
      ) : null}
      {registered?.ioFacts ? (
        <dl className="kv small" data-testid="model-upload-facts" style={{ marginTop: '0.75rem' }}>
          <dt>Input (read from the model)</dt>
          <dd className="mono">{describeInput(registered.ioFacts)}</dd>
          <dt>Scored output</dt>
          <dd className="mono">{describeScoredOutput(registered.ioFacts)}</dd>
          <dt>Preset</dt>
          <dd>
            {registered.preprocessing?.preset ?? (registered.preprocessing ? 'custom spec' : 'none')}
            {registered.ioFacts.proposedPreset ? ` · proposed: ${registered.ioFacts.proposedPreset}` : ''}
          </dd>
          <dt>Why</dt>
          <dd>{registered.ioFacts.notes.join('; ') || '—'}</dd>
        </dl>
      ) : null}
    </form>
  );
}
