import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../observability/index.js';
import type { RateLimiter, RateLimitVerdict } from '../storage/index.js';
import { stageHeader } from '../staged-head-response.js';

export interface LimitedBy {
  readonly limiter: RateLimiter;
  /** The key this request is counted under (an address, a client), or undefined to skip this budget. */
  readonly keyOf: (req: IncomingMessage) => string | undefined;
}

/** Writes the protocol's own refusal (OAuth error, OperationOutcome, page); headers are already set. */
export type RefusalWriter = (res: Response, retryAfterSeconds: number) => void;

/**
 * Express middleware over one or more budgets: every budget is counted, the tightest one is
 * reported in the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers:
 * `RateLimit-Policy: "name";q=points;w=window` and `RateLimit: "name";r=remaining;t=reset`), and
 * when any budget is spent the request ends in 429 with Retry-After (RFC 6585 §4, RFC 9110
 * §10.2.3) before any work or state is created for it (issue 9, finding 4).
 */
export function limitRequests(budgets: readonly LimitedBy[], refuse: RefusalWriter, log: Logger): RequestHandler {
  if (budgets.length === 1) return limitOne(budgets[0]!, refuse, log);
  return (req, res, next) => {
    void Promise.all(
      budgets.map(async (b) => {
        const key = b.keyOf(req);
        return key === undefined ? undefined : { budget: b, verdict: await b.limiter.consume(key) };
      }),
    ).then(
      (results) => {
        const counted = results.filter((r): r is { budget: LimitedBy; verdict: RateLimitVerdict } => r?.verdict !== undefined);
        if (counted.length === 0) {
          next();
          return;
        }
        stageHeader(res, 'RateLimit-Policy', counted.map((c) => policyField(c.budget)).join(', '));
        const refused = counted.filter((c) => !c.verdict.allowed);
        const tightest = (refused.length > 0 ? refused : counted).reduce((a, b) => (b.verdict.remaining < a.verdict.remaining || (b.verdict.remaining === a.verdict.remaining && b.verdict.resetSeconds > a.verdict.resetSeconds) ? b : a));
        stageHeader(res, 'RateLimit', `"${tightest.budget.limiter.policy.name}";r=${tightest.verdict.remaining};t=${tightest.verdict.resetSeconds}`);
        if (refused.length === 0) {
          next();
          return;
        }
        const retryAfter = Math.max(...refused.map((r) => r.verdict.resetSeconds));
        refuseRequest(res, refuse, log, refused.map((r) => r.budget.limiter.policy.name).join(','), retryAfter);
      },
      (err: unknown) => next(err),
    );
  };
}

/** A spent budget: Retry-After, one warning for the operator (no key: it may be an address), then the protocol's own refusal. */
function refuseRequest(res: Response, refuse: RefusalWriter, log: Logger, budgetNames: string, retryAfter: number): void {
  stageHeader(res, 'Retry-After', String(retryAfter));
  log.warn({ step: 'rate_limit', budget: budgetNames, retryAfter }, 'request refused: rate limit');
  refuse(res, retryAfter);
}

/** The budget's RateLimit-Policy field value: fixed for the life of the process. */
function policyField(budget: LimitedBy): string {
  const { name, points, windowSeconds } = budget.limiter.policy;
  return `"${name}";q=${points};w=${windowSeconds}`;
}

/**
 * The same for one budget (the token and FHIR limits, on every request of the node interface):
 * no arrays, no Promise.all, the policy field built once (issue 14).
 */
function limitOne(budget: LimitedBy, refuse: RefusalWriter, log: Logger): RequestHandler {
  const policy = policyField(budget);
  const { name } = budget.limiter.policy;
  return (req, res, next) => {
    const key = budget.keyOf(req);
    if (key === undefined) {
      next();
      return;
    }
    budget.limiter.consume(key).then(
      (verdict) => {
        if (verdict === undefined) {
          next();
          return;
        }
        stageHeader(res, 'RateLimit-Policy', policy);
        stageHeader(res, 'RateLimit', `"${name}";r=${verdict.remaining};t=${verdict.resetSeconds}`);
        if (verdict.allowed) {
          next();
          return;
        }
        refuseRequest(res, refuse, log, name, verdict.resetSeconds);
      },
      (err: unknown) => next(err),
    );
  };
}
