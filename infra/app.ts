/**
 * The CDK app: one Moments stack, checked by cdk-nag's AWS Solutions pack on every synth. An
 * unacknowledged finding fails the synth (and so `cdk deploy`).
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { MomentsStack, momentsStackConfig } from "./moments-stack.js";

const app = new App();
const { stackName, props } = momentsStackConfig(app.node);
new MomentsStack(app, stackName, props);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
