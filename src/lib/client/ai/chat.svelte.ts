// The assistant widget's state (runes). A question is POSTed; the answer arrives as `ai:response`
// events on this tab's /ws socket (deltas, tool progress, final or error). Without a socket the
// conversation is polled until the turn ends. Without a key (or offline) the widget offers KB
// search and a ticket form instead (see ChatWidget.svelte).
import { api, isApiError, errorMessage } from '../api';
import { realtime } from '../realtime.svelte';
import type { ChatMessage } from '$lib/domain/ai/schemas';

export interface AiStatusView {
	available: boolean;
	reason: 'ok' | 'no_key' | 'disabled' | 'forbidden';
	tools: string[];
}

export interface ToolActivity {
	callId: string;
	tool: string;
	status: 'running' | 'ok' | 'error' | 'refused';
	summary?: string;
	link?: { kind: 'ticket' | 'article'; id: string; label: string; href: string };
}

interface Streaming {
	turnId: string | null;
	text: string;
	tools: ToolActivity[];
	retryingMs: number | null;
}

type AiEvent = { type: 'ai:response'; phase: string; conversationId: string; turnId: string; [k: string]: unknown };

export class AiChat {
	status = $state<AiStatusView | null>(null);
	/** The status could not be read (offline or server unreachable). */
	unreachable = $state(false);
	conversationId = $state<string | null>(null);
	messages = $state<ChatMessage[]>([]);
	streaming = $state<Streaming | null>(null);
	error = $state<string | null>(null);
	sending = $state(false);
	#off: (() => void) | null = null;
	#poll: ReturnType<typeof setInterval> | null = null;

	async init(): Promise<void> {
		this.#off ??= realtime.on('*', (e) => {
			if ((e as { type: string }).type === 'ai:response') this.receive(e as unknown as AiEvent);
		});
		try {
			this.status = await api.get<AiStatusView>('/api/v1/ai/status', { timeoutMs: 8000 });
			this.unreachable = false;
		} catch (e) {
			this.unreachable = !isApiError(e) || e.isNetwork || e.status >= 500;
		}
	}

	destroy(): void {
		this.#off?.();
		this.#off = null;
		this.#stopPoll();
	}

	reset(): void {
		this.conversationId = null;
		this.messages = [];
		this.streaming = null;
		this.error = null;
	}

	async send(content: string): Promise<void> {
		const text = content.trim();
		if (!text || this.sending || this.streaming) return;
		this.error = null;
		this.sending = true;
		try {
			this.conversationId ??= (await api.post<{ id: string }>('/api/v1/ai/conversations', {})).id;
			// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a timestamp string, not state
			this.messages = [...this.messages, { id: crypto.randomUUID(), role: 'user', content: text, at: new Date().toISOString(), turnId: null }];
			this.streaming = { turnId: null, text: '', tools: [], retryingMs: null };
			const r = await api.post<{ turnId: string }>(`/api/v1/ai/conversations/${this.conversationId}/messages`, { content: text });
			if (this.streaming) this.streaming.turnId = r.turnId;
			if (!realtime.connected) this.#startPoll();
		} catch (e) {
			this.streaming = null;
			this.error = isApiError(e) && e.status === 429 && e.retryAfterSeconds ? `${e.message}` : errorMessage(e);
			if (isApiError(e) && e.status === 503) await this.init();
		} finally {
			this.sending = false;
		}
	}

	/** One `ai:response` event (public for tests). */
	receive(e: AiEvent): void {
		if (!this.conversationId || e.conversationId !== this.conversationId) return;
		const s = (this.streaming ??= { turnId: e.turnId, text: '', tools: [], retryingMs: null });
		if (s.turnId && s.turnId !== e.turnId) return;
		s.turnId = e.turnId;
		switch (e.phase) {
			case 'delta':
				s.text += String(e.text ?? '');
				s.retryingMs = null;
				break;
			case 'retrying':
				s.retryingMs = Number(e.retryAfterMs ?? 0);
				break;
			case 'tool': {
				const t = { callId: String(e.callId), tool: String(e.tool), status: e.status as ToolActivity['status'], summary: e.summary as string | undefined, link: e.link as ToolActivity['link'] };
				const i = s.tools.findIndex((x) => x.callId === t.callId);
				s.tools = i >= 0 ? s.tools.map((x, j) => (j === i ? t : x)) : [...s.tools, t];
				break;
			}
			case 'error':
				this.error = String(e.message ?? '');
				break;
			case 'final':
				this.messages = [...this.messages, e.message as ChatMessage];
				this.streaming = null;
				this.#stopPoll();
				// Cut to fit a cross-instance notification: read the saved answer.
				if (e.truncated) void this.#pollOnce();
				break;
		}
	}

	#startPoll(): void {
		this.#stopPoll();
		this.#poll = setInterval(() => void this.#pollOnce(), 1500);
	}

	#stopPoll(): void {
		if (this.#poll) clearInterval(this.#poll);
		this.#poll = null;
	}

	async #pollOnce(): Promise<void> {
		if (!this.conversationId) return this.#stopPoll();
		try {
			const c = await api.get<{ messages: ChatMessage[]; running: boolean }>(`/api/v1/ai/conversations/${this.conversationId}`);
			if (!c.running) {
				this.messages = c.messages;
				this.streaming = null;
				this.#stopPoll();
			}
		} catch {
			/* keep polling */
		}
	}
}
