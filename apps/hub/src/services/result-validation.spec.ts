import { resultMessage } from '../test-support/fixtures';
import { validateResult } from './result-validation';

const device = { id: 'agent-1', hardwareClassId: 'hc', revokedAt: null };
const job = { id: 'j1', deviceId: 'agent-1', modelId: 'm', settingsKey: 'k', state: 'running', attempts: 1 };

describe('validateResult (the per-result step of batched ingest)', () => {
  it('accepts a result for a job of the publishing device', () => {
    expect(validateResult(resultMessage('j1'), { device, job })).toEqual({ accept: true });
  });

  it('rejects a result for an unknown job or a job of another device, with the reason', () => {
    expect(validateResult(resultMessage('j1'), { device, job: null })).toEqual({
      accept: false,
      reason: 'result for an unknown job rejected',
    });
    expect(validateResult(resultMessage('j1'), { device, job: { ...job, deviceId: 'agent-2' } })).toEqual({
      accept: false,
      reason: 'result for a job of another device rejected',
    });
  });
});
