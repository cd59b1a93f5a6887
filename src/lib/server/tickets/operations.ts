// Operations of the ticket REST API, the public survey and the ticket admin configuration; spread
// into ../http/operations.ts so they appear in /api/v1/openapi.json.
import { z } from 'zod';
import { op } from '../http/route';
import {
  TicketListQuery,
  TicketCreateBody,
  TicketPatchBody,
  TicketIdParam,
  TicketView,
  TicketDetail,
  TicketPage,
  SurveyTokenParam,
  SurveyAnswerBody,
  SurveyView,
  SurveyLink,
  IdParam,
  TicketTypeBody,
  TicketTypePatch,
  TicketTypeView,
  CategoryBody,
  CategoryPatch,
  CategoryView,
  CustomFieldBody,
  CustomFieldPatch,
  CustomFieldView,
  CannedResponseBody,
  CannedResponsePatch,
  CannedResponseView
} from '$lib/domain/tickets/api';
import { LinkKind } from '$lib/domain/tickets/lifecycle';
import { ClientId } from '$lib/domain/tickets/schemas';

const Changed = z.object({ id: z.uuid(), changed: z.boolean() }).loose();
const T = ['tickets'];

function adminCrud<B extends z.ZodType, P extends z.ZodType, V extends z.ZodType>(name: string, path: string, what: string, body: B, patch: P, view: V) {
  return {
    list: op({ id: `list${name}`, method: 'GET', path, summary: `List ${what}`, tags: ['ticket-config'], auth: 'authenticated', response: z.object({ items: z.array(view) }) }),
    create: op({ id: `create${name}`, method: 'POST', path, summary: `Create one of the ${what}`, tags: ['ticket-config'], auth: { permission: 'settings.manage' }, body, status: 201, response: view, errors: [400, 403, 409] }),
    update: op({ id: `update${name}`, method: 'PATCH', path: `${path}/{id}`, summary: `Change one of the ${what}`, tags: ['ticket-config'], auth: { permission: 'settings.manage' }, params: IdParam, body: patch, response: view, errors: [400, 403, 404, 409] }),
    remove: op({ id: `delete${name}`, method: 'DELETE', path: `${path}/{id}`, summary: `Remove one of the ${what} (soft delete)`, tags: ['ticket-config'], auth: { permission: 'settings.manage' }, params: IdParam, status: 204, errors: [403, 404] })
  };
}

const types = adminCrud('TicketTypes', '/api/v1/admin/ticket-types', 'ticket types', TicketTypeBody, TicketTypePatch, TicketTypeView);
const categories = adminCrud('TicketCategories', '/api/v1/admin/ticket-categories', 'ticket categories', CategoryBody, CategoryPatch, CategoryView);
const fields = adminCrud('CustomFields', '/api/v1/admin/custom-fields', 'ticket custom fields', CustomFieldBody, CustomFieldPatch, CustomFieldView);
const canned = adminCrud('CannedResponses', '/api/v1/admin/canned-responses', 'canned responses (macros)', CannedResponseBody, CannedResponsePatch, CannedResponseView);

export const ticketOps = {
  listTickets: op({
    id: 'listTickets',
    method: 'GET',
    path: '/api/v1/tickets',
    summary: 'List tickets (keyset pages via `nextCursor`). Staff see all tickets; end users and requesters only their own. Filters combine with AND; `status` and `priority` take comma-separated lists.',
    tags: T,
    auth: 'authenticated',
    query: TicketListQuery,
    response: TicketPage,
    errors: [400, 403]
  }),
  createTicket: op({
    id: 'createTicket',
    method: 'POST',
    path: '/api/v1/tickets',
    summary: 'Create a ticket. Priority: given, else impact × urgency (matrix setting), else the type default. Custom fields are validated against their definitions.',
    tags: T,
    auth: { permission: 'tickets.create' },
    body: TicketCreateBody,
    status: 201,
    response: TicketView,
    errors: [400, 403]
  }),
  getTicket: op({ id: 'getTicket', method: 'GET', path: '/api/v1/tickets/{id}', summary: 'One ticket with the comments, links, history and time the caller may see', tags: T, auth: 'authenticated', params: TicketIdParam, response: TicketDetail, errors: [404] }),
  patchTicket: op({
    id: 'patchTicket',
    method: 'PATCH',
    path: '/api/v1/tickets/{id}',
    summary: 'Change ticket fields; status moves are checked against the workflow setting. All or nothing.',
    tags: T,
    auth: 'authenticated',
    params: TicketIdParam,
    body: TicketPatchBody,
    response: TicketView,
    errors: [400, 403, 404, 409]
  }),
  linkTicket: op({ id: 'linkTicket', method: 'POST', path: '/api/v1/tickets/{id}/links', summary: 'Link this ticket to another (relates, duplicates, blocks)', tags: T, auth: { permission: 'tickets.update' }, params: TicketIdParam, body: z.object({ target_id: z.uuid(), kind: LinkKind }).strict(), response: Changed, errors: [400, 404] }),
  unlinkTicket: op({ id: 'unlinkTicket', method: 'DELETE', path: '/api/v1/tickets/{id}/links', summary: 'Remove a link', tags: T, auth: { permission: 'tickets.update' }, params: TicketIdParam, query: z.object({ target_id: z.uuid(), kind: LinkKind }), response: Changed, errors: [400, 404] }),
  mergeTicket: op({
    id: 'mergeTicket',
    method: 'POST',
    path: '/api/v1/tickets/{id}/merge',
    summary: 'Merge this ticket into `target_id`: comments, attachments, time entries, children and links move; this ticket closes as merged',
    tags: T,
    auth: { permission: 'tickets.update' },
    params: TicketIdParam,
    body: z.object({ target_id: z.uuid(), note: z.string().trim().max(2000).optional() }).strict(),
    response: z.object({ id: z.uuid(), target_id: z.uuid(), moved: z.record(z.string(), z.number()) }),
    errors: [400, 404, 409]
  }),
  addTimeEntry: op({
    id: 'addTimeEntry',
    method: 'POST',
    path: '/api/v1/tickets/{id}/time-entries',
    summary: 'Log minutes of work as the signed-in agent',
    tags: T,
    auth: { permission: 'tickets.update' },
    params: TicketIdParam,
    body: z.object({ id: ClientId.optional(), minutes: z.number().int().min(1).max(10_000), note: z.string().trim().max(2000).nullable().optional(), work_date: z.iso.date().optional() }).strict(),
    status: 201,
    response: z.object({ id: z.uuid(), ticket_id: z.uuid(), minutes: z.number(), total_minutes: z.number() }),
    errors: [400, 404]
  }),
  applyMacro: op({
    id: 'applyMacro',
    method: 'POST',
    path: '/api/v1/tickets/{id}/macros',
    summary: 'Apply a canned response: insert its text (reply or internal note) and set its fields',
    tags: T,
    auth: { permission: 'tickets.update' },
    params: TicketIdParam,
    body: z.object({ macro_id: z.uuid() }).strict(),
    response: z.object({ ticket_id: z.uuid(), macro_id: z.uuid(), comment_id: z.uuid().nullable(), changed: z.array(z.string()) }),
    errors: [400, 404, 409]
  }),
  surveyLink: op({ id: 'issueSurveyLink', method: 'POST', path: '/api/v1/tickets/{id}/survey-link', summary: 'A signed, expiring, one-time satisfaction survey link for a resolved ticket', tags: T, auth: 'authenticated', params: TicketIdParam, status: 201, response: SurveyLink, errors: [403, 404, 409] }),
  getSurvey: op({ id: 'getSurvey', method: 'GET', path: '/api/v1/surveys/{token}', summary: 'What a survey link is about (public; the signed token is the credential)', tags: ['survey'], auth: 'public', params: SurveyTokenParam, response: SurveyView.extend({ expired: z.boolean() }), errors: [404] }),
  answerSurvey: op({ id: 'answerSurvey', method: 'POST', path: '/api/v1/surveys/{token}', summary: 'Answer a satisfaction survey (1–5 and a comment); works once, until the link expires', tags: ['survey'], auth: 'public', params: SurveyTokenParam, body: SurveyAnswerBody, response: z.object({ ticket_number: z.number(), rating: z.number() }), errors: [400, 404, 409] }),
  listTicketTypes: types.list,
  createTicketTypes: types.create,
  updateTicketTypes: types.update,
  deleteTicketTypes: types.remove,
  listTicketCategories: categories.list,
  createTicketCategories: categories.create,
  updateTicketCategories: categories.update,
  deleteTicketCategories: categories.remove,
  listCustomFields: fields.list,
  createCustomFields: fields.create,
  updateCustomFields: fields.update,
  deleteCustomFields: fields.remove,
  listCannedResponses: canned.list,
  createCannedResponses: canned.create,
  updateCannedResponses: canned.update,
  deleteCannedResponses: canned.remove
};
