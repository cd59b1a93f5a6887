// State shared by the desk's queue (layout) and the ticket detail page: which row the keyboard
// is on, the bulk selection, and requests from shortcuts ("r" reply, "a" assign) that the detail
// page acts on. Kept for the page's life, so coming back to the queue finds it as it was.
import type { QueueRow } from './queue-core';

class Desk {
	/** The refined rows the queue shows (a plain array; never proxied). */
	rows = $state.raw<QueueRow[]>([]);
	activeId = $state<string | null>(null);
	selected = $state.raw<Set<string>>(new Set());
	/** Asks the (open or opening) detail page to focus its reply box / assignee control; it clears it. */
	focus = $state<'reply' | 'assign' | null>(null);
	helpOpen = $state(false);

	toggle(id: string) {
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a fresh set replaces the raw state; never mutated once assigned
		const next = new Set(this.selected);
		if (next.has(id)) next.delete(id);
		else next.add(id);
		this.selected = next;
	}
	clearSelection() {
		this.selected = new Set();
	}
	selectMany(ids: string[], on: boolean) {
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- as in toggle()
		const next = new Set(this.selected);
		for (const id of ids) {
			if (on) next.add(id);
			else next.delete(id);
		}
		this.selected = next;
	}
}

export const desk = new Desk();

/** True when a key press belongs to a text field or an open dialog, not to the desk's shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
	const el = target as HTMLElement | null;
	if (!el || !el.tagName) return false;
	if (el.isContentEditable) return true;
	const tag = el.tagName;
	if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
	if (tag === 'INPUT') {
		const type = (el as HTMLInputElement).type;
		return !['checkbox', 'radio', 'button', 'submit'].includes(type);
	}
	return false;
}
