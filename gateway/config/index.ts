export { loadConfig, parseConfig, chooseConfigFile, chooseHealthUrl, type ParseConfigOptions } from './load.js';
export { checkConfigFile, type CheckConfigResult } from './check-config-file.js';
export { ConfigError, formatPath, type ConfigIssue } from './config-error.js';
export { createConfigSchema, type GatewayConfig, type KetenlogConfig, type StorageConfig } from './schema.js';
export type { OAuthConfig } from './sections/oauth.js';
export type { PagesConfig } from './sections/pages.js';
export type { EndpointsConfig } from './sections/endpoints.js';
export { DEFAULT_ENDPOINT_PATHS, serviceEndpoints, distinctPaths, fillPathTemplate, type EndpointPathTemplates, type ServiceEndpoints } from './endpoint-paths.js';
export { deepFreeze } from './deep-freeze.js';
