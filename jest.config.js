// Nest 12 and a few of its dependencies ship ESM only; Jest's CommonJS runtime
// cannot load them, so swc compiles them (and our TypeScript) to CommonJS.
const esmPackages = [
  '@nestjs',
  'file-type',
  'load-esm',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  'nestjs-pino',
  'uuid',
];

const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

/** Suites that run on both transports: the pipeline end to end and the transport's own. */
const POSTGRES_TRANSPORT_SUITES = [
  'integration/messaging-contract',
  'e2e/execution-path',
  'e2e/execution-split',
  'e2e/worker-loss',
  'e2e/execution-crash',
  'e2e/inquiries',
  'e2e/notifier',
  'e2e/split-under-kills',
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swcTransform },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  testTimeout: 60_000,
  // The suites share one broker and start real processes on two cores: one at a time.
  maxWorkers: 1,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    // The same pipeline suites again on the PostgreSQL transport (MQ_TRANSPORT=postgres).
    {
      ...common,
      displayName: 'on-postgres',
      testMatch: POSTGRES_TRANSPORT_SUITES.map((suite) => `<rootDir>/test/${suite}.spec.ts`),
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFiles: ['<rootDir>/test/support/on-postgres-transport.ts'],
    },
  ],
};
