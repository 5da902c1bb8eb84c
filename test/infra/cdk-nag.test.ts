/**
 * cdk-nag's AWS Solutions pack, registered the v3 way (a policy validation plugin, as infra/app.ts
 * does), finds nothing that is not acknowledged; every acknowledgment sits on the resource it
 * concerns, says why, and silences a finding that really exists.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type App, type CfnResource, Stack, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import type { MomentsStack } from "../../infra/moments-stack.js";
import { buildMomentsApp } from "./support/synth.js";

interface Acknowledgment {
  /** Construct path the acknowledgment is recorded on. */
  path: string;
  construct: IConstruct;
  /** Rule id as cdk-nag reports it, e.g. "AwsSolutions-IAM5[Resource::*]". */
  id: string;
  reason: unknown;
}

function acknowledgments(root: IConstruct): Acknowledgment[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([qualifiedId, reason]) => ({
          path: construct.node.path,
          construct,
          // aws-cdk-lib stores ids of plugin-less rules as "Annotation::<id>"; cdk-nag strips it too.
          id: qualifiedId.replace(/^annotation::/i, ""),
          reason,
        })),
      ),
  );
}

/** Runs the pack and records which (resource, rule) findings an acknowledgment silenced. */
function runChecksRecordingAcknowledged(root: IConstruct) {
  const pack = new AwsSolutionsChecks();
  // cdk-nag 3 has no public hook for this; wrap its private check (the test fails loudly if it moves).
  const internals = pack as unknown as { isAcknowledged: (resource: CfnResource, ruleId: string) => boolean };
  const original = internals.isAcknowledged.bind(pack);
  const silenced: { resourcePath: string; ruleId: string }[] = [];
  internals.isAcknowledged = (resource, ruleId) => {
    const acknowledged = original(resource, ruleId);
    if (acknowledged) silenced.push({ resourcePath: resource.node.path, ruleId });
    return acknowledged;
  };
  const report = pack.validateScope(root);
  return { report, silenced };
}

// The rules read resource properties, not function code: no bundling needed here. Both synths run at the
// top level, during collection, where a loaded machine's slow synth trips no test or hook timeout.
const { app, stack }: { app: App; stack: MomentsStack } = buildMomentsApp({}, { bundle: false });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const assembly = app.synth();

// `-c tracing=off` changes what the rules see (no X-Ray grants, an untraced state machine).
const untraced = buildMomentsApp({ tracing: "off" }, { bundle: false });

// Only cdk-nag's finding matters here: the built-in CloudFormation validation is checked on `app` above.
const broken = buildMomentsApp({}, { bundle: false, cloudFormationValidation: false });
// No DLQ, no TLS enforcement: AwsSolutions-SQS3 and -SQS4.
new sqs.Queue(broken.stack, "UnprotectedQueue");
Validations.of(broken.app).addPlugins(new AwsSolutionsChecks(broken.app));
const brokenSynth = (() => {
  try {
    broken.app.synth();
    return "synthesized";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
})();

describe("cdk-nag AWS Solutions checks", () => {
  it("report no unacknowledged error or warning", () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("let the synth pass when registered as infra/app.ts does, with an empty validation report", () => {
    const report = JSON.parse(
      readFileSync(path.join(assembly.directory, "validation-report.json"), "utf8"),
    ) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it("report nothing unacknowledged and acknowledge nothing stale with -c tracing=off", () => {
    const { report, silenced } = runChecksRecordingAcknowledged(untraced.app);
    expect(report.violations).toEqual([]);
    for (const ack of acknowledgments(untraced.app)) {
      const used = silenced.some(
        (s) =>
          s.ruleId === ack.id && (s.resourcePath === ack.path || s.resourcePath.startsWith(`${ack.path}/`)),
      );
      expect(used, `${ack.id} at ${ack.path} silences nothing`).toBe(true);
    }
  });

  it("fail the synth on a finding nobody acknowledged", () => {
    expect(brokenSynth).toMatch(/AwsSolutions-SQS4/);
  });
});

describe("acknowledgments", () => {
  it("exist, each with a reason of at least a sentence", () => {
    const all = acknowledgments(app);
    expect(all.length).toBeGreaterThan(0);
    for (const ack of all) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(typeof ack.reason, `${ack.id} at ${ack.path}`).toBe("string");
      expect((ack.reason as string).trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it("sit on a resource or construct inside the stack, never on the stack or the app", () => {
    for (const ack of acknowledgments(app)) {
      expect(ack.construct === app || ack.construct === stack || Stack.isStack(ack.construct), ack.path).toBe(
        false,
      );
    }
  });

  it("each silence a finding that exists (none is stale)", () => {
    const { report, silenced } = runChecksRecordingAcknowledged(app);
    expect(report.violations).toEqual([]);
    for (const ack of acknowledgments(app)) {
      const used = silenced.some(
        (s) =>
          s.ruleId === ack.id && (s.resourcePath === ack.path || s.resourcePath.startsWith(`${ack.path}/`)),
      );
      expect(used, `${ack.id} at ${ack.path} silences nothing`).toBe(true);
    }
  });
});
