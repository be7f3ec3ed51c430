// `allpass-crypto/redis`: the webhook store on Redis, through your own node-redis 5 or ioredis client.
export { redisStore } from './lib/stores/redis.mjs';
