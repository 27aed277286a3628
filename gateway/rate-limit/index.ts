/** Rate limits on the authorization endpoint, the token endpoint and the FHIR API (issue 9, finding 4). */
export { createRateLimits, type LimitedPaths, type RateLimits, type RateLimitSettings } from './create-rate-limits.js';
export { limitRequests, type LimitedBy, type RefusalWriter } from './limit-requests.js';
