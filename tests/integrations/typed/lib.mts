// The JavaScript layer (pkg/lib, type-checked as JavaScript: tsconfig.lib.json) against the
// declarations the package ships for it: every export of an entry's JavaScript layer is declared,
// every declared function exists, and each implementation is assignable to its declaration.
import * as lib from '../../../pkg/lib/index.mjs';
import * as lambda from '../../../pkg/lib/lambda.mjs';
import * as postgres from '../../../pkg/postgres.mjs';
import * as redis from '../../../pkg/redis.mjs';
import type * as declared from '../../../pkg/lib/types.cjs';
import type * as declaredLambda from '../../../pkg/lambda.mjs';
import type * as declaredPostgres from '../../../pkg/postgres.mjs';
import type * as declaredRedis from '../../../pkg/redis.mjs';

/** `Impl` where every name is declared in `Decl` with a type the implementation satisfies. */
type Conforms<Impl, Decl> = { [K in keyof Impl]: K extends keyof Decl ? Decl[K] : never } & { [K in Exclude<keyof Decl, 'default'>]: unknown };

export const checked: [
  Conforms<typeof lib, typeof declared>,
  Conforms<typeof lambda, typeof declaredLambda>,
  Conforms<typeof postgres, typeof declaredPostgres>,
  Conforms<typeof redis, typeof declaredRedis>,
] = [lib, lambda, postgres, redis];
