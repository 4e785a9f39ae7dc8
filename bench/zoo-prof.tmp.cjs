const z = require('/work/main/packages/zoo/dist/index.js');
const ort = require('onnxruntime-node');
(async () => {
for (const name of ['ResNet18', 'AlexNet']) {
  let t = Date.now();
  const b = z.buildModel({ name });
  const tb = Date.now() - t; t = Date.now();
  const s = await ort.InferenceSession.create(b.bytes, { executionProviders: ['cpu'], intraOpNumThreads: 2, graphOptimizationLevel: 'basic' });
  const tc = Date.now() - t; t = Date.now();
  const size = 224; const data = new Float32Array(2*3*size*size);
  await s.run({ x: new ort.Tensor('float32', data, [2,3,size,size]) });
  console.log(name, 'build', tb, 'create', tc, 'run', Date.now() - t, 'MB', b.bytes.length/1e6);
}
})();
