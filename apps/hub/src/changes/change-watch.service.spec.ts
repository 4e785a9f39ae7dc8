import type { ResultCreatedEvent } from '@fleetbench/protocol';
import { EventRepository } from '../repositories/event.repository';
import { mockLogger, mockOf } from '../test-support/mocks';
import type { ChangeRepository } from './change.repository';
import { ChangeWatchService } from './change-watch.service';
import type { RegressionWebhookService } from './regression-webhook.service';

const summary = (id: string): ResultCreatedEvent => ({
  id,
  jobId: `j-${id}`,
  campaignId: 'c1',
  deviceId: 'agt-1',
  deviceName: 'pi-1',
  modelId: 'm1',
  modelName: 'mobilenet',
  hardwareClassId: 'hc-1',
  settingsKey: 'latency|cpu|fp32|b1|t0',
  p50Ms: 3.2,
  throughputIps: 310,
  top1: null,
  verdictStatus: 'valid',
  measuredAt: '2026-12-01T10:00:00.000Z',
});

describe('ChangeWatchService', () => {
  it('watches every result of a results.created batch, in the batch order, and ignores other events', async () => {
    const logger = mockLogger();
    const events = new EventRepository(logger);
    const changes = mockOf<ChangeRepository>();
    const handled: string[] = [];
    changes.watchedResult.mockImplementation(async (id: string) => {
      handled.push(id);
      return null; // result gone: nothing to compare
    });
    const watch = new ChangeWatchService(changes, events, mockOf<RegressionWebhookService>(), logger);
    watch.onModuleInit();

    events.emit('results.created', { results: [summary('r1'), summary('r2'), summary('r3')] });
    events.emit('model.created', { id: 'm2' } as never);
    events.emit('results.created', { results: [summary('r4')] });
    await watch.onModuleDestroy();

    expect(handled).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
