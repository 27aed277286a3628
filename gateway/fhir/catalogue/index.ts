export { loadCatalogue, CatalogueError } from './load-catalogue.js';
export { matchQuery, matchParams, type QueryMatch } from './match-query.js';
export { catalogueSchema, FORBIDDEN_PARAMS, type QueryCatalogue, type QueryTemplate, type ParamRule, type AcceptRule, type SubmitRule } from './catalogue-schema.js';
export { standardsFolder, catalogueFile } from './built-in-catalogues.js';
