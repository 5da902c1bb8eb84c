import { defineConfig } from "vitest/config";

/**
 * The fault suite (`npm run test:faults`): load under injected infrastructure faults, minutes long,
 * so it is kept out of `npm test` and run on its own by .ci/run.
 */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
