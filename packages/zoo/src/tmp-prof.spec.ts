import { buildModel } from './index';
import { GraphBuilder } from './graph/graph-builder';
import { recipeFor } from './architectures/registry';
import { fillParam } from './graph/onnx-serialiser';
import { onnx } from 'onnx-proto';
it('prof', () => {
  const g = new GraphBuilder(224); g.finish(recipeFor('AlexNet')!.build(g));
  let t = Date.now();
  const arrs = g.params.map((p) => { const a = new Float32Array(p.dims.reduce((x, y) => x * y, 1)); fillParam(p, a, 0); return a; });
  console.log('fill', Date.now() - t); t = Date.now();
  const tp = arrs.map((a, i) => ({ name: 'w' + i, dims: [a.length], dataType: 1, rawData: new Uint8Array(a.buffer) }));
  const bytes = onnx.ModelProto.encode({ graph: { initializer: tp } }).finish();
  console.log('encode', Date.now() - t, bytes.length); t = Date.now();
  buildModel({ name: 'AlexNet' });
  console.log('build', Date.now() - t);
});
