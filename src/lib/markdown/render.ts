// Markdown → HTML for KB articles, the same in the browser (offline reading) and on the server
// (the REST `html` field, which additionally passes through sanitize-html). Safe by
// construction: raw HTML in the Markdown is shown as text, never parsed, and links and images
// keep only http(s), mailto and same-site URLs; anything else (javascript:, data:, vbscript:)
// becomes "#". Pure and synchronous.
import { Marked, type Tokens } from 'marked';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

/** The URL if it is safe to put in href/src, otherwise "#". */
export function safeUrl(href: string | null | undefined): string {
  const u = (href ?? '').trim();
  if (!u) return '#';
  // Same-site: absolute paths (not protocol-relative), fragments, queries, plain relative paths.
  if (/^(\/(?!\/)|#|\?)/.test(u)) return u;
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
  const compact = Array.from(u).filter((c) => c.charCodeAt(0) > 32).join('');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  if (!scheme) return u.startsWith('//') ? '#' : u;
  return ['http', 'https', 'mailto'].includes(scheme[1].toLowerCase()) ? u : '#';
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  walkTokens(token) {
    if (token.type === 'link' || token.type === 'image') {
      const t = token as Tokens.Link | Tokens.Image;
      t.href = safeUrl(t.href);
    }
  },
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    }
  }
});

/** Rendered, safe HTML of an article body. External links open in a new tab without referrer. */
export function renderMarkdown(md: string): string {
  const html = marked.parse(md ?? '', { async: false }) as string;
  return html.replace(/<a href="(https?:[^"]*)"/g, '<a href="$1" rel="noopener noreferrer nofollow" target="_blank"');
}

/** Plain text of the Markdown (for summaries, snippets and the search index). */
export function markdownText(md: string): string {
  return (md ?? '')
    .replace(/```[\s\S]*?```/g, (m) => m.replace(/```\w*/g, ' '))
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/[#>*_`~|-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
