// jest's sandbox gives each test file its own realm with its own typed-array constructors, so
// onnxruntime-node (a native addon creating Float32Arrays in Node's realm) fails its
// `instanceof Float32Array` checks. Sharing Node's constructors (and Math, whose sandboxed
// look-ups are slow in hot loops) with the test realm keeps tests and harness on one realm.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Math',
];

class SharedRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedRealmEnvironment;
