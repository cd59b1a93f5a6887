import { describe, it, expect } from 'vitest';
import { checkKbTransition, allowedKbMoves, canReadArticle, editPermission } from './workflow';
import { slugify, uniqueSlug, normaliseTags } from './slug';
import { diffLines, diffSeq, diffStats } from './diff';
import { structuredDraft, cleanMessage } from './draft';
import { ArticleCreateBody, ArticlePatchBody } from './schemas';
import { articleSimilarity, dice, orQueryTerms, DUPLICATE_THRESHOLD } from './similarity';
import { DEFAULT_GRANTS } from '../auth/permissions';

const perms = (role: keyof typeof DEFAULT_GRANTS) => new Set<string>(DEFAULT_GRANTS[role]);

describe('KB workflow', () => {
  it('lets agents submit and withdraw, and only publishers publish and archive', () => {
    expect(checkKbTransition('draft', 'review', perms('agent')).ok).toBe(true);
    expect(checkKbTransition('review', 'draft', perms('agent')).ok).toBe(true);
    expect(checkKbTransition('review', 'published', perms('agent'))).toMatchObject({ ok: false, forbidden: true });
    expect(checkKbTransition('review', 'published', perms('it_manager')).ok).toBe(true);
    expect(checkKbTransition('draft', 'published', perms('admin')).ok).toBe(true);
    expect(checkKbTransition('published', 'archived', perms('agent'))).toMatchObject({ ok: false, forbidden: true });
    expect(checkKbTransition('archived', 'published', perms('admin'))).toMatchObject({ ok: false, forbidden: false });
    expect(checkKbTransition('draft', 'review', perms('end_user'))).toMatchObject({ ok: false, forbidden: true });
    expect(allowedKbMoves('review', perms('agent'))).toEqual(['draft']);
    expect(allowedKbMoves('review', perms('it_manager')).sort()).toEqual(['draft', 'published']);
    expect(editPermission('draft')).toBe('kb.write');
    expect(editPermission('published')).toBe('kb.publish');
  });
  it('shows end users published public articles only', () => {
    const eu = perms('end_user');
    expect(canReadArticle(eu, { status: 'published', audience: 'public' })).toBe(true);
    expect(canReadArticle(eu, { status: 'published', audience: 'internal' })).toBe(false);
    expect(canReadArticle(eu, { status: 'draft', audience: 'public' })).toBe(false);
    expect(canReadArticle(eu, { status: 'published', audience: 'public', deleted_at: new Date() })).toBe(false);
    expect(canReadArticle(perms('requester'), { status: 'published', audience: 'public' })).toBe(false);
    expect(canReadArticle(perms('agent'), { status: 'draft', audience: 'internal' })).toBe(true);
  });
});

describe('KB slugs and tags', () => {
  it('slugifies titles', () => {
    expect(slugify('Reset your VPN password (Windows 11)')).toBe('reset-your-vpn-password-windows-11');
    expect(slugify('Café & Wi‑Fi: “guest” access!')).toBe('cafe-and-wi-fi-guest-access');
    expect(slugify('!!!')).toBe('article');
    const long = slugify('word '.repeat(60));
    expect(long.length).toBeLessThanOrEqual(96);
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
  it('finds the first free slug', () => {
    expect(uniqueSlug('vpn', new Set())).toBe('vpn');
    expect(uniqueSlug('vpn', new Set(['vpn', 'vpn-2']))).toBe('vpn-3');
  });
  it('normalises tags', () => {
    expect(normaliseTags([' VPN', 'vpn', 'Remote Access', ''])).toEqual(['vpn', 'remote-access']);
  });
  it('validates input naming the field', () => {
    const r = ArticleCreateBody.safeParse({ title: ' ', slug: 'Bad Slug', audience: 'everyone' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['audience', 'slug', 'title']);
    expect(ArticlePatchBody.safeParse({ title: 'x' }).error!.issues[0].path).toEqual(['base_version']);
  });
});

describe('KB version diff', () => {
  it('is an edit script that rebuilds both sides', () => {
    const a = 'abcabba'.split('');
    const b = 'cbabac'.split('');
    const runs = diffSeq(a, b);
    expect(runs.filter((r) => r.op !== 'ins').flatMap((r) => r.items).join('')).toBe('abcabba');
    expect(runs.filter((r) => r.op !== 'del').flatMap((r) => r.items).join('')).toBe('cbabac');
    // Myers finds a shortest script: 5 edits for this classic pair.
    expect(runs.filter((r) => r.op !== 'eq').reduce((n, r) => n + r.items.length, 0)).toBe(5);
  });
  it('diffs lines with word changes inside replaced lines', () => {
    const lines = diffLines('# VPN\n\nOpen the client.\nClick connect.\n', '# VPN\n\nOpen the Outpost client.\nClick connect.\nEnter your code.\n');
    expect(lines.map((l) => `${l.op}:${l.text}`)).toEqual(['eq:# VPN', 'eq:', 'del:Open the client.', 'ins:Open the Outpost client.', 'eq:Click connect.', 'ins:Enter your code.', 'eq:']);
    const ins = lines.find((l) => l.op === 'ins' && l.words)!;
    expect(ins.words).toEqual([
      { op: 'eq', text: 'Open the ' },
      { op: 'ins', text: 'Outpost ' },
      { op: 'eq', text: 'client.' }
    ]);
    expect(lines.find((l) => l.op === 'ins' && l.text.startsWith('Enter'))).toMatchObject({ oldNo: null, newNo: 5 });
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1, unchanged: 4 });
  });
  it('handles empty sides and identical texts', () => {
    expect(diffLines('', 'a\nb').map((l) => l.op)).toEqual(['ins', 'ins']);
    expect(diffLines('a\nb', '').map((l) => l.op)).toEqual(['del', 'del']);
    expect(diffLines('same\ntext', 'same\ntext').every((l) => l.op === 'eq')).toBe(true);
  });
  it('stays fast on large rewrites', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
    const b = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `changed ${i}` : `line ${i}`)).join('\n');
    const t = performance.now();
    const s = diffStats(diffLines(a, b));
    expect(s.added).toBe(429);
    expect(s.removed).toBe(429);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe('structured draft from a resolved ticket', () => {
  const ticket = {
    id: '00000000-0000-7000-8000-000000000001',
    number: 1042,
    subject: 'RE: Outlook keeps asking for my password',
    description: 'Since this morning Outlook prompts for my password every few minutes.\n\n> old quoted mail',
    resolution_code: 'solved',
    resolution_notes: null,
    tags: ['outlook'],
    resolved_at: '2026-01-02T10:00:00Z'
  };
  it('builds Problem / Cause / Resolution from the conversation', () => {
    const d = structuredDraft(ticket, [
      { body: 'Thanks, looking into it.', internal: false, author_type: 'agent', created_at: '2026-01-02T08:00:00Z' },
      { body: 'Root cause: a stale credential in Windows Credential Manager after the password change.', internal: true, author_type: 'agent', created_at: '2026-01-02T09:00:00Z' },
      { body: 'It still happens', internal: false, author_type: 'requester', created_at: '2026-01-02T09:10:00Z' },
      { body: 'Remove the Outlook entries in Credential Manager, then restart Outlook and sign in once.\n--\nDesk', internal: false, author_type: 'agent', created_at: '2026-01-02T09:30:00Z' },
      { body: 'After resolution chatter', internal: false, author_type: 'agent', created_at: '2026-01-02T11:00:00Z' }
    ])!;
    expect(d.title).toBe('Outlook keeps asking for my password');
    expect(d.body).toMatch(/## Problem\n\nSince this morning Outlook prompts/);
    expect(d.body).not.toContain('old quoted mail');
    expect(d.body).toMatch(/## Cause\n\nRoot cause: a stale credential/);
    expect(d.body).toMatch(/## Resolution\n\nRemove the Outlook entries in Credential Manager, then restart Outlook and sign in once\.\n/);
    expect(d.body).not.toContain('After resolution chatter');
    expect(d.body).not.toContain('Desk');
    expect(d.summary).toBe('Remove the Outlook entries in Credential Manager, then restart Outlook and sign in once.');
  });
  it('prefers resolution notes and returns null without any resolution', () => {
    expect(structuredDraft(ticket, [])).toBeNull();
    const d = structuredDraft({ ...ticket, resolution_notes: 'Reset the mailbox profile.' }, [])!;
    expect(d.body).toContain('## Resolution\n\nReset the mailbox profile.');
    expect(d.body).toContain('_Not recorded on the ticket');
  });
  it('cleans quoted mail', () => {
    expect(cleanMessage('Hi\n> quoted\nOn Mon, Bob wrote:\nold')).toBe('Hi');
  });
});

describe('duplicate similarity', () => {
  it('scores shared lexemes, title weighted', () => {
    expect(dice(['a', 'b'], ['a', 'b'])).toBe(1);
    expect(dice(['a', 'b'], ['c'])).toBe(0);
    expect(dice([], ['a'])).toBe(0);
    const draft = { title: ['outlook', 'keep', 'ask', 'password'], all: ['outlook', 'keep', 'ask', 'password', 'credenti', 'manag', 'restart'] };
    const same = { title: ['outlook', 'keep', 'ask', 'password'], all: ['outlook', 'keep', 'ask', 'password', 'credenti', 'manag', 'remov'] };
    const other = { title: ['badg', 'reader', 'door'], all: ['badg', 'reader', 'door', 'power', 'restart'] };
    expect(articleSimilarity(draft, same)).toBeGreaterThan(DUPLICATE_THRESHOLD);
    expect(articleSimilarity(draft, other)).toBeLessThan(0.1);
  });
  it('builds a safe OR query from free text', () => {
    expect(orQueryTerms("VPN can't connect: error 809 & 'quotes'")).toBe('vpn | can | connect | error | 809 | quotes');
  });
});
