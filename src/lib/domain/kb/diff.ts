// A pure line diff between two versions of an article, with a word diff inside each changed
// line pair, for the version history's diff view. Myers' O((N+M)·D) algorithm on the lines left
// after trimming the common prefix and suffix; past MAX_EDITS the middle is reported as removed
// then added (a rewrite shows as one, which is what it is).

export type DiffOp = 'eq' | 'del' | 'ins';
export interface WordPart {
  op: DiffOp;
  text: string;
}
export interface DiffLine {
  op: DiffOp;
  text: string;
  /** Old / new line numbers (1-based) where the line exists on that side. */
  oldNo: number | null;
  newNo: number | null;
  /** For a removed line paired with an added one: the word-level changes of this side. */
  words?: WordPart[];
}
export interface DiffStats {
  added: number;
  removed: number;
  unchanged: number;
}

const MAX_EDITS = 4000;

/** The edit script turning `a` into `b`, as runs of equal / removed / added items. */
export function diffSeq<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean = Object.is): Array<{ op: DiffOp; items: T[] }> {
  let start = 0;
  while (start < a.length && start < b.length && eq(a[start], b[start])) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && eq(a[endA - 1], b[endB - 1])) {
    endA--;
    endB--;
  }
  const out: Array<{ op: DiffOp; items: T[] }> = [];
  const push = (op: DiffOp, item: T) => {
    const last = out.at(-1);
    if (last && last.op === op) last.items.push(item);
    else out.push({ op, items: [item] });
  };
  for (let i = 0; i < start; i++) push('eq', a[i]);
  for (const [op, item] of middle(a.slice(start, endA), b.slice(start, endB), eq)) push(op, item);
  for (let i = endA; i < a.length; i++) push('eq', a[i]);
  return out;
}

function middle<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): Array<[DiffOp, T]> {
  const n = a.length;
  const m = b.length;
  if (!n) return b.map((x) => ['ins', x]);
  if (!m) return a.map((x) => ['del', x]);
  const max = n + m;
  const offset = max;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, MAX_EDITS); d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && eq(a[x], b[y])) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [...a.map((x): [DiffOp, T] => ['del', x]), ...b.map((x): [DiffOp, T] => ['ins', x])];
  // Walk back through the trace (trace[d] is V before step d).
  const rev: Array<[DiffOp, T]> = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      rev.push(['eq', a[x - 1]]);
      x--;
      y--;
    }
    if (x === prevX) rev.push(['ins', b[y - 1]]);
    else rev.push(['del', a[x - 1]]);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    rev.push(['eq', a[x - 1]]);
    x--;
    y--;
  }
  return rev.reverse();
}

/** Words and the whitespace between them, so joining the parts gives the line back. */
export function tokens(line: string): string[] {
  return line.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

function wordParts(oldLine: string, newLine: string): { del: WordPart[]; ins: WordPart[] } {
  const del: WordPart[] = [];
  const ins: WordPart[] = [];
  const add = (parts: WordPart[], op: DiffOp, text: string) => {
    const last = parts.at(-1);
    if (last && last.op === op) last.text += text;
    else parts.push({ op, text });
  };
  for (const run of diffSeq(tokens(oldLine), tokens(newLine))) {
    const text = run.items.join('');
    if (run.op !== 'ins') add(del, run.op, text);
    if (run.op !== 'del') add(ins, run.op, text);
  }
  return { del, ins };
}

const splitLines = (s: string) => (s === '' ? [] : s.replace(/\r\n?/g, '\n').split('\n'));

/** The line diff of two texts; removed/added lines that replace each other carry word diffs. */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const out: DiffLine[] = [];
  let o = 1;
  let n = 1;
  const runs = diffSeq(splitLines(oldText), splitLines(newText));
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    if (run.op === 'eq') {
      for (const text of run.items) out.push({ op: 'eq', text, oldNo: o++, newNo: n++ });
      continue;
    }
    // A removal followed by an addition: pair the lines up for word diffs.
    const next = runs[r + 1];
    if (run.op === 'del' && next?.op === 'ins') {
      const dels = run.items;
      const inss = next.items;
      const pairs = Math.min(dels.length, inss.length);
      const delLines: DiffLine[] = [];
      const insLines: DiffLine[] = [];
      dels.forEach((text, i) => {
        const line: DiffLine = { op: 'del', text, oldNo: o++, newNo: null };
        if (i < pairs) line.words = wordParts(text, inss[i]).del;
        delLines.push(line);
      });
      inss.forEach((text, i) => {
        const line: DiffLine = { op: 'ins', text, oldNo: null, newNo: n++ };
        if (i < pairs) line.words = wordParts(dels[i], text).ins;
        insLines.push(line);
      });
      out.push(...delLines, ...insLines);
      r++;
      continue;
    }
    for (const text of run.items) out.push(run.op === 'del' ? { op: 'del', text, oldNo: o++, newNo: null } : { op: 'ins', text, oldNo: null, newNo: n++ });
  }
  return out;
}

export function diffStats(lines: readonly DiffLine[]): DiffStats {
  const s = { added: 0, removed: 0, unchanged: 0 };
  for (const l of lines) {
    if (l.op === 'ins') s.added++;
    else if (l.op === 'del') s.removed++;
    else s.unchanged++;
  }
  return s;
}
