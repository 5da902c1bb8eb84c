/**
 * An email as it would be sent: sender, subject, the plain text, and the HTML part in a sandboxed
 * frame. The HTML is the admin's (or a rendered template's): it runs no script (`sandbox` without
 * `allow-scripts`, and a CSP inside the frame), cannot navigate the console or reach its origin
 * (an opaque origin), and fetches nothing: no remote image, so no tracking pixel fires from here.
 */
const FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'";

/** The document of the preview frame: the CSP first, so it governs everything after it. */
export function frameDocument(html: string): string {
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}"><base target="_blank">${html}`;
}

export function HtmlFrame({ html, title }: { html: string; title: string }) {
  return <iframe class="html-preview" title={title} sandbox="" srcdoc={frameDocument(html)} />;
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
