/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-fast-check.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // A real Kafka broker for the whole run (unless KAFKA_BROKERS names one).
  globalSetup: '<rootDir>/test/kafka/global-setup.ts',
  globalTeardown: '<rootDir>/test/kafka/global-teardown.ts',
  // Integration tests bind real sockets and restart brokers; give slow CI machines room without hiding hangs.
  testTimeout: 120000,
};
