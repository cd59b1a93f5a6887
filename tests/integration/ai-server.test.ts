// The assistant through the real built server on PostgreSQL, with the fake Groq on 127.0.0.1
// (OUTPOST_GROQ_BASE_URL): the admin stores a key (encrypted; never returned, never in the
// generic settings, never in the logs), "test key", the chat API through the operation registry
// (202 + ids, 400 naming the field, 404 for someone else's conversation, 429 with Retry-After),
// and `ai:response` events reaching the asking user's sockets only.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD, type RunningServer } from '../support/server';
import { FakeGroq } from '../support/fake-groq';
import type { Backend } from '../support/backends';

const backends = (inject('backends') as Backend[]).filter((b) => b === 'postgres');
const KEY = 'gsk_server_' + 'Kx7'.repeat(12);
const PASSWORD = 'a long and unusual passphrase for the assistant';

type Msg = Record<string, any>;
async function socket(base: string, token: string) {
  const messages: Msg[] = [];
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } });
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  return { ws, messages };
}
async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!backends.length)('AI assistant through the server on PostgreSQL', () => {
  let srv: RunningServer;
  let fake: FakeGroq;
  let admin: Client;
  const users: Record<'alice' | 'bob', { client: Client; token: string; id: string }> = {} as never;

  beforeAll(async () => {
    fake = await FakeGroq.start([KEY]);
    srv = await startServer('postgres', { OUTPOST_GROQ_BASE_URL: fake.url, OUTPOST_LOG_LEVEL: 'debug' });
    admin = new Client(srv.url);
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const name of ['alice', 'bob'] as const) {
      const email = `${name}-${Math.random().toString(36).slice(2, 8)}@example.test`;
      const r = await admin.post('/api/v1/admin/users', { email, name: `${name} tester`, roles: ['end_user'], password: PASSWORD });
      expect(r.status, r.text).toBe(201);
      const client = new Client(srv.url);
      const s = await client.login(email, PASSWORD);
      users[name] = { client, token: s.json.accessToken, id: r.json.user.id };
    }
  });
  afterAll(async () => {
    await srv?.stop();
    await fake?.stop();
  });

  it('stores the key encrypted and never shows it; the generic settings API cannot read or write it', async () => {
    expect((await users.alice.client.get('/api/v1/ai/status')).json).toMatchObject({ available: false, reason: 'no_key' });
    const bad = await admin.patch('/api/v1/admin/ai', { limits: { maxSteps: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.map((f: any) => f.field)).toContain('limits.maxSteps');
    const r = await admin.patch('/api/v1/admin/ai', { apiKey: KEY, limits: { turnsPerWindow: 3, windowSeconds: 120 } });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ hasKey: true, model: 'openai/gpt-oss-20b', effectiveBaseUrl: fake.url });
    expect(r.text).not.toContain(KEY);
    expect((await admin.get('/api/v1/admin/ai')).text).not.toContain(KEY);
    expect((await users.alice.client.get('/api/v1/admin/ai')).status).toBe(403);
    const settings = await admin.get('/api/v1/admin/settings');
    expect(settings.text).not.toContain('ai.apiKey');
    expect((await admin.patch('/api/v1/admin/settings', { 'ai.apiKey': 'plain' })).status).toBe(400);
    const test = await admin.post('/api/v1/admin/ai/test');
    expect(test.json).toMatchObject({ ok: true, modelAvailable: true });
    expect((await users.alice.client.get('/api/v1/ai/status')).json).toMatchObject({ available: true });
  });

  it("streams a turn to the asking user's sockets only", async () => {
    const a = await socket(srv.url, users.alice.token);
    const b = await socket(srv.url, users.bob.token);
    try {
      await until('hello', () => a.messages.find((m) => m.type === 'hello') && b.messages.find((m) => m.type === 'hello'));
      fake.push({ kind: 'tools', calls: [{ name: 'search_knowledge_base', args: { query: 'password reset' } }] });
      fake.push({ kind: 'text', text: 'Use the self-service password page.', chunkSize: 4 });
      const conv = await users.alice.client.post('/api/v1/ai/conversations', {});
      expect(conv.status, conv.text).toBe(201);
      const empty = await users.alice.client.post(`/api/v1/ai/conversations/${conv.json.id}/messages`, { content: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.json.error.fields[0].field).toBe('content');
      const r = await users.alice.client.post(`/api/v1/ai/conversations/${conv.json.id}/messages`, { content: 'How do I reset my password?' });
      expect(r.status, r.text).toBe(202);
      expect(r.json).toMatchObject({ conversationId: conv.json.id, turnId: expect.any(String) });
      const final = await until('final', () => a.messages.find((m) => m.type === 'ai:response' && m.turnId === r.json.turnId && m.phase === 'final'));
      const mine = a.messages.filter((m) => m.type === 'ai:response' && m.turnId === r.json.turnId);
      expect(mine.map((m) => m.phase)).toEqual(['start', 'tool', 'tool', ...Array(mine.length - 4).fill('delta'), 'final']);
      expect(mine.filter((m) => m.phase === 'delta').map((m) => m.text).join('')).toBe('Use the self-service password page.');
      expect(final.message.content).toBe('Use the self-service password page.');
      await new Promise((res) => setTimeout(res, 300));
      expect(b.messages.filter((m) => m.type === 'ai:response')).toEqual([]);
      // Saved for alice; bob cannot read or post to it.
      const got = await users.alice.client.get(`/api/v1/ai/conversations/${conv.json.id}`);
      expect(got.json.messages.map((m: any) => m.role)).toEqual(['user', 'assistant']);
      expect((await users.bob.client.get(`/api/v1/ai/conversations/${conv.json.id}`)).status).toBe(404);
      expect((await users.bob.client.post(`/api/v1/ai/conversations/${conv.json.id}/messages`, { content: 'hi' })).status).toBe(404);
      expect((await users.alice.client.get('/api/v1/ai/conversations')).json.items.map((c: any) => c.id)).toContain(conv.json.id);
    } finally {
      a.ws.close();
      b.ws.close();
    }
  });

  it('delivers the stream to the user\'s socket on another app instance (LISTEN/NOTIFY), once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-it-ai-2nd-'));
    const srv2 = await startServer('postgres', { OUTPOST_GROQ_BASE_URL: fake.url }, { dataDir: dir, databaseUrl: srv.databaseUrl!, drop: async () => {} });
    const a2 = await socket(srv2.url, users.alice.token);
    try {
      await until('hello', () => a2.messages.find((m) => m.type === 'hello'));
      fake.push({ kind: 'text', text: 'Answered on instance one, read on instance two.', chunkSize: 3, delayMs: 5 });
      const conv = (await users.alice.client.post('/api/v1/ai/conversations', {})).json.id;
      const r = await users.alice.client.post(`/api/v1/ai/conversations/${conv}/messages`, { content: 'cross-instance?' });
      expect(r.status, r.text).toBe(202);
      await until('final on instance 2', () => a2.messages.find((m) => m.type === 'ai:response' && m.turnId === r.json.turnId && m.phase === 'final'));
      const got = a2.messages.filter((m) => m.type === 'ai:response' && m.turnId === r.json.turnId);
      expect(got[0].phase).toBe('start');
      expect(got.filter((m) => m.phase === 'final')).toHaveLength(1);
      expect(got.filter((m) => m.phase === 'delta').map((m) => m.text).join('')).toBe('Answered on instance one, read on instance two.');
      expect(got.map((m) => m.seq)).toEqual([...got.map((m) => m.seq)].sort((x, y) => x - y));
    } finally {
      a2.ws.close();
      await srv2.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 429 with Retry-After past the per-user limit, and documents the API', async () => {
    fake.fallback = { kind: 'text', text: 'ok' };
    const conv = (await users.alice.client.post('/api/v1/ai/conversations', {})).json.id;
    let last;
    for (let i = 0; i < 4; i++) {
      last = await users.alice.client.post(`/api/v1/ai/conversations/${conv}/messages`, { content: `question ${i}` });
      if (last.status === 429) break;
      expect(last.status, last.text).toBe(202);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.json.error.code).toBe('rate_limited');
    const doc = await admin.get('/api/v1/openapi.json');
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/api/v1/ai/conversations/{id}/messages', '/api/v1/admin/ai', '/api/v1/kb/search']));
  });

  it('never writes the key to the logs', () => {
    expect(fake.completions().every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const logs = srv.logs.join('');
    expect(logs).toContain('ai turn');
    expect(logs).not.toContain(KEY);
  });
});
