/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // PGlite, oidc-provider, openid-client and their ESM dependencies ship ESM that Jest on Node 20 must transform.
  transformIgnorePatterns: ['/node_modules/(?!(@electric-sql/pglite[^/]*|oidc-provider|openid-client|oauth4webapi|jose)/)'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
