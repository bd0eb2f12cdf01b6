// The monorepo's rules (segmentio/action-destinations, root .eslintrc.js), on ESLint 8 + @typescript-eslint 7:
// its base rules, its test override, and the rules it sets for packages/destination-actions, which here
// apply to the destination (src/) and its tests (test/). Dropped: the removed 'prettier/@typescript-eslint'
// extend (folded into 'prettier' since eslint-config-prettier 8).
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { project: ['./tsconfig.eslint.json'], tsconfigRootDir: __dirname },
  plugins: ['@typescript-eslint', 'lodash'],
  extends: [
    'eslint:recommended',
    'plugin:@typescript-eslint/recommended',
    'plugin:@typescript-eslint/recommended-requiring-type-checking',
    'prettier'
  ],
  env: { node: true, es2020: true },
  rules: {
    'lodash/import-scope': ['error', 'method'],
    'no-unused-vars': 'off',
    '@typescript-eslint/ban-types': 'off',
    '@typescript-eslint/explicit-module-boundary-types': 'off',
    '@typescript-eslint/no-empty-interface': 'off',
    '@typescript-eslint/no-unsafe-assignment': 'off',
    '@typescript-eslint/no-unsafe-member-access': 'off',
    '@typescript-eslint/no-unsafe-return': 'off',
    '@typescript-eslint/require-await': 'off',
    '@typescript-eslint/restrict-plus-operands': 'off',
    '@typescript-eslint/restrict-template-expressions': 'off',
    '@typescript-eslint/unbound-method': 'off',
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-unused-vars': [
      'error',
      { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }
    ],
    '@typescript-eslint/ban-ts-comment': [
      'error',
      {
        'ts-expect-error': 'allow-with-description',
        'ts-ignore': 'allow-with-description',
        'ts-nocheck': true,
        'ts-check': false
      }
    ],
    '@typescript-eslint/no-unsafe-call': 'warn',
    '@typescript-eslint/no-unsafe-argument': 'warn',
    '@typescript-eslint/no-misused-promises': 'warn',
    '@typescript-eslint/no-unnecessary-type-assertion': 'warn',
    // In the monorepo's @typescript-eslint 5 `recommended`; version 7 moved it out.
    '@typescript-eslint/no-non-null-assertion': 'warn'
  },
  overrides: [
    {
      files: ['*.test.ts', '**/__tests__/**', 'test/**'],
      env: { jest: true },
      plugins: ['jest'],
      rules: {
        '@typescript-eslint/no-explicit-any': 'off',
        '@typescript-eslint/ban-ts-comment': 'off',
        '@typescript-eslint/no-empty-function': 'off',
        '@typescript-eslint/no-unsafe-call': 'off'
      }
    },
    {
      // The tooling around the destination, which never moves into the monorepo.
      files: ['dev/**', 'bench/**', 'test/**', 'scripts/**'],
      rules: {
        '@typescript-eslint/no-non-null-assertion': 'off',
        '@typescript-eslint/no-unsafe-argument': 'off'
      }
    },
    {
      files: ['src/**/*.ts', 'test/**/*.ts'],
      rules: {
        'no-restricted-syntax': [
          'error',
          {
            selector: "ImportDeclaration[source.value='crypto'] ImportSpecifier[imported.name='createHash']",
            message:
              "PII is hashed with the monorepo's processHashing helper, which detects values that are already " +
              'hashed (segmentio/action-destinations README, "Hashing"). Do not import createHash from crypto.'
          }
        ]
      }
    }
  ],
  ignorePatterns: ['dist/', 'dist-dev/', 'node_modules/', 'coverage/', '.eslintrc.js', 'jest.config.js']
}
