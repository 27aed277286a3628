export { executeSearch, findMatches, pageOf, type SearchOutcome, type MatchSet } from './execute-search.js';
export { parseSearchRequest, MAX_COUNT, type SearchRequest, type IncludeSpec, type RequestCriterion, type InvalidCriterion } from './search-request.js';

export { SearchParamError } from './search-param-error.js';
export { SEARCH_PARAMETERS, findParamDefinition, type ParamDefinition, type ParamType } from './param-definitions.js';
export { parseTokenValue, matchesToken, type TokenCriterion } from './token-match.js';
export { parseDateValue, matchesDate, dateRange, type DateCriterion, type DatePrefix } from './date-match.js';
export { lastN } from './last-n.js';
export { DATE_PREFIXES, rangeOf, compareRange, type DateRange } from './date-match.js';
export { compileCriterion, valuesAt, type Criterion, type ResolveReference } from './criterion.js';
export { compileFilters, applyFilters } from './filter-resources.js';
export { periodRange, durationOf, addDuration, TIME_INTERVAL_DURATION } from './time-interval.js';
export { localToUtc, localOffsetAt, LOCAL_TIME_ZONE } from './local-time.js';
export { latestStopped, STOP_TYPE } from './latest-stopped.js';
export { patientCompartmentLinks, linkedPatientIds, compartmentPatients, type CompartmentLink } from './patient-compartment.js';
export { paramNamesOf, buildParamTable } from './param-definitions.js';
export { searchPage, type PageOwner, type ResultPaging } from './result-pages.js';
