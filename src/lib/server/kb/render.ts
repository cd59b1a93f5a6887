// Server-side article HTML: the shared renderer (raw HTML shown as text, unsafe URLs dropped),
// then sanitize-html with an allow-list as a second fence for API clients that insert `html`
// into their pages as is.
import sanitizeHtml from 'sanitize-html';
import { renderMarkdown } from '$lib/markdown/render';

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'em', 'strong', 'del', 's', 'ul', 'ol', 'li',
    'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input'
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    input: ['type', 'checked', 'disabled'],
    code: ['class']
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false
};

export function renderArticleHtml(md: string): string {
  return sanitizeHtml(renderMarkdown(md), OPTIONS);
}
