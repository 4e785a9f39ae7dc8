// Runs a model on a deterministic input and prints {arch, top1, score} as JSON, so the same model's answer can be
// compared between native x86-64 and emulated arm64.
const ort = require('onnxruntime-node');

async function main() {
  const file = process.argv[2];
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const name = session.inputNames[0];
  const meta = session.inputMetadata?.find?.((m) => m.name === name);
  const dims = (meta?.shape ?? [1, 3, 224, 224]).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = ((i * 7919) % 255) / 255 - 0.5;
  const out = await session.run({ [name]: new ort.Tensor('float32', data, dims) });
  const scores = out[session.outputNames[0]].data;
  let top1 = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[top1]) top1 = i;
  console.log(JSON.stringify({ arch: process.arch, top1, score: Number(scores[top1].toFixed(3)) }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
