// The declarations are otel.d.cts's, the same for `require`.
export * from './otel.cjs';
