// "Retry with mine" from the conflicts inbox: the rejected change is sent again on top of what the
// server has now. Every edit carries the value the user saw (`base`, `base_status`); re-sending it
// unchanged would only be rejected again, so the base becomes the server's value ("theirs") for
// each field the server reported. Whether the change is then allowed (a closed ticket reopening,
// say) is still the server's decision.
export interface ConflictLike {
	name: string;
	args: unknown;
	error: { fields?: Array<{ field: string; theirs?: unknown }> };
}

export function rebaseOnTheirs(c: ConflictLike): unknown {
	const args = c.args && typeof c.args === 'object' ? { ...(c.args as Record<string, unknown>) } : c.args;
	if (!args || typeof args !== 'object') return args;
	const a = args as Record<string, unknown>;
	const theirs = new Map((c.error.fields ?? []).filter((f) => f.theirs !== undefined).map((f) => [f.field, f.theirs]));
	if ('base_status' in a && theirs.has('status')) a.base_status = theirs.get('status');
	if (a.base && typeof a.base === 'object') {
		const base = { ...(a.base as Record<string, unknown>) };
		for (const k of Object.keys(base)) if (theirs.has(k)) base[k] = theirs.get(k);
		a.base = base;
	}
	return a;
}
