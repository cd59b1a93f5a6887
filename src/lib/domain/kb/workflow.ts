// The KB article workflow: draft → review → published → archived, and who may make each move.
// Pure rules shared by the service (which enforces them) and the editor (which only offers the
// moves the user may make).
//
//   draft     → review     kb.write    (submit for review)
//   review    → draft      kb.write    (withdraw / changes requested)
//   review    → published  kb.publish
//   draft     → published  kb.publish  (a publisher may skip review)
//   published → draft      kb.publish  (unpublish to rework)
//   published → archived   kb.publish
//   archived  → draft      kb.write    (restore as a draft)
//
// Content edits: drafts and articles in review need kb.write; a published or archived article's
// content is what readers see, so editing it needs kb.publish (an agent unpublishes nothing: a
// publisher makes the change, or moves it back to draft first).
export const KB_STATUSES = ['draft', 'review', 'published', 'archived'] as const;
export type KbStatus = (typeof KB_STATUSES)[number];
export const KB_AUDIENCES = ['public', 'internal'] as const;
export type KbAudience = (typeof KB_AUDIENCES)[number];

export interface KbPermissions {
  has(permission: string): boolean;
}

const MOVES: Record<KbStatus, Partial<Record<KbStatus, 'kb.write' | 'kb.publish'>>> = {
  draft: { review: 'kb.write', published: 'kb.publish' },
  review: { draft: 'kb.write', published: 'kb.publish' },
  published: { draft: 'kb.publish', archived: 'kb.publish' },
  archived: { draft: 'kb.write' }
};

export type KbTransitionCheck = { ok: true; permission: 'kb.write' | 'kb.publish' } | { ok: false; reason: string; forbidden: boolean };

export function checkKbTransition(from: KbStatus, to: KbStatus, perms: KbPermissions): KbTransitionCheck {
  const need = MOVES[from][to];
  if (!need) return { ok: false, reason: `an article cannot go from ${from} to ${to}`, forbidden: false };
  if (!perms.has(need)) return { ok: false, reason: `moving an article from ${from} to ${to} needs the ${need} permission`, forbidden: true };
  return { ok: true, permission: need };
}

/** The moves this user may make from `from` (for the editor's buttons). */
export function allowedKbMoves(from: KbStatus, perms: KbPermissions): KbStatus[] {
  return (Object.entries(MOVES[from]) as [KbStatus, string][]).filter(([, p]) => perms.has(p)).map(([to]) => to);
}

/** The permission a content edit of an article in this status needs. */
export function editPermission(status: KbStatus): 'kb.write' | 'kb.publish' {
  return status === 'published' || status === 'archived' ? 'kb.publish' : 'kb.write';
}

/** May this reader see the article? Readers without kb.read.internal see published public ones only. */
export function canReadArticle(perms: KbPermissions, a: { status: string; audience: string; deleted_at?: unknown }): boolean {
  if (a.deleted_at) return false;
  if (perms.has('kb.read.internal')) return true;
  return perms.has('kb.read') && a.status === 'published' && a.audience === 'public';
}

/** Only published articles get feedback and view counts. */
export const isLive = (a: { status: string }) => a.status === 'published';
