// `allpass-crypto/postgres`: the webhook store on PostgreSQL, through your own `pg` Pool.
export { postgresSchema, postgresStore } from './lib/stores/postgres.mjs';
