// The declarations are redis.d.cts's, the same for `require`.
export * from './redis.cjs';
