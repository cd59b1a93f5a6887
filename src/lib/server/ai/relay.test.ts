// The cross-instance relay of ai:response: local delivery at once, deltas coalesced for NOTIFY,
// NOTIFYs in order, own notifications skipped, oversized events cut and flagged.
import { describe, it, expect } from 'vitest';
import { AiEventRelay } from './relay';
import type { AiResponseEvent } from '$lib/domain/ai/schemas';

const base = { type: 'ai:response' as const, conversationId: 'c', turnId: 't' };
const delta = (seq: number, text: string) => ({ ...base, phase: 'delta' as const, seq, text });

describe('AiEventRelay', () => {
  it('publishes locally at once and sends coalesced deltas, then the final, in order', async () => {
    const local: AiResponseEvent[] = [];
    const sent: string[] = [];
    const r = new AiEventRelay({ local: (_u, e) => local.push(e), notify: async (p) => void sent.push(p), origin: 'me', flushMs: 20 });
    r.publish('u', { ...base, phase: 'start', seq: 1 });
    r.publish('u', delta(2, 'Hel'));
    r.publish('u', delta(3, 'lo'));
    r.publish('u', { ...base, phase: 'final', seq: 4, stopReason: 'answer', usage: { prompt: 1, completion: 1, total: 2 }, message: { id: 't', role: 'assistant', content: 'Hello', at: '', turnId: 't' } });
    expect(local.map((e) => e.phase)).toEqual(['start', 'delta', 'delta', 'final']);
    await new Promise((res) => setTimeout(res, 50));
    const events = sent.map((p) => JSON.parse(p).event);
    expect(events.map((e) => [e.phase, e.text ?? null])).toEqual([['start', null], ['delta', 'Hello'], ['final', null]]);
    // Another instance delivers it; its own notification is skipped.
    const other: AiResponseEvent[] = [];
    new AiEventRelay({ local: (_u, e) => other.push(e), origin: 'other' }).receive(sent[1]);
    r.receive(sent[1]);
    expect(other).toHaveLength(1);
    expect(local).toHaveLength(4);
  });

  it('cuts an event too large for a NOTIFY payload and flags it', async () => {
    const sent: string[] = [];
    const r = new AiEventRelay({ local: () => {}, notify: async (p) => void sent.push(p), origin: 'me' });
    r.publish('u', { ...base, phase: 'final', seq: 1, stopReason: 'answer', usage: { prompt: 1, completion: 1, total: 2 }, message: { id: 't', role: 'assistant', content: 'x'.repeat(20_000), at: '', turnId: 't' } });
    await new Promise((res) => setTimeout(res, 10));
    expect(sent[0].length).toBeLessThanOrEqual(7_500);
    expect(JSON.parse(sent[0]).event.truncated).toBe(true);
  });
});
