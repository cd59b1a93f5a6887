// Splits an article into the passages that are embedded one by one. A long article about five
// things should be found by a question about the fourth: one vector for the whole text would
// blur it. Every chunk starts with the title (and the first also with the summary), so a passage
// deep in the body still says what it belongs to.

export interface ArticleText {
  title: string;
  summary?: string | null;
  body: string;
}

export interface Chunk {
  index: number;
  content: string;
}

export interface ChunkOptions {
  /** Words of body text per chunk (the title/summary come on top). */
  maxWords?: number;
  /** Words repeated from the end of the previous chunk, so a sentence cut in two is found whole. */
  overlapWords?: number;
  /** At most this many chunks per article (the rest of a very long article is not embedded). */
  maxChunks?: number;
}

/** Markdown to plain text: code fences kept as text, links to their label, markup dropped. */
export function markdownToText(md: string): string {
  return md
    .replace(/```[a-z0-9-]*\n?/gi, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_`~|]+/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function chunkArticle(a: ArticleText, opts: ChunkOptions = {}): Chunk[] {
  const maxWords = opts.maxWords ?? 160;
  const overlap = Math.min(opts.overlapWords ?? 24, Math.floor(maxWords / 3));
  const maxChunks = opts.maxChunks ?? 64;
  const title = a.title.trim();
  const summary = (a.summary ?? '').trim();
  // Paragraphs first, so a chunk ends at a paragraph where it can.
  const paragraphs = markdownToText(a.body)
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const groups: string[][] = [];
  let current: string[] = [];
  for (const p of paragraphs) {
    const words = p.split(' ');
    if (current.length && current.length + words.length > maxWords) {
      groups.push(current);
      current = current.slice(-overlap);
    }
    for (const w of words) {
      current.push(w);
      if (current.length >= maxWords + overlap) {
        groups.push(current);
        current = current.slice(-overlap);
      }
    }
  }
  if (current.length > overlap || !groups.length) groups.push(current);
  return groups.slice(0, maxChunks).map((words, index) => ({
    index,
    content: [title, index === 0 ? summary : '', words.join(' ')].filter(Boolean).join('\n')
  }));
}
