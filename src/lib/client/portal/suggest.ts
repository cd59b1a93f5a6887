// Which local KB articles the portal may suggest while someone describes a problem: published,
// public, not deleted. The ranking itself is the local KB index (../kb-index-core.ts).

export interface KbLike {
	id: string;
	slug?: unknown;
	title?: unknown;
	summary?: unknown;
	body?: unknown;
	tags?: unknown;
	status?: unknown;
	audience?: unknown;
	deleted_at?: unknown;
	updated_at?: unknown;
}

export function isPublicArticle(a: KbLike): boolean {
	return a.status === 'published' && a.audience === 'public' && !a.deleted_at;
}
