import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Unit and template tests are many small files that import the same modules. Run in one process per
// worker without re-importing everything for each file (isolate: false), they take half the CPU.
// Files that patch SDK clients with aws-sdk-client-mock stay isolated: a patch left on a client class
// would reach the next file in the same process. So do files that re-import modules with
// vi.resetModules: it resets only the ES modules, not CommonJS dependencies that read the environment
// once (the X-Ray SDK keeps the daemon address of the first file that loaded it).
const sharedProcessFiles = ["test/unit", "test/infra"].flatMap((dir) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${dir}/${file}`)
    .filter((file) => !/aws-sdk-client-mock|vi\.resetModules\(/.test(readFileSync(file, "utf8"))),
);

const common = {
  // Integration tests boot the local stack (dynalite, SES, Step Functions) in each worker; two cores.
  pool: "forks" as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
};

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: "shared-process", include: sharedProcessFiles, isolate: false } },
      {
        test: {
          ...common,
          name: "isolated",
          include: ["test/**/*.test.ts"],
          // The fault suite runs on its own (npm run test:faults, vitest.faults.config.ts): it takes minutes.
          exclude: ["test/faults/**", "**/node_modules/**", ...sharedProcessFiles],
        },
      },
    ],
  },
});
