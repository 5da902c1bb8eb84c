/**
 * The widget's only CSS, inside its shadow root: nothing reaches the page, and the page's rules stop
 * at the host (`all: initial`, then every inherited property set again here). Themed with CSS custom
 * properties set on `moments-widget` (they are the one thing that crosses a shadow boundary).
 */
export const css = `
:host{all:initial;position:fixed;z-index:2147483000;bottom:var(--moments-offset,16px);right:var(--moments-offset,16px);left:auto}
:host([data-position=left]){right:auto;left:var(--moments-offset,16px)}
.root{all:initial;display:flex;flex-direction:column;align-items:flex-end;gap:8px;font:var(--moments-font-size,14px)/1.4 var(--moments-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--moments-fg,#1f2328)}
:host([data-position=left]) .root{align-items:flex-start}
*,*::before,*::after{box-sizing:border-box}
.panel{width:min(340px,calc(100vw - 32px));background:var(--moments-bg,#fff);color:var(--moments-fg,#1f2328);border:1px solid var(--moments-border,#d0d7de);border-radius:var(--moments-radius,12px);box-shadow:0 8px 24px rgba(0,0,0,.18);padding:16px;position:relative;animation:in .18s ease-out}
@keyframes in{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}
@media (prefers-reduced-motion:reduce){.panel{animation:none}}
h2,p{margin:0;font:inherit}
.q{font-weight:600;padding-right:28px;margin-bottom:12px}
button,textarea{font:inherit;color:inherit}
button{cursor:pointer;border-radius:calc(var(--moments-radius,12px) - 4px);border:1px solid var(--moments-border,#d0d7de);background:var(--moments-button-bg,#f6f8fa);padding:8px 10px;min-height:36px}
button:hover{border-color:var(--moments-accent,#0969da)}
button:focus-visible,textarea:focus-visible,a:focus-visible{outline:2px solid var(--moments-accent,#0969da);outline-offset:2px}
.reactions{display:flex;gap:8px}
.reactions button{flex:1;display:flex;flex-direction:column;align-items:center;gap:2px}
.reactions button[aria-pressed=true]{border-color:var(--moments-accent,#0969da);background:var(--moments-accent-soft,#ddf4ff)}
.emoji{font-size:20px;line-height:1}
.close{position:absolute;top:8px;right:8px;width:32px;height:32px;min-height:0;padding:0;border:0;background:transparent;font-size:20px;line-height:1}
form{display:flex;flex-direction:column;gap:8px;margin-top:12px}
label{font-weight:600}
textarea{min-height:72px;resize:vertical;padding:8px;border:1px solid var(--moments-border,#d0d7de);border-radius:calc(var(--moments-radius,12px) - 4px);background:var(--moments-bg,#fff)}
.primary{align-self:flex-end;background:var(--moments-accent,#0969da);border-color:var(--moments-accent,#0969da);color:var(--moments-accent-fg,#fff)}
.launcher{display:flex;align-items:center;position:relative;border-radius:999px;background:var(--moments-bg,#fff);box-shadow:0 4px 12px rgba(0,0,0,.15);padding:8px 14px}
.badge{display:inline-block;margin-left:6px;min-width:20px;padding:0 6px;border-radius:999px;background:var(--moments-accent,#0969da);color:var(--moments-accent-fg,#fff);font-size:12px;line-height:20px;text-align:center}
ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:4px;max-height:50vh;overflow:auto}
.item{width:100%;text-align:left;border:0;background:transparent;display:block}
.item.unread{background:var(--moments-accent-soft,#ddf4ff)}
.item strong{display:block}
.unread strong::before{content:"";display:inline-block;vertical-align:middle;margin-right:6px;border:4px solid var(--moments-accent,#0969da);border-radius:50%}
.empty{color:var(--moments-muted,#57606a)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[hidden]{display:none!important}
`;
