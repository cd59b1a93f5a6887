// Mutation arguments are checked on the client with the same zod schemas the server uses
// ($lib/domain/mutations/registry), before they are queued. The registry (and zod with it) is
// loaded by the first change a user makes, or warmed by the sync host after the first paint,
// never before a screen renders.
import type { MutationName } from '$lib/domain/mutations/registry';

export interface FieldIssue {
	field: string;
	message: string;
}
export type Checked = { ok: true; data: unknown } | { ok: false; issues: FieldIssue[]; message: string };

export const loadMutations = () => import('$lib/domain/mutations/registry');

/** Parses `args` with the mutation's schema: the parsed data, or the issues by field path. */
export async function checkMutation(name: MutationName, args: unknown): Promise<Checked> {
	const { MUTATIONS } = await loadMutations();
	const parsed = MUTATIONS[name].args.safeParse(args);
	if (parsed.success) return { ok: true, data: parsed.data };
	const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
	return { ok: false, issues, message: issues.map((f) => `${f.field}: ${f.message}`).join('; ') };
}
