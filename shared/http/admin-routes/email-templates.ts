import {
  createEmailTemplate,
  deleteEmailTemplate,
  type EmailTemplateDeps,
  getEmailTemplate,
  listEmailTemplates,
  previewEmailTemplate,
  updateEmailTemplate,
} from "../../use-cases/email-templates.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

const id = (path: Record<string, string>) => path.id ?? "";

/** Email templates: CRUD and preview. */
export function emailTemplateRoutes(deps: EmailTemplateDeps): AdminRoutes {
  return {
    "GET /v1/admin/email-templates": async (ws, req) =>
      json(200, await listEmailTemplates(deps, ws, req.query)),
    "POST /v1/admin/email-templates": async (ws, req) =>
      json(201, await createEmailTemplate(deps, ws, req.body)),
    "GET /v1/admin/email-templates/{id}": async (ws, req) =>
      json(200, await getEmailTemplate(deps, ws, id(req.path))),
    "PATCH /v1/admin/email-templates/{id}": async (ws, req) =>
      json(200, await updateEmailTemplate(deps, ws, id(req.path), req.body)),
    "DELETE /v1/admin/email-templates/{id}": async (ws, req) => {
      await deleteEmailTemplate(deps, ws, id(req.path));
      return json(204, undefined);
    },
    "POST /v1/admin/email-templates/{id}/preview": async (ws, req) =>
      json(200, await previewEmailTemplate(deps, ws, id(req.path), req.body)),
  };
}
