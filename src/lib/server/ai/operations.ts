// Operations of the AI assistant (chat API and its admin configuration), spread into `ops` by
// operations.ts so they reach the OpenAPI document.
import { z } from 'zod';
import { op } from '../http/route';
import {
  AiConfigPatch,
  AiConfigView,
  AiKeyTestResult,
  AiStatus,
  ConversationCreateBody,
  ConversationIdParam,
  ConversationSummary,
  ConversationView,
  MessageBody,
  TurnStarted
} from '$lib/domain/ai/schemas';

const use = { permission: 'ai.use' } as const;
const admin = { permission: 'settings.manage' } as const;

export const aiOps = {
  aiStatus: op({ id: 'getAiStatus', method: 'GET', path: '/api/v1/ai/status', summary: 'Can the assistant chat now (a key is configured), and with which tools', tags: ['ai'], auth: 'authenticated', response: AiStatus }),
  listAiConversations: op({ id: 'listAiConversations', method: 'GET', path: '/api/v1/ai/conversations', summary: 'My conversations with the assistant, newest first', tags: ['ai'], auth: use, response: z.object({ items: z.array(ConversationSummary) }) }),
  createAiConversation: op({ id: 'createAiConversation', method: 'POST', path: '/api/v1/ai/conversations', summary: 'Start a conversation', tags: ['ai'], auth: use, body: ConversationCreateBody, status: 201, response: ConversationSummary }),
  getAiConversation: op({ id: 'getAiConversation', method: 'GET', path: '/api/v1/ai/conversations/{id}', summary: 'One of my conversations with its messages (404 for anyone else’s)', tags: ['ai'], auth: use, params: ConversationIdParam, response: ConversationView, errors: [404] }),
  postAiMessage: op({
    id: 'postAiMessage',
    method: 'POST',
    path: '/api/v1/ai/conversations/{id}/messages',
    summary:
      'Ask the assistant: starts a turn and returns its ids at once (202). The answer streams to your own sockets on `/ws` as `ai:response` events ' +
      '(phase start → delta/tool/retrying → final, or error). 429 with Retry-After past the per-user rate limit; 409 while a turn runs in the conversation; 503 without an API key.',
    tags: ['ai'],
    auth: use,
    params: ConversationIdParam,
    body: MessageBody,
    status: 202,
    response: TurnStarted,
    errors: [400, 404, 409, 429, 503]
  }),
  getAiConfig: op({ id: 'getAiConfig', method: 'GET', path: '/api/v1/admin/ai', summary: 'AI assistant settings (the key is never returned, only whether one is stored)', tags: ['admin', 'ai'], auth: admin, response: AiConfigView }),
  updateAiConfig: op({
    id: 'updateAiConfig',
    method: 'PATCH',
    path: '/api/v1/admin/ai',
    summary: 'Change model, base URL, limits or the API key (`apiKey`: a string stores it encrypted, null removes it, absent keeps it)',
    tags: ['admin', 'ai'],
    auth: admin,
    body: AiConfigPatch,
    response: AiConfigView,
    errors: [400, 403]
  }),
  testAiKey: op({ id: 'testAiKey', method: 'POST', path: '/api/v1/admin/ai/test', summary: "Try the stored key against the provider (lists its models); reports the provider's error", tags: ['admin', 'ai'], auth: admin, response: AiKeyTestResult })
};
