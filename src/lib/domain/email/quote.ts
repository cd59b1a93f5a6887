// Trimming the quoted history from replies: mail clients append the whole previous conversation
// below (Gmail, Apple Mail) or above a separator (Outlook). Only the new text becomes the comment;
// the full message stays in the raw store.

/** Lines that start the quoted part, in the shapes the common clients write. */
const MARKERS: RegExp[] = [
  // Gmail / Apple Mail / Thunderbird: "On Tue, 3 Mar 2026 at 10:12, Ann <ann@x.org> wrote:" (may wrap over two lines)
  /^On\b.{0,300}\bwrote:\s*$/i,
  /^Le\b.{0,300}\ba écrit\s*:\s*$/i,
  /^Am\b.{0,300}\bschrieb\b.{0,200}:\s*$/i,
  /^El\b.{0,300}\bescribió:\s*$/i,
  // Outlook: a rule line then From:/Sent:, or the "-----Original Message-----" separator
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i,
  /^-{2,}\s*Ursprüngliche Nachricht\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^From:\s.+$/,
  // Our own reply line (outbound templates put it above the quoted history)
  /^-+\s*Reply above this line\s*-+$/i
];

/** The new text of a reply: everything above the first quote marker, trailing ">" lines dropped. */
export function trimQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1].trim()}` : line;
    if (MARKERS.some((m) => m.test(line))) {
      // "From:" only counts as Outlook's header block when Sent:/Date: follows within 3 lines.
      if (/^From:\s/.test(line) && !lines.slice(i + 1, i + 4).some((l) => /^(Sent|Date|Gesendet):\s/i.test(l.trim()))) continue;
      cut = i;
      break;
    }
    if (/^On\b/i.test(line) && /^On\b.{0,300}\bwrote:\s*$/i.test(joined)) {
      cut = i;
      break;
    }
    // A block of ">" lines that runs to the end (bottom-posting clients without a marker).
    if (line.startsWith('>') && lines.slice(i).every((l) => l.trim() === '' || l.trim().startsWith('>'))) {
      cut = i;
      break;
    }
  }
  const kept = lines.slice(0, cut).join('\n').trim();
  // A message that is only a quote (e.g. forwarded inline) keeps its whole text rather than nothing.
  return kept || text.trim();
}
