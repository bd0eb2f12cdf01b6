/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  roots: ['<rootDir>/src', '<rootDir>/dev', '<rootDir>/test'],
  testMatch: ['**/__tests__/**/*.test.ts', '**/test/**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  // The monorepo runs jest 27; keep its snapshot style (`Object {`, `Array [`).
  snapshotFormat: { escapeString: true, printBasicPrototype: true },
  testTimeout: 30000
}
