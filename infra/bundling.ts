/**
 * The esbuild settings every Lambda function is bundled with, as plain data. The CDK app maps them
 * onto NodejsFunction's bundling props (infra/constructs/moments-function.ts) and the bundle bench
 * (test/bench/bundles.ts) hands them to esbuild's API directly, so what we measure is what we ship.
 *
 * No aws-cdk-lib import here: the bench must not pay for loading the CDK.
 */
import type { BuildOptions } from "esbuild";

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
  // No source maps: using them needs --enable-source-maps, which slows cold starts and every
  // stack trace, and they would more than double the artifact.
  sourcemap: false,
  banner: esmRequireBanner,
  external: runtimeProvidedLazyModules,
} as const;

/** The same settings in the shape of esbuild's build API (the bench and the drift test use it). */
export function esbuildBuildOptions(): BuildOptions {
  return {
    bundle: esbuildSettings.bundle,
    platform: esbuildSettings.platform,
    format: esbuildSettings.format,
    target: esbuildSettings.target,
    mainFields: [...esbuildSettings.mainFields],
    minify: esbuildSettings.minify,
    sourcemap: esbuildSettings.sourcemap,
    banner: { js: esbuildSettings.banner },
    external: [...esbuildSettings.external],
  };
}

/** Budget per function bundle (minified, before compression), in bytes. */
export const bundleBudgetBytes = 250 * 1024;
