import { StrataError } from '../core/errors.ts';
import type { Limits } from '../core/plans.ts';

interface Gate {
  tokens: number;
  refilledAt: number;
  inFlight: number;
}

/**
 * Per-tenant request rate (a token bucket: `requestsPerSecond` refill, `burst` capacity) and
 * concurrency cap, in this process. A refused call costs no database work; it gets
 * `rate_limited` with the seconds to wait.
 */
export interface RateLimiter {
  /** Admits one call or throws `rate_limited`; the returned function ends the call. */
  admit(tenantId: string, limits: Limits | undefined): () => void;
  /** Forgets a tenant's state (offboarding). */
  forget(tenantId: string): void;
}

/** A rate limiter reading the clock from `now` (milliseconds). */
export function createRateLimiter(now: () => number = () => performance.now()): RateLimiter {
  const gates = new Map<string, Gate>();

  return {
    admit(tenantId, limits) {
      const rate = limits?.requestsPerSecond ?? null;
      const cap = limits?.concurrentRequests ?? null;
      if (rate === null && cap === null) return () => undefined;
      const at = now();
      let gate = gates.get(tenantId);
      if (gate === undefined) {
        gate = { tokens: capacity(limits), refilledAt: at, inFlight: 0 };
        gates.set(tenantId, gate);
      }
      if (cap !== null && gate.inFlight >= cap) {
        throw rateLimited(tenantId, 'concurrentRequests', gate.inFlight, cap, 1);
      }
      if (rate !== null) {
        gate.tokens = Math.min(capacity(limits), gate.tokens + ((at - gate.refilledAt) / 1000) * rate);
        gate.refilledAt = at;
        if (gate.tokens < 1) {
          const wait = rate === 0 ? 60 : Math.max(1, Math.ceil((1 - gate.tokens) / rate));
          throw rateLimited(tenantId, 'requestsPerSecond', rate, rate, wait);
        }
        gate.tokens -= 1;
      }
      gate.inFlight += 1;
      const held = gate;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.inFlight -= 1;
      };
    },
    forget(tenantId) {
      gates.delete(tenantId);
    },
  };
}

const capacity = (limits: Limits | undefined) => Math.max(1, limits?.burst ?? limits?.requestsPerSecond ?? 1);

/** `rate_limited` naming the limit, with `retryAfterSeconds` for the HTTP Retry-After header. */
export function rateLimited(tenantId: string, limit: string, current: number, maximum: number, retryAfterSeconds: number): StrataError {
  return new StrataError(
    'rate_limited',
    `tenant ${JSON.stringify(tenantId)} is over its ${limit} limit (${maximum}); retry in ${retryAfterSeconds} s`,
    {
      details: { limit, current, maximum, retryAfterSeconds },
    },
  );
}

/** `limit_exceeded` naming the limit and the current and maximum values. */
export function limitExceeded(tenantId: string, limit: string, current: number, maximum: number): StrataError {
  return new StrataError('limit_exceeded', `tenant ${JSON.stringify(tenantId)} would exceed its ${limit} limit: ${current} of ${maximum}`, {
    details: { limit, current, maximum },
  });
}
