import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The testing kit's example (docs/testing.md) runs with the suite.
    include: ['test/**/*.test.ts', 'examples/testing/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summaryReporter.ts'],
    // The SDK's notice that its 2027 releases need Node 22; the tests run on Node 20 by design.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
