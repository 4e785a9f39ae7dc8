import { toCsv } from '../../lib/export';
import { jobExportColumns } from './job-export';

const job = {
  id: 'j1',
  campaignId: 'c',
  deviceId: 'd1',
  modelId: 'm',
  modelName: 'resnet',
  settings: {} as never,
  settingsKey: 'latency/bs1',
  state: 'failed' as const,
  attempts: 2,
  progress: null,
  error: { code: 'x', message: 'out of memory, again' },
  updatedAt: '2026-01-01T00:00:00.000Z',
};

test('a job row names its device and carries its newest result', () => {
  const csv = toCsv(
    [job, { ...job, id: 'j2', deviceId: 'd2', state: 'succeeded' as const, error: null }],
    jobExportColumns({ d1: 'bench-1' }, (id) => (id === 'j2' ? { id: 'r9', p50Ms: 4.5 } : undefined)),
  );
  expect(csv.split('\r\n')).toEqual([
    'job_id,model,device,settings,state,progress,attempts,error,result_id,p50_ms',
    'j1,resnet,bench-1,latency/bs1,failed,,2,"out of memory, again",,',
    'j2,resnet,d2,latency/bs1,succeeded,,2,,r9,4.5',
    '',
  ]);
});
