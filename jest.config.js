/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  testMatch: ['<rootDir>/{src,dev,test,scripts,bench}/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/', '<rootDir>/dist-dev/', '__tests__/__helpers__/'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  // The snapshot tests are the monorepo CLI's template: their test-data import is the monorepo's
  // src/lib/test-data, ours here.
  moduleNameMapper: { '^(\\.\\./)+lib/test-data$': '<rootDir>/src/__tests__/__helpers__/test-data.ts' },
  // The monorepo runs jest 27; keep its snapshot style (`Object {`, `Array [`).
  snapshotFormat: { escapeString: true, printBasicPrototype: true },
  testTimeout: 30000,
  // The end-to-end suites mostly wait on sockets and timers: two run well side by side even on two
  // cores (jest's default there is one worker).
  maxWorkers: Math.max(2, require('os').cpus().length - 1)
}
