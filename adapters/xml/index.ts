import type { Logger } from 'pino';
import type { Adapter } from '../types.js';
import { createXmlAdapter } from './xml-adapter.js';
import { xmlConfigSchema, type XmlConfig } from './xml-config.js';

export { createXmlAdapter } from './xml-adapter.js';
export { xmlConfigSchema, type XmlConfig, type XmlResourceConfig } from './xml-config.js';
export { parseVendorXml, xmlRecord, VendorXmlError } from './parse-vendor-xml.js';
export { fillUrlTemplate, appendQuery } from './fill-url-template.js';

/** `kind: xml` for the adapter registry. */
export const xmlAdapterFactory = {
  kind: 'xml' as const,
  configSchema: xmlConfigSchema,
  create(config: XmlConfig, deps: { readonly log: Logger; readonly baseDir: string }): Adapter {
    return createXmlAdapter(config, deps);
  },
};
