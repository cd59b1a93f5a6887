import { describe, it, expect } from 'vitest';
import { normalize, stem, tokens, queryWords } from './text';
import { hashEmbed, cosine, LOCAL_EMBEDDER_DIMENSION } from './hashing-embedder';
import { chunkArticle, markdownToText } from './chunk';
import { reciprocalRankFusion } from './fusion';

describe('text', () => {
  it('folds case, accents, compounds and Markdown punctuation', () => {
    expect(normalize('Wi-Fi   **Café** e-mail `code`')).toBe('wifi cafe email code');
  });
  it('stems inflections of one word to one stem', () => {
    expect(new Set(['crash', 'crashes', 'crashing', 'crashed'].map(stem)).size).toBe(1);
    expect(new Set(['printer', 'printers'].map(stem)).size).toBe(1);
    expect(stem('policies')).toBe(stem('policy'));
  });
  it('drops stop words, maps thesaurus synonyms, weights generic words down', () => {
    const t = tokens('How do I set up 2FA on my notebook? Please help');
    expect(t.map((x) => x.surface)).toEqual(['set', 'mfa', 'laptop', 'help']);
    expect(t.find((x) => x.surface === 'help')!.weight).toBeLessThan(t.find((x) => x.surface === 'laptop')!.weight);
  });
  it('query words are plain [a-z0-9] words, safe to join into a tsquery', () => {
    expect(queryWords("Outlook's & | ! <-> crash:* (again)")).toEqual(['outlooks', 'crash']);
  });
});

describe('hashing embedder', () => {
  it('is deterministic, L2-normalised and 384-dimensional', () => {
    const a = hashEmbed('Reset your password');
    expect(a.length).toBe(LOCAL_EMBEDDER_DIMENSION);
    expect(Array.from(a)).toEqual(Array.from(hashEmbed('Reset your password')));
    expect(Math.sqrt(a.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
  });
  it('forgives typos and inflection, and separates unrelated topics', () => {
    const doc = hashEmbed('Reset your password. Forgot your password? Use self-service password reset.');
    const typo = cosine(hashEmbed('pasword resett'), doc);
    const other = cosine(hashEmbed('printer paper jam'), doc);
    expect(typo).toBeGreaterThan(0.15);
    expect(typo).toBeGreaterThan(other * 3);
    expect(cosine(hashEmbed('outlook crashing'), hashEmbed('Outlook crashes on start'))).toBeGreaterThan(cosine(hashEmbed('outlook crashing'), hashEmbed('Teams meeting audio')) + 0.3);
  });
  it('an empty text is the zero vector (no NaN)', () => {
    expect(Array.from(hashEmbed('the a of')).every((x) => x === 0)).toBe(true);
  });
});

describe('chunking', () => {
  it('plain text from Markdown', () => {
    expect(markdownToText('## Steps\n1. Open **Settings** → [Wi-Fi](http://x)\n- item `code`')).toBe('Steps\nOpen Settings → Wi-Fi\nitem code');
  });
  it('one chunk for a short article, title and summary first', () => {
    const c = chunkArticle({ title: 'T', summary: 'S', body: 'one two three' });
    expect(c).toEqual([{ index: 0, content: 'T\nS\none two three' }]);
  });
  it('long bodies split into overlapping chunks that each start with the title', () => {
    const body = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ');
    const c = chunkArticle({ title: 'Title', body }, { maxWords: 100, overlapWords: 20 });
    expect(c.length).toBeGreaterThanOrEqual(4);
    for (const x of c) expect(x.content.startsWith('Title\n')).toBe(true);
    // Every word of the body is in some chunk, and consecutive chunks share the overlap.
    const all = new Set(c.flatMap((x) => x.content.split(/\s+/)));
    for (let i = 0; i < 500; i++) expect(all.has(`w${i}`)).toBe(true);
    const tail = c[0].content.split(/\s+/).slice(-20);
    expect(c[1].content.split(/\s+/).slice(1, 21)).toEqual(tail);
  });
  it('caps the number of chunks', () => {
    const body = Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' ');
    expect(chunkArticle({ title: 'T', body }, { maxWords: 50, maxChunks: 8 }).length).toBe(8);
  });
});

describe('reciprocal rank fusion', () => {
  it('scores 1/(k+rank) summed over lists; items in both lists win', () => {
    const f = reciprocalRankFusion([[{ id: 'a' }, { id: 'b' }, { id: 'c' }], [{ id: 'c' }, { id: 'd' }]], 60);
    expect(f.map((x) => x.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(f[0].score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(f[0].ranks).toEqual([3, 1]);
    expect(f.find((x) => x.id === 'd')!.ranks).toEqual([null, 2]);
  });
  it('counts an id once per list, at its best rank; ties broken by best rank then id', () => {
    const f = reciprocalRankFusion([[{ id: 'x' }, { id: 'x' }], [{ id: 'y' }]]);
    expect(f.map((x) => [x.id, x.score])).toEqual([
      ['x', 1 / 61],
      ['y', 1 / 61]
    ]);
  });
});
