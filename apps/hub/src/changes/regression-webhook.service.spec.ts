import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChangeRepository, ChangeRow } from './change.repository';
import { SecretUnreadableError } from '../repositories/secret-box.repository';
import { RegressionWebhookService, WEBHOOK_RETRY_DELAYS_MS } from './regression-webhook.service';
import { fixedClock, mockLogger, mockOf } from '../test-support/mocks';

const NOW = '2026-01-01T00:00:00.000Z';
const row = (notifyAttempts: number) =>
  ({
    id: 'chg-1',
    kind: 'regression',
    metric: 'p50Ms',
    resultId: 'r2',
    baselineResultId: 'r1',
    modelId: 'm',
    hardwareClassId: 'hc',
    settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    deviceId: 'd',
    before: 5,
    after: 5.7,
    relative: 0.14,
    relativeLow: 0.12,
    relativeHigh: 0.16,
    changedParts: [],
    summary: 'no software change: p50 +14.0 %',
    measuredAt: new Date(NOW),
    notifiedAt: null,
    notifyAttempts,
    result: { device: { name: 'd' }, model: { name: 'm' }, hardwareClass: { name: 'hc' } },
  }) as unknown as ChangeRow;

function setup(attempts: number, hook: { url: string; secret: string | null } | null) {
  const repo = mockOf<ChangeRepository>();
  repo.claimDue.mockResolvedValueOnce([row(attempts)]).mockResolvedValue([]);
  repo.webhook.mockResolvedValue(hook ? { ...hook, updatedAt: new Date(NOW) } : null);
  const logger = mockLogger();
  const svc = new RegressionWebhookService(repo, fixedClock(NOW) as never, logger);
  return { svc, repo, logger };
}

/** A loopback URL nothing listens on (a port just freed), so a call fails at once with ECONNREFUSED. */
let CLOSED = '';
beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  CLOSED = `http://127.0.0.1:${port}/hook?token=do-not-log`;
});

describe('RegressionWebhookService', () => {
  it('schedules the next try after a failed call, by the backoff of that attempt', async () => {
    const { svc, repo, logger } = setup(0, { url: CLOSED, secret: 's'.repeat(16) });
    expect(await svc.sweep()).toBe(0);
    expect(repo.markFailed).toHaveBeenCalledWith(
      'chg-1',
      'ECONNREFUSED',
      new Date(Date.parse(NOW) + WEBHOOK_RETRY_DELAYS_MS[0]!),
    );
    // Logged by origin only: no path, no query, no secret.
    const logged = JSON.stringify(logger.warn.mock.calls);
    expect(logged).toContain(new URL(CLOSED).origin);
    expect(logged).not.toContain('do-not-log');
    expect(logged).not.toContain('s'.repeat(16));
  });

  it('gives up after the last retry: the row keeps its error and no next try', async () => {
    const { svc, repo } = setup(WEBHOOK_RETRY_DELAYS_MS.length, { url: CLOSED, secret: null });
    await svc.sweep();
    expect(repo.markFailed).toHaveBeenCalledWith('chg-1', 'ECONNREFUSED', null);
  });

  it('stops trying when the webhook was removed meanwhile', async () => {
    const { svc, repo } = setup(1, null);
    await svc.sweep();
    expect(repo.markFailed).toHaveBeenCalledWith('chg-1', 'no webhook set', null);
    expect(repo.markDelivered).not.toHaveBeenCalled();
  });

  it('never calls unsigned when the stored secret cannot be decrypted: the call waits for its next try', async () => {
    const { svc, repo } = setup(0, { url: CLOSED, secret: 's'.repeat(16) });
    repo.webhook.mockRejectedValue(new SecretUnreadableError('wrong key'));
    await svc.sweep();
    expect(repo.markFailed).toHaveBeenCalledWith(
      'chg-1',
      expect.stringContaining('cannot be decrypted'),
      new Date(Date.parse(NOW) + WEBHOOK_RETRY_DELAYS_MS[0]!),
    );
    expect(repo.markDelivered).not.toHaveBeenCalled();
  });
});
