export { executeSearch, type SearchOutcome } from './execute-search.js';
export { parseSearchRequest, MAX_COUNT, type SearchRequest, type IncludeSpec, type RequestCriterion, type InvalidCriterion } from './search-request.js';
export type { Criterion } from './filter-resources.js';
export { SearchParamError } from './search-param-error.js';
export { SEARCH_PARAMETERS, findParamDefinition, type ParamDefinition, type ParamType } from './param-definitions.js';
export { parseTokenValue, matchesToken, type TokenCriterion } from './token-match.js';
export { parseDateValue, matchesDate, dateRange, type DateCriterion, type DatePrefix } from './date-match.js';
export { lastN } from './last-n.js';
