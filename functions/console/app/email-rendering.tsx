/**
 * An email as it would be sent: sender, subject, the plain text, and the HTML part in a frame the
 * console function serves under its own CSP (POST /console/email-frame): sandboxed (an opaque
 * origin, no script, no form), inline styles as the email has them, nothing fetched (no remote
 * image, so no tracking pixel fires from here). Not `srcdoc`: such a frame inherits the console's
 * CSP, under which an email's inline styles do not apply.
 */
import { useEffect, useMemo } from "preact/hooks";
import { href } from "./router.js";

let frames = 0;

export function HtmlFrame({ html, title }: { html: string; title: string }) {
  // A new frame (and name) per HTML: the first navigation of a fresh frame replaces its blank page,
  // so live previews add no entries to the browser's history.
  const name = useMemo(() => `email-frame-${++frames}`, [html]);
  useEffect(() => {
    // A form of its own, outside the page's forms (a preview sits inside the moment's form).
    const form = document.createElement("form");
    form.method = "post";
    form.action = href("/email-frame");
    form.target = name;
    form.hidden = true;
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "html";
    field.value = html;
    form.append(field);
    document.body.append(form);
    form.submit();
    form.remove();
  }, [name]);
  return <iframe key={name} class="html-preview" name={name} title={title} sandbox="" />;
}

export function EmailRendering({
  email,
  name,
}: {
  email: { from?: string; subject: string; text: string; html?: string | undefined };
  /** Says whose preview the frame holds, for its accessible name. */
  name: string;
}) {
  return (
    <>
      <p class="small">
        {email.from && (
          <>
            <strong>From:</strong> {email.from}
            <br />
          </>
        )}
        <strong>Subject:</strong> {email.subject}
      </p>
      <pre class="preview">{email.text}</pre>
      {email.html !== undefined && <HtmlFrame html={email.html} title={`HTML of ${name}`} />}
    </>
  );
}
