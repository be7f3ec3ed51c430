// `allpass-crypto/lambda`: the webhook endpoint as an AWS Lambda handler (Node: the module is
// loaded as by `import 'allpass-crypto'`, one instance for both).
import './node-wasm.mjs';

export { createLambdaHandler } from './lib/lambda.mjs';
