// Markdown for reading KB articles without injecting HTML: the text becomes a list of blocks
// (headings, paragraphs, lists, code) that the page renders as ordinary text nodes. Inline
// emphasis and links are left as written. No renderer with a sanitiser is installed, so nothing
// here ever produces markup.

export type Block =
	| { kind: 'heading'; level: 2 | 3 | 4; text: string }
	| { kind: 'paragraph'; text: string }
	| { kind: 'list'; ordered: boolean; items: string[] }
	| { kind: 'code'; text: string };

export function blocks(md: string): Block[] {
	const out: Block[] = [];
	const lines = md.replace(/\r\n?/g, '\n').split('\n');
	let para: string[] = [];
	let list: { ordered: boolean; items: string[] } | null = null;
	const flush = () => {
		if (para.length) out.push({ kind: 'paragraph', text: para.join(' ') });
		para = [];
		if (list) out.push({ kind: 'list', ...list });
		list = null;
	};
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		if (/^\s*```/.test(line)) {
			flush();
			const code: string[] = [];
			for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
			out.push({ kind: 'code', text: code.join('\n') });
			continue;
		}
		const h = /^(#{1,6})\s+(.*)$/.exec(line);
		if (h) {
			flush();
			out.push({ kind: 'heading', level: Math.min(4, Math.max(2, h[1].length + 1)) as 2 | 3 | 4, text: h[2].trim() });
			continue;
		}
		const li = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
		if (li) {
			const ordered = Boolean(li[2]);
			if (para.length || (list && list.ordered !== ordered)) flush();
			list ??= { ordered, items: [] };
			list.items.push(li[3]);
			continue;
		}
		if (!line.trim()) {
			flush();
			continue;
		}
		if (list && /^\s+/.test(line)) {
			list.items[list.items.length - 1] += ` ${line.trim()}`;
			continue;
		}
		if (list) flush();
		para.push(line.trim());
	}
	flush();
	return out;
}
