// The declarations are postgres.d.cts's, the same for `require`.
export * from './postgres.cjs';
