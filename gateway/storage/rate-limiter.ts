import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { KeyValueStore } from './key-value-store.js';
import { RedisStore } from './redis-store.js';

/** One fixed-window budget: `points` requests per `windowSeconds` per key. */
export interface RateLimitPolicy {
  /** Names the budget in keys and in the RateLimit-Policy header, e.g. "authorize". */
  readonly name: string;
  readonly points: number;
  readonly windowSeconds: number;
}

export type RateLimitVerdict =
  | { readonly allowed: true; readonly remaining: number; readonly resetSeconds: number }
  | { readonly allowed: false; readonly remaining: 0; readonly resetSeconds: number };

export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /** Counts one request for `key`; undefined when the store cannot be asked (see below). */
  consume(key: string): Promise<RateLimitVerdict | undefined>;
}

/**
 * Rate limits kept where the gateway keeps its state, so every replica shares one count: Redis in
 * production (rate-limiter-flexible's atomic Lua increment with expiry), memory in development.
 * The only import of rate-limiter-flexible (house rule 1); chosen over a hand-written counter
 * because it is atomic across replicas, widely used and keeps the key expiry in the same command.
 *
 * When the store cannot be asked, consume() says undefined and the caller lets the request pass:
 * everything behind the limit needs the same store and answers 503 itself (finding 8), so failing
 * open here adds no door and does not turn an outage into a wall of 429s.
 */
export function createRateLimiter(store: KeyValueStore, policy: RateLimitPolicy): RateLimiter {
  const base = { points: policy.points, duration: policy.windowSeconds };
  const limiter: RateLimiterAbstract =
    store instanceof RedisStore
      ? new RateLimiterRedis({
          ...base,
          storeClient: store.nativeClient.client,
          useRedisPackage: true,
          keyPrefix: `${store.nativeClient.keyPrefix}rl:${policy.name}`,
          rejectIfRedisNotReady: true,
        })
      : new RateLimiterMemory({ ...base, keyPrefix: `rl:${policy.name}` });
  return {
    policy,
    async consume(key) {
      try {
        const res = await limiter.consume(key, 1);
        return { allowed: true, remaining: res.remainingPoints, resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { allowed: false, remaining: 0, resetSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        return undefined;
      }
    },
  };
}
