/**
 * The esbuild settings every Lambda function is bundled with, and the one call that applies them.
 * The CDK app bundles through `bundleFunction` (infra/constructs/moments-function.ts: CDK's local
 * bundling, no Docker) and the bundle bench (test/bench/bundles.ts) through the same options, so what
 * we measure is what we ship. Not NodejsFunction: its esbuild command always writes one --outfile,
 * which rules out code splitting.
 *
 * No aws-cdk-lib import here: the bench must not pay for loading the CDK.
 */
import path from "node:path";
import { type BuildOptions, buildSync } from "esbuild";

/** Lambda runtime the bundles run on; the esbuild target follows it. */
export const lambdaNodeMajor = 22;

/**
 * Modules left out of the bundle although the AWS SDK references them. The default credential
 * chain imports them lazily, only after the environment-variable provider fails; on Lambda the
 * credentials are always in the environment, so these imports are never executed. The nodejs22.x
 * runtime ships them too, so even an unexpected import would resolve. Everything else of the SDK
 * is bundled: the version we test with is the version that runs, and one tree-shaken file loads
 * faster than the runtime's full SDK packages.
 */
export const runtimeProvidedLazyModules = [
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/credential-provider-http",
  "@aws-sdk/nested-clients",
  "@aws-sdk/token-providers",
  "@smithy/credential-provider-imds",
  "bowser",
] as const;

/**
 * Packages replaced in every bundle, by path from the project root. `semver`: the Tracer's X-Ray SDK
 * needs one version comparison of it, and the whole package costs about 6 ms of a cold start with
 * tracing on (infra/shims/semver.ts says why the shim is enough). Bundles only: the local stack and
 * the tests run the real package.
 */
export const bundleAliases = { semver: "./infra/shims/semver.ts" } as const;

/**
 * ESM output still meets CommonJS dependencies that call `require` for Node built-ins; esbuild
 * leaves those calls as a `__require` shim that needs a real `require` in scope.
 */
export const esmRequireBanner =
  'import { createRequire as __momentsCreateRequire } from "node:module"; const require = __momentsCreateRequire(import.meta.url);';

/** The one set of esbuild settings (names as in esbuild's BuildOptions). */
export const esbuildSettings = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: `node${lambdaNodeMajor}`,
  // Prefer the ESM builds of dependencies: they tree-shake (zod/mini, the SDK's dist-es).
  mainFields: ["module", "main"],
  minify: true,
  // Code behind a dynamic import() goes to a file of its own, read only when the import runs: the
  // Powertools Tracer and its X-Ray SDK (loaded only with tracing on, shared/observability.ts) and the
  // SDK's event-stream support (never, for our calls) are not even parsed at a cold start without them.
  splitting: true,
  // No source maps: using them needs --enable-source-maps, which slows cold starts and every
  // stack trace, and they would more than double the artifact.
  sourcemap: false,
  banner: esmRequireBanner,
  external: runtimeProvidedLazyModules,
  alias: bundleAliases,
} as const;

/** The file Lambda loads (handler `index.handler`); the chunks it imports sit beside it. */
export const handlerFile = "index.mjs";

/**
 * The same settings in the shape of esbuild's build API, for one function's entry written into
 * `outdir`: index.mjs and its chunks. The CDK app (infra/constructs/moments-function.ts), the bench
 * and the bundle test all build through this, so what we measure is what we ship.
 */
export function esbuildBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { [path.basename(handlerFile, ".mjs")]: entry },
    outdir,
    outExtension: { ".js": ".mjs" },
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    bundle: esbuildSettings.bundle,
    platform: esbuildSettings.platform,
    format: esbuildSettings.format,
    target: esbuildSettings.target,
    mainFields: [...esbuildSettings.mainFields],
    minify: esbuildSettings.minify,
    splitting: esbuildSettings.splitting,
    sourcemap: esbuildSettings.sourcemap,
    banner: { js: esbuildSettings.banner },
    external: [...esbuildSettings.external],
    alias: { ...esbuildSettings.alias },
  };
}

/** Bundles one function into `outdir` (synchronously: CDK's local bundling hook is synchronous). */
export function bundleFunction(entry: string, outdir: string, projectRoot: string): void {
  buildSync({ ...esbuildBuildOptions(entry, outdir), absWorkingDir: projectRoot, logLevel: "error" });
}

/** Budget per function bundle (minified, before compression), in bytes. */
export const bundleBudgetBytes = 250 * 1024;
