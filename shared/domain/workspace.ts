import * as z from "zod/mini";
import { idSchema, nameSchema } from "./primitives.js";

/** A tenant: every object belongs to exactly one, and an admin key sees only its own. */
export const workspaceSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  createdAt: z.iso.datetime(),
});
export type Workspace = z.infer<typeof workspaceSchema>;
