import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fault suite runs on its own (npm run test:faults, vitest.faults.config.ts): it takes minutes.
    exclude: ["test/faults/**", "**/node_modules/**"],
    // Integration tests boot the local stack (dynalite, SES, Step Functions) in each worker; two cores.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
