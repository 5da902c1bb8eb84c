import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Unit and template tests are many small files that import the same modules. Run in one process per
// worker without re-importing everything for each file (isolate: false), they take half the CPU.
// Files that patch SDK clients with aws-sdk-client-mock stay isolated unless they restore every mock
// they make (`mock.restore()` in an afterAll): a patch left on a client class would reach the next
// file in the same process. So do files that re-import modules with vi.resetModules: it resets only
// the ES modules, not CommonJS dependencies that read the environment once (the X-Ray SDK keeps the
// daemon address of the first file that loaded it).
const count = (source: string, pattern: RegExp) => source.match(pattern)?.length ?? 0;
const sharesProcess = (source: string) =>
  count(source, /mockClient\(/g) <= count(source, /\.restore\(\)/g) && !/vi\.resetModules\(/.test(source);
const sharedProcessFiles = ["test/unit", "test/infra"].flatMap((dir) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${dir}/${file}`)
    .filter((file) => sharesProcess(readFileSync(file, "utf8"))),
);

// Integration and browser files on the process's shared local stack (test/support/shared-stack.ts) run several
// to a process, so they boot one stack and import the handlers once per worker, not once per file.
const sharedStackFiles = ["test/integration", "test/browser"]
  .flatMap((dir) => readdirSync(dir).map((file) => `${dir}/${file}`))
  .filter((file) => file.endsWith(".test.ts"))
  .filter((file) => /sharedLocalStack\(|startSharedScenario\(/.test(readFileSync(file, "utf8")));

// The other integration files start a stack of their own (a fault plan, another time scale or
// environment): one after another in a process too, each with its own stack, which gives the process
// back as it found it when it stops (its environment included: infra/local/stack.ts). A process per
// file cost each its own start and imports, about a fifth of those files' CPU.
const ownStackFiles = readdirSync("test/integration")
  .map((file) => `test/integration/${file}`)
  .filter((file) => file.endsWith(".test.ts") && !sharedStackFiles.includes(file));

const common = {
  // Integration tests boot the local stack (dynalite, SES, Step Functions) in each worker.
  pool: "forks" as const,
  // Hang guards, not speed checks: every wait inside a test has its own deadline naming what it waited
  // for (test/support/wait-for.ts). At 30 s, two tests (100 admin requests before a browser check, a
  // journal compaction) timed out with the machine at load average 27 on 2 cores while passing at 6-15 s.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // expect.poll's deadline when a call names none: vitest's default is 1 s, which a DOM update in a
  // Chromium on a loaded 2-core machine can outlast. A failure detector like waitFor's (30 s): a
  // passing poll returns as soon as its condition holds.
  expect: { poll: { timeout: 30_000 } },
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
};

export default defineConfig({
  test: {
    // Three files at a time on two cores: integration and browser files spend much of their time
    // waiting (evidence windows, time-scaled delays, polls, a restarted child process), so a third
    // worker fills the cores. Measured on an idle 2-core machine: 205 s with 2 workers, 122 s with 3,
    // 127 s with 4 (the suite is then CPU-bound).
    maxWorkers: 3,
    // Projects run in the order of their names, each's longest files first: the browser files (the
    // console's is the longest of all), then the integration files (the fault tests and the fuzzer
    // among them), and the many small unit files end the run.
    projects: [
      {
        test: { ...common, name: "integration-shared-stack", include: sharedStackFiles, isolate: false },
      },
      { test: { ...common, name: "integration-own-stack", include: ownStackFiles, isolate: false } },
      { test: { ...common, name: "shared-process", include: sharedProcessFiles, isolate: false } },
      {
        test: {
          ...common,
          // A process per file: the browser files (each starts its own stack and Chromium) and the
          // unit files that patch modules. Named to start first: the console's file is the longest.
          name: "browser-and-isolated",
          include: ["test/**/*.test.ts"],
          // The fault suite runs on its own (npm run test:faults, vitest.faults.config.ts): it takes minutes.
          exclude: [
            "test/faults/**",
            "**/node_modules/**",
            ...sharedProcessFiles,
            ...sharedStackFiles,
            ...ownStackFiles,
          ],
        },
      },
    ],
  },
});
