// `unit` is fast; `integration` runs the real git, checkpatch and sparse on the real 6.1 tree (npm test runs both);
// `e2e` builds real kernels and takes many minutes (npm run test:e2e).
const tsJest = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  transform: tsJest,
};
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.(int|e2e)\\.test\\.ts$'],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.int.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.test.ts'] },
  ],
};
