// Jest runs the TypeScript sources as native ESM (oidc-provider 9 is ESM-only).
// @swc/jest only strips types, so tests start fast; `npm test` runs `tsc --noEmit` first,
// which is where the types are checked.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import siblings as './x.js' (NodeNext); jest must find './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  testTimeout: 30000,
  // On 2 cores jest runs every file in its own process; a file that fails half-way can leave a
  // child behind (a Sentinel, a browser) and the verdict must not wait on it. Passing runs exit
  // on their own (checked with --detectOpenHandles over the files this change added).
  forceExit: true,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'contract', testMatch: ['<rootDir>/test/contract/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
