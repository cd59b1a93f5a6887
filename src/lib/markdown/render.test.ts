import { describe, it, expect } from 'vitest';
import { renderMarkdown, safeUrl, markdownText } from './render';

describe('KB Markdown rendering', () => {
  it('renders headings, lists, code, tables and links', () => {
    const html = renderMarkdown('# Title\n\n- one\n- two\n\n```\ncode <b>\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.com/x) and [local](/kb/vpn)');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('code &lt;b&gt;');
    expect(html).toContain('<table>');
    expect(html).toContain('<a href="https://example.com/x" rel="noopener noreferrer nofollow" target="_blank">docs</a>');
    expect(html).toContain('<a href="/kb/vpn">local</a>');
  });
  it('shows raw HTML as text and drops dangerous URLs', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> [x](javascript:alert(1)) ![i](data:image/svg+xml,<svg>) [y](JaVaScRiPt:alert(1)) [z](//evil.example)');
    expect(html).not.toMatch(/<script|<img src="x"|<img[^>]*onerror|href="javascript|src="data:/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('href="#"');
  });
  it('keeps safe URLs', () => {
    expect(safeUrl('mailto:help@example.com')).toBe('mailto:help@example.com');
    expect(safeUrl('/api/v1/files/1')).toBe('/api/v1/files/1');
    expect(safeUrl('java\tscript:alert(1)')).toBe('#');
    expect(safeUrl('relative/page')).toBe('relative/page');
  });
  it('gives plain text', () => {
    expect(markdownText('## Fix\n\nRun **`ipconfig /flushdns`** then [retry](/x).')).toBe('Fix Run ipconfig /flushdns then retry.');
  });
});
