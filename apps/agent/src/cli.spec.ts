import { readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { buildModel, describeArchitecture } from '@fleetbench/zoo';
import { main } from './cli';
import { saveAgentConfig } from './config';
import { channelMeanClassifier } from './runner/tiny-models';
import { conventionModel } from './test-support/convention-models';
import { colourDataset, tmpDir } from './test-support/datasets';
import { sharedPath } from '../../../test/support/shared-data';

const MNIST = sharedPath('models/mnist.onnx');

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'fleetbench-agent', ...args], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

describe('fleetbench-agent bench', () => {
  const env = process.env.FLEETBENCH_AGENT_DATA_DIR;
  beforeAll(() => {
    process.env.FLEETBENCH_AGENT_DATA_DIR = tmpDir('fb-cli-data-');
  });
  afterAll(() => {
    if (env === undefined) delete process.env.FLEETBENCH_AGENT_DATA_DIR;
    else process.env.FLEETBENCH_AGENT_DATA_DIR = env;
  });

  it('--json prints one object with every figure (latencies in ms)', async () => {
    const r = await cli(
      'bench',
      '--model',
      MNIST,
      '--iterations',
      '30',
      '--duration',
      '0',
      '--warmup',
      '3',
      '--threads',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.settings).toMatchObject({ mode: 'latency', intraOpThreads: 1, minIterations: 30 });
    expect(out.metrics.latencyMs.p50).toBeGreaterThan(0);
    expect(out.metrics.coldStart.sessionCreateMs).toBeGreaterThan(0);
    expect(out.metrics.gflops).toBeGreaterThan(0); // FLOPs counted from the graph
    expect(out.environment.modelSha256).toBe('bd5891fdd7987910bfc3d8fc9a697a88e48309e26e529faa87931fba52904fe8');
    expect(typeof out.histogram).toBe('string');
    expect(out.verdict.status).toMatch(/valid|flagged/);
  });

  it('prints a readable table with seconds of warm-up', async () => {
    const r = await cli('bench', '--model', MNIST, '--iterations', '20', '--duration', '0', '--warmup', '0.1s');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^p50\s+\d+\.\d{3} ms/m);
    expect(r.stdout).toMatch(/^session create/m);
    expect(r.stdout).toMatch(/^verdict\s+/m);
  });

  it('accuracy on a folder with a JSON preprocessing spec; top-1 as a fraction', async () => {
    const model = path.join(tmpDir('fb-cli-model-'), 'm.onnx');
    writeFileSync(model, channelMeanClassifier('float32', 16));
    const ds = await colourDataset();
    const spec = JSON.stringify({
      resizeShorter: 16,
      crop: 16,
      channelOrder: 'BGR',
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
    });
    const r = await cli('bench', '--model', model, '--dataset', ds, '--preprocess', spec, '--json');
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.settings.mode).toBe('accuracy');
    expect(out.metrics.top1).toBe(1);
    expect(out.metrics.accuracySamples).toBe(6);
  });

  it('accuracy with --output NAME picks the output to score and --predictions writes every top-5', async () => {
    const model = path.join(tmpDir('fb-cli-model-'), 'm.onnx');
    writeFileSync(model, conventionModel({ output: 'three', classes: 3, size: 16 }));
    const ds = await colourDataset();
    const predictions = path.join(tmpDir('fb-cli-pred-'), 'p.json');
    const r = await cli(
      'bench',
      '--model',
      model,
      '--dataset',
      ds,
      '--preprocess',
      'caffe',
      '--output',
      'logits',
      '--predictions',
      predictions,
      '--json',
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.metrics.scoring).toMatchObject({ output: 'logits', preset: 'caffe', classes: 3 });
    expect(out.predictions).toBeUndefined(); // in the file, not in the JSON result
    const written = JSON.parse(readFileSync(predictions, 'utf8')) as Array<{ file: string; top5: number[] }>;
    expect(written).toHaveLength(6);
    expect(written[0].top5).toHaveLength(3);
    const table = await cli('bench', '--model', model, '--dataset', ds, '--preprocess', 'caffe');
    expect(table.stdout).toMatch(/^scored output\s+probabilities \[1,3\], class axis 1 \(first of 3 outputs/m);
    expect(table.stdout).toMatch(/^label offset\s+0 /m);
    const wrong = await cli('bench', '--model', model, '--dataset', ds, '--output', 'features');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /output-mismatch.*"features" has shape \[1,8\]: 8 classes on axis 1, but the dataset has 3 labels/,
    );
  });

  it('throughput sweep with --batch 1,2 and clear errors for bad options', async () => {
    const model = path.join(tmpDir('fb-cli-model-'), 'm.onnx');
    writeFileSync(model, channelMeanClassifier('float32', 16));
    const r = await cli('bench', '--model', model, '--batch', '1,2', '--iterations', '5', '--duration', '0', '--json');
    expect(JSON.parse(r.stdout).metrics.throughputByBatch.map((b: { batchSize: number }) => b.batchSize)).toEqual([
      1, 2,
    ]);
    expect((await cli('bench', '--model', MNIST, '--mode', 'accuracy')).stderr).toMatch(/needs --dataset/);
    expect((await cli('bench', '--model', MNIST, '--warmup', 'soon')).stderr).toMatch(/--warmup must be/);
    expect((await cli('bench', '--model', MNIST, '--dataset', '/nonexistent', '--preprocess', 'nope')).stderr).toMatch(
      /Unknown preprocessing preset "nope"/,
    );
    const trt = await cli('bench', '--model', MNIST, '--runner', 'trtexec');
    expect(trt.code).toBe(1);
    expect(trt.stderr).toMatch(/runner-missing.*trtexec is not installed/);
  });

  it('--zoo NAME --seed N builds the zoo model here and benchmarks it (FLOPs from the architecture)', async () => {
    const r = await cli(
      'bench',
      '--zoo',
      'ShuffleNetV2_x0_25',
      '--seed',
      '5',
      '--iterations',
      '5',
      '--duration',
      '0',
      '--warmup',
      '1',
      '--json',
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.recipe).toEqual({ name: 'ShuffleNetV2_x0_25', seed: 5, variant: 'fp32' });
    expect(out.settings.seed).toBe(1); // --seed is the weights' seed here; the input data keeps its default
    expect(out.environment.modelSha256).toBe(buildModel({ name: 'ShuffleNetV2_x0_25', seed: 5 }).sha256);
    // The graph counter cannot follow ShuffleNet's channel shuffle; the architecture's FLOPs are passed instead.
    expect(describeArchitecture('ShuffleNetV2_x0_25').flops).toBeGreaterThan(0);
    expect(out.metrics.gflops).toBeGreaterThan(0);
    expect((await cli('bench', '--zoo', 'NoSuchNet')).stderr).toMatch(/"NoSuchNet" is not in the zoo catalogue/);
    expect((await cli('bench', '--zoo', 'SqueezeNet1_1', '--variant', 'int4')).stderr).toMatch(/--variant must be/);
    expect((await cli('bench')).stderr).toMatch(/--model FILE or --zoo NAME/);
  });

  it('--zoo NAME --variant fp16 builds a float16 model here and benchmarks it', async () => {
    const r = await cli(
      'bench',
      '--zoo',
      'ShuffleNetV2_x0_25',
      '--variant',
      'fp16',
      '--iterations',
      '3',
      '--duration',
      '0',
      '--warmup',
      '1',
      '--threads',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.recipe).toMatchObject({ name: 'ShuffleNetV2_x0_25', variant: 'fp16' });
    expect(out.metrics.iterations).toBe(3);
    expect(out.metrics.gflops).toBeGreaterThan(0);
  }, 30_000);
});

describe('fleetbench-agent doctor', () => {
  it('reports hardware, runtime, providers and the missing enrollment', async () => {
    const r = await cli('doctor', '--json', '--config', path.join(tmpDir('fb-doc-'), 'none.json'));
    const checks = JSON.parse(r.stdout) as Array<{ name: string; status: string; detail: string }>;
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(by.onnxruntime.status).toBe('ok');
    expect(by['execution providers'].detail).toMatch(/usable: .*cpu/);
    expect(by['image library'].status).toBe('ok');
    expect(by.trtexec.status).toBe('warn');
    expect(by.config.detail).toMatch(/not enrolled/);
    const text = await cli('doctor', '--config', path.join(tmpDir('fb-doc-'), 'none.json'));
    expect(text.stdout).toMatch(/^ok\s+onnxruntime\s+onnxruntime-node 1\.30\.0/m);
  }, 30_000); // two CLI processes that load onnxruntime and sharp

  it('names an unreachable hub and broker (closed ports) and exits non-zero', async () => {
    // Two ports that were just free: listen on port 0, note the port, close.
    const closedPort = () =>
      new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      });
    const [hubPort, brokerPort] = [await closedPort(), await closedPort()];
    const dir = tmpDir('fb-doc-closed-');
    const config = path.join(dir, 'agent.json');
    await saveAgentConfig(config, {
      hubUrl: `http://127.0.0.1:${hubPort}`,
      agentId: 'doctor-test',
      name: 'doctor test',
      mqtt: { url: `mqtt://127.0.0.1:${brokerPort}`, username: 'doctor-test', password: 'secret' },
      dataDir: path.join(dir, 'data'),
    });
    const r = await cli('doctor', '--json', '--config', config);
    expect(r.code).toBe(1);
    const by = Object.fromEntries(
      (JSON.parse(r.stdout) as Array<{ name: string; status: string; detail: string }>).map((c) => [c.name, c]),
    );
    expect(by.config.status).toBe('ok');
    expect(by.hub).toEqual({
      name: 'hub',
      status: 'fail',
      detail: `http://127.0.0.1:${hubPort}/api/v1/health is not reachable (ECONNREFUSED); check the hub URL and that the hub runs.`,
    });
    expect(by.broker).toEqual({
      name: 'broker',
      status: 'fail',
      detail: `127.0.0.1:${brokerPort} is not reachable (ECONNREFUSED); check the broker address and firewall.`,
    });
    const text = await cli('doctor', '--config', config);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^FAIL\\s+hub\\s+.*:${hubPort}/.*not reachable`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^FAIL\\s+broker\\s+127\\.0\\.0\\.1:${brokerPort} is not reachable`, 'm'));
    expect(text.stdout).not.toContain('secret');
  }, 30_000);
});
