// The declarations are lambda.d.cts's, the same for `require`.
export * from './lambda.cjs';
