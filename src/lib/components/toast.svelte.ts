// Transient notifications. `toasts.show(...)` from anywhere; <Toaster /> in the root layout renders them.
export type ToastKind = 'info' | 'success' | 'warning' | 'error';

export interface ToastItem {
	id: number;
	kind: ToastKind;
	message: string;
	action?: { label: string; run: () => void };
	/** ms; 0 keeps it until dismissed. */
	timeout: number;
}

let nextId = 1;

class Toasts {
	items = $state<ToastItem[]>([]);

	show(message: string, options: { kind?: ToastKind; action?: ToastItem['action']; timeout?: number } = {}): number {
		const kind = options.kind ?? 'info';
		const item: ToastItem = { id: nextId++, kind, message, action: options.action, timeout: options.timeout ?? (kind === 'error' ? 8000 : 4500) };
		this.items = [...this.items.slice(-3), item];
		if (item.timeout > 0) setTimeout(() => this.dismiss(item.id), item.timeout);
		return item.id;
	}

	success(message: string) {
		return this.show(message, { kind: 'success' });
	}

	error(message: string) {
		return this.show(message, { kind: 'error' });
	}

	dismiss(id: number) {
		this.items = this.items.filter((t) => t.id !== id);
	}
}

export const toasts = new Toasts();
