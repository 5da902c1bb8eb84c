/** `tsx infra/scripts/build-widget.ts <outdir>`: the CDK app's bundling hook for the inbox function. */
import { writeWidget } from "../widget-build.js";

const outdir = process.argv[2];
if (!outdir) throw new Error("usage: build-widget.ts <outdir>");
await writeWidget(outdir);
