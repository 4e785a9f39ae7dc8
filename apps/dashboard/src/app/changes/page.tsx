import type { Metadata } from 'next';
import Link from 'next/link';
import { CHANGE_DEFAULTS, ChangeKindSchema } from '@fleetbench/protocol';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import { ChangeTable } from '../../features/changes/change-table';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubChanges } from '../../lib/hub/changes';
import { load } from '../../lib/hub/load';
import { one, pathWith, type SearchParams } from '../../lib/params';
import { getAbilities, requireToken } from '../../lib/session';
import { clearWebhookAction, setWebhookAction } from './actions';

export const metadata: Metadata = { title: 'Changes · Fleetbench' };

export default async function ChangesPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const kind = ChangeKindSchema.safeParse(one(sp.kind)).data;
  const here = pathWith('/changes', { kind });
  const token = await requireToken(here);
  const [changes, can] = await Promise.all([load(hubChanges.list(token, { kind }), here), getAbilities(token)]);
  const webhook = can.administer ? await load(hubChanges.webhook(token), here) : null;
  const webhookError = one(sp.webhookError);
  const webhookDone = one(sp.webhook);

  return (
    <section>
      <LiveRefresh event="results.created" />
      <h1>Changes</h1>
      <p className="muted">
        Each result is compared with the previous valid result of the same model, hardware class, settings and device. A
        move is marked when the two results&apos; {CHANGE_DEFAULTS.confidence * 100} % intervals (p50 from the latency
        histogram, throughput from the mean latency, top-1 as a proportion of the images) leave no doubt and it is at
        least {CHANGE_DEFAULTS.minRelative.p50Ms * 100} % (latency, throughput); the software that changed between them
        is named.
      </p>
      <div className="toolbar" role="group" aria-label="Kind">
        {[undefined, 'regression', 'improvement'].map((k) => (
          <Link
            key={k ?? 'all'}
            href={pathWith('/changes', { kind: k })}
            className={`btn btn-small${k === kind ? ' btn-primary' : ''}`}
            aria-current={k === kind ? 'page' : undefined}
            data-testid={`changes-filter-${k ?? 'all'}`}
          >
            {k ? `${k}s` : 'all'}
          </Link>
        ))}
      </div>
      {!changes.ok ? (
        <HubErrorNotice problem={changes.problem} />
      ) : changes.data.length === 0 ? (
        <EmptyState title="No changes marked yet.">
          <p>
            Changes appear when a model is measured again on the same device with the same settings — e.g. after an
            onnxruntime or agent upgrade — and its figures moved beyond what the two runs&apos; intervals allow.
          </p>
        </EmptyState>
      ) : (
        <ChangeTable changes={changes.data} />
      )}

      {webhook ? (
        <>
          <h2>Regression webhook</h2>
          {webhookError ? <div className="notice notice-error">{webhookError}</div> : null}
          {webhookDone ? <div className="notice notice-info">Webhook {webhookDone}.</div> : null}
          {!webhook.ok ? (
            <HubErrorNotice problem={webhook.problem} />
          ) : (
            <form action={setWebhookAction} className="form-grid card" data-testid="webhook-form">
              <p className="muted small">
                The hub POSTs each regression as JSON to this URL (a call that fails is retried with backoff, six tries
                in all, over about an hour). With a secret, each call carries{' '}
                <code>x-fleetbench-signature: sha256=&lt;HMAC of the body&gt;</code>. The secret is never shown again
                {webhook.data.secretSet ? '; one is set' : ''}.
              </p>
              <label className="field">
                URL
                <input
                  name="url"
                  type="url"
                  required
                  defaultValue={webhook.data.url ?? ''}
                  placeholder="https://example.com/hooks/fleetbench"
                />
              </label>
              <label className="field">
                Secret (optional, at least 16 characters)
                <input name="secret" type="password" autoComplete="new-password" minLength={16} />
              </label>
              <div className="row-actions">
                <button type="submit" className="btn btn-primary">
                  Save webhook
                </button>
                {webhook.data.url ? (
                  <button type="submit" formAction={clearWebhookAction} className="btn" formNoValidate>
                    Remove
                  </button>
                ) : null}
              </div>
            </form>
          )}
        </>
      ) : null}
    </section>
  );
}
