// Import rules of the house (STYLE.md, house rule 1 and §6.1), checked by `npm run lint`, which
// `npm test` runs: one door per folder, adapters independent of the gateway, and each
// third-party SDK behind exactly one file, so it can be swapped or audited in one place.
/** A package may be imported only from the named file(s). */
const sdk = (pkg, files) => ({
  name: `sdk-door-${pkg.replace(/[^a-z0-9]+/gi, '-')}`,
  comment: `${pkg} is imported only in ${files.join(', ')}`,
  severity: 'error',
  from: { path: '^(gateway|adapters)/', pathNot: files.map((f) => `^${f.replace(/[.]/g, '\\.')}$`) },
  to: { path: `^node_modules/${pkg.replace(/[.]/g, '\\.')}/` },
});

module.exports = {
  forbidden: [
    {
      name: 'adapters-know-no-gateway',
      comment: 'Adapters receive what they need through AdapterContext; they never import gateway code.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'one-door-per-folder',
      comment: 'Another folder is imported through its index.ts only.',
      severity: 'error',
      from: { path: '^(gateway|adapters)/([^/]+)/' },
      to: { path: '^(gateway|adapters)/[^/]+/.+', pathNot: ['^$1/$2/', '/index\\.ts$', '^adapters/types\\.ts$'] },
    },
    {
      name: 'root-files-use-doors',
      comment: 'The composition root and CLI import folders through their index.ts too.',
      severity: 'error',
      from: { path: '^(gateway|adapters)/[^/]+\\.ts$' },
      to: { path: '^(gateway|adapters)/[^/]+/.+', pathNot: ['/index\\.ts$'] },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: { path: '^(gateway|adapters)/' },
      to: { path: '^test/' },
    },
    { name: 'no-circular', severity: 'error', from: { path: '^(gateway|adapters)/' }, to: { circular: true } },
    sdk('oidc-provider', ['gateway/oauth/provider.ts']),
    sdk('redis', ['gateway/storage/redis-store.ts']),
    sdk('rate-limiter-flexible', ['gateway/storage/rate-limiter.ts']),
    sdk('pg', ['adapters/sql/pg-driver.ts']),
    sdk('fhir', ['gateway/fhir/fhir-xml.ts']),
    sdk('fhirpath', ['gateway/fhir/search/fhirpath-engine.ts']),
    sdk('openid-client', ['gateway/oauth/identity/oidc-identity-provider.ts']),
    sdk('http-proxy-middleware', ['adapters/fhir-passthrough/binary-proxy.ts']),
    sdk('xml2js', ['gateway/lists/read-xml-document.ts', 'adapters/xml/parse-vendor-xml.ts']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
