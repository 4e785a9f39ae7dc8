// onnxruntime-node checks tensors with `instanceof Float32Array` against the outer realm; jest gives each test
// file its own vm realm with its own typed arrays, so share the outer ones.
const { TestEnvironment } = require('jest-environment-node');

class NodeTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'ArrayBuffer',
      'SharedArrayBuffer',
      'Uint8Array',
      'Int8Array',
      'Uint16Array',
      'Int16Array',
      'Uint32Array',
      'Int32Array',
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'BigUint64Array',
      'Uint8ClampedArray',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}
module.exports = NodeTypedArrayEnvironment;
