import { beforeEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from "../../../shared/domain/errors.js";
import {
  createEmailTemplate,
  deleteEmailTemplate,
  type EmailTemplateDeps,
  getEmailTemplate,
  listEmailTemplates,
  previewEmailTemplate,
  updateEmailTemplate,
} from "../../../shared/use-cases/email-templates.js";
import { parsePageQuery } from "../../../shared/use-cases/paging.js";
import { aMoment, aTemplate, FakeProfiles, fixedClock } from "../../support/fakes.js";
import { FakeEmailTemplateStore, FakeMomentList } from "../../support/fakes-content.js";

let templates: FakeEmailTemplateStore;
let moments: FakeMomentList;
let profiles: FakeProfiles;
let clock: ReturnType<typeof fixedClock>;
let deps: EmailTemplateDeps;

const body = {
  name: "Card failed",
  from: '"Anna at Acme" <anna@mail.acme.com>',
  subject: "Hi {first_name|there}",
  text: "Your card ending {event.last4} failed, {first_name}.",
};

beforeEach(() => {
  templates = new FakeEmailTemplateStore();
  moments = new FakeMomentList();
  profiles = new FakeProfiles();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  deps = { templates, moments, profiles, clock };
});

describe("email template CRUD", () => {
  it("creates, reads and lists templates of the caller's workspace only", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    await createEmailTemplate(deps, "ws_2", { ...body, name: "Other workspace" });

    expect(created).toEqual({
      ...body,
      id: expect.any(String),
      createdAt: "2026-11-21T10:00:00.000Z",
      updatedAt: "2026-11-21T10:00:00.000Z",
    });
    await expect(getEmailTemplate(deps, "ws_1", created.id)).resolves.toEqual(created);
    await expect(listEmailTemplates(deps, "ws_1", {})).resolves.toEqual({ items: [created] });
  });

  it("answers another workspace's template as not found", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);

    await expect(getEmailTemplate(deps, "ws_2", created.id)).rejects.toThrow(NotFoundError);
    await expect(updateEmailTemplate(deps, "ws_2", created.id, { name: "x" })).rejects.toThrow(NotFoundError);
    await expect(deleteEmailTemplate(deps, "ws_2", created.id)).rejects.toThrow(NotFoundError);
    await expect(previewEmailTemplate(deps, "ws_2", created.id, {})).rejects.toThrow(NotFoundError);
  });

  it("answers an id we could never have issued as not found", async () => {
    await expect(getEmailTemplate(deps, "ws_1", "x".repeat(5000))).rejects.toThrow(NotFoundError);
    await expect(getEmailTemplate(deps, "ws_1", "../t_1")).rejects.toThrow(NotFoundError);
  });

  it("pages with a cursor", async () => {
    for (let i = 0; i < 3; i++) {
      await templates.putEmailTemplate(aTemplate({ id: `t_${i}`, name: `T${i}` }));
    }

    const first = await listEmailTemplates(deps, "ws_1", { limit: "2" });
    const second = await listEmailTemplates(deps, "ws_1", { limit: "2", cursor: first.nextCursor ?? "" });

    expect(first.items.map((t) => t.id)).toEqual(["t_0", "t_1"]);
    expect(second).toEqual({ items: [expect.objectContaining({ id: "t_2" })] });
  });

  it("updates any field, validating the result, and stamps updatedAt", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    clock.advance(60_000);

    const updated = await updateEmailTemplate(deps, "ws_1", created.id, { html: "<p>{first_name}</p>" });

    expect(updated).toMatchObject({ html: "<p>{first_name}</p>", updatedAt: "2026-11-21T10:01:00.000Z" });
    await expect(updateEmailTemplate(deps, "ws_1", created.id, { text: "" })).rejects.toThrow(
      ValidationError,
    );
    await expect(getEmailTemplate(deps, "ws_1", created.id)).resolves.toEqual(updated);
  });

  it("refuses an update that raced another one instead of losing it", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    const replace = templates.replaceEmailTemplate.bind(templates);
    templates.replaceEmailTemplate = async (next, expected) => {
      // Someone else saves between our read and our write.
      await replace({ ...next, name: "theirs", updatedAt: "2026-11-21T10:00:30.000Z" }, expected);
      return replace(next, expected);
    };

    await expect(updateEmailTemplate(deps, "ws_1", created.id, { name: "ours" })).rejects.toThrow(
      ConflictError,
    );
  });

  it("deletes a template no live moment uses", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    moments.moments.push(
      aMoment({
        id: "m_archived",
        status: "archived",
        steps: [
          {
            id: "s1",
            phase: "entry",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: created.id },
          },
        ],
      }),
    );

    await deleteEmailTemplate(deps, "ws_1", created.id);

    await expect(getEmailTemplate(deps, "ws_1", created.id)).rejects.toThrow(NotFoundError);
  });

  it.each(["draft", "running", "stopped"] as const)(
    "refuses to delete a template a %s moment sends",
    async (status) => {
      const created = await createEmailTemplate(deps, "ws_1", body);
      moments.moments.push(
        aMoment({
          id: "m_live",
          name: "Recover payments",
          status,
          steps: [
            {
              id: "s1",
              phase: "entry",
              delay: { amount: 0, unit: "minutes" },
              action: { type: "send_email", templateId: created.id },
            },
          ],
        }),
      );

      const attempt = deleteEmailTemplate(deps, "ws_1", created.id);

      await expect(attempt).rejects.toThrow(ConflictError);
      await expect(attempt).rejects.toThrow(/"Recover payments" \(m_live/);
      await expect(getEmailTemplate(deps, "ws_1", created.id)).resolves.toBeDefined();
    },
  );

  it("ignores moments of other workspaces when deleting", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    moments.moments.push(
      aMoment({
        workspaceId: "ws_2",
        steps: [
          {
            id: "s1",
            phase: "entry",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: created.id },
          },
        ],
      }),
    );

    await expect(deleteEmailTemplate(deps, "ws_1", created.id)).resolves.toBeUndefined();
  });
});

describe("previewEmailTemplate", () => {
  it("renders with sample traits and event properties and lists what rendered empty", async () => {
    const created = await createEmailTemplate(deps, "ws_1", { ...body, html: "<p>{company}</p>" });

    const preview = await previewEmailTemplate(deps, "ws_1", created.id, {
      traits: { company: "<Acme>" },
      event: { last4: "4242" },
    });

    expect(preview).toEqual({
      from: body.from,
      subject: "Hi there",
      text: "Your card ending 4242 failed, .",
      html: "<p>&lt;Acme&gt;</p>",
      missing: ["first_name"],
    });
  });

  it("renders with an account's stored traits, sample traits overriding them", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    await profiles.mergeTraits(
      "ws_1",
      "acct_1",
      { first_name: "Ada", plan: "pro" },
      "2026-11-20T00:00:00.000Z",
    );

    const preview = await previewEmailTemplate(deps, "ws_1", created.id, { accountId: "acct_1" });
    const overridden = await previewEmailTemplate(deps, "ws_1", created.id, {
      accountId: "acct_1",
      traits: { first_name: "Grace" },
    });

    expect(preview).toMatchObject({ subject: "Hi Ada", missing: ["event.last4"] });
    expect(overridden.subject).toBe("Hi Grace");
  });

  it("answers an account without a profile, or of another workspace, as not found", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    await profiles.mergeTraits("ws_2", "acct_1", { first_name: "Eve" }, "2026-11-20T00:00:00.000Z");

    await expect(previewEmailTemplate(deps, "ws_1", created.id, { accountId: "acct_1" })).rejects.toThrow(
      NotFoundError,
    );
  });

  it("says account previews are unavailable when no profile store is wired, rather than failing", async () => {
    const created = await createEmailTemplate(deps, "ws_1", body);
    const { profiles: _none, ...withoutProfiles } = deps;

    await expect(
      previewEmailTemplate(withoutProfiles, "ws_1", created.id, { accountId: "acct_1" }),
    ).rejects.toThrow(ServiceUnavailableError);
  });

  it.each([
    ["traits that are not an object", { traits: "Ada" }],
    ["an empty account id", { accountId: "" }],
    ["an unknown field", { sample: {} }],
    ["a body that is not an object", ["acct_1"]],
  ])("refuses %s", async (_label, request) => {
    const created = await createEmailTemplate(deps, "ws_1", body);

    await expect(previewEmailTemplate(deps, "ws_1", created.id, request)).rejects.toThrow(ValidationError);
  });
});

describe("parsePageQuery", () => {
  it("defaults to 50 and accepts 1 to 200", () => {
    expect(parsePageQuery({})).toEqual({ limit: 50 });
    expect(parsePageQuery({ limit: "1" })).toEqual({ limit: 1 });
    expect(parsePageQuery({ limit: "200", cursor: "abc_-1" })).toEqual({ limit: 200, cursor: "abc_-1" });
  });

  it.each(["0", "201", "-1", "1.5", "ten", "", " 5", "1e2", "0x10"])(
    "refuses limit=%s naming limit",
    (limit) => {
      expect(() => parsePageQuery({ limit })).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ path: "limit" })] }),
      );
    },
  );

  it.each(["", "not base64!", "x".repeat(3000)])("refuses a malformed cursor naming cursor", (cursor) => {
    expect(() => parsePageQuery({ cursor })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ path: "cursor" })] }),
    );
  });
});
