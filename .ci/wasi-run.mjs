// Runs a wasm32-wasip1 test binary under Node's WASI (cargo's runner for `make test-rust-wasm`):
// the core's unit tests on the real WebAssembly SIMD backend, not the portable one.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens: {}, returnOnExit: true });
const instance = await WebAssembly.instantiate(await WebAssembly.compile(readFileSync(file)), wasi.getImportObject());
process.exitCode = wasi.start(instance);
