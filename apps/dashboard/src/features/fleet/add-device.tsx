'use client';

import { useActionState, useState } from 'react';
import { addDeviceAction, type AddDeviceState } from '../../app/devices/actions';
import { CopyButton } from '../../components/copy-button';
import { formatTimestamp } from '../../lib/format';

/**
 * "Add device": creates an enrollment token on the hub and shows the one command to paste on the device. The device
 * then appears in the fleet table by itself (the hub pushes device.updated when it enrolls).
 */
export function AddDevicePanel({ initiallyOpen = false }: { initiallyOpen?: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const [state, action, pending] = useActionState<AddDeviceState, FormData>(addDeviceAction, { error: null });
  if (!open)
    return (
      <p>
        <button type="button" className="btn btn-primary" data-testid="add-device" onClick={() => setOpen(true)}>
          Add device
        </button>
      </p>
    );
  return (
    <form action={action} className="card" data-testid="add-device-form">
      <h2>Add a device</h2>
      <p className="muted">
        Creates an enrollment token (valid 24 h) and the command that installs the agent from this hub on a 64-bit Linux
        device with Node.js 20+ (x86-64 or arm64), enrolls it and starts it as a systemd service.
      </p>
      <div className="form-grid">
        <label className="field">
          <span>Device name (empty: the device&apos;s host name)</span>
          <input name="name" type="text" maxLength={120} data-testid="add-device-name" />
        </label>
        <label className="field">
          <span>Tags (comma separated)</span>
          <input name="tags" type="text" placeholder="lab, pi4" data-testid="add-device-tags" />
        </label>
        <label className="field">
          <span>Devices that may use the token</span>
          <input name="maxUses" type="number" min={1} max={10000} defaultValue={1} data-testid="add-device-uses" />
        </label>
        <label className="field">
          <span>Label (shown on the hub)</span>
          <input name="label" type="text" maxLength={200} data-testid="add-device-label" />
        </label>
      </div>
      <p>
        <button type="submit" className="btn btn-primary" disabled={pending} data-testid="add-device-submit">
          {pending ? 'Creating…' : state.command ? 'New token' : 'Create token and command'}
        </button>{' '}
        <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
          Close
        </button>
      </p>
      {state.error ? (
        <div className="notice notice-error" role="alert" data-testid="add-device-error">
          {state.error}
        </div>
      ) : null}
      {state.command ? (
        <div data-testid="add-device-result">
          <p>
            Run this on the device (the token is shown only now; it works for {state.maxUses} device
            {state.maxUses === 1 ? '' : 's'} until {state.expiresAt ? formatTimestamp(state.expiresAt) : '—'}):
          </p>
          <pre className="code" data-testid="install-command">
            {state.command}
          </pre>
          <CopyButton text={state.command} testId="copy-install-command" />
          <p className="muted">The device appears in the table below as soon as it enrolls.</p>
        </div>
      ) : null}
    </form>
  );
}
