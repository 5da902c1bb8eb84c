/**
 * `npm run generate:grants`: the functions' IAM grants from a fresh synth of the app (default
 * context, no bundling), written to infra/local/iam-grants.generated.ts for the local services.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import {
  type CfnTemplate,
  GRANTS_FILE,
  grantsFromTemplate,
  roleLogicalIds,
  writeGrantsFile,
} from "../local/iam-template.js";
import { MomentsStack, momentsStackConfig } from "../moments-stack.js";

const app = new App({
  // The CLI's own way to skip bundling: the grants do not depend on the functions' code.
  context: { "aws:cdk:bundling-stacks": [] },
  outdir: mkdtempSync(path.join(tmpdir(), "moments-grants-")),
});
const { stackName, props } = momentsStackConfig(app.node);
const stack = new MomentsStack(app, stackName, props);
writeGrantsFile(grantsFromTemplate(Template.fromStack(stack).toJSON() as CfnTemplate, roleLogicalIds(stack)));
console.log(`Wrote ${GRANTS_FILE}`);
