// The SLA operations (schemas, auth) for the routes and the OpenAPI document.
import { z } from 'zod';
import { op } from '../http/route';
import { PolicyBody, PolicyPatch, SlaPolicyView, CalendarBody, CalendarPatch, BusinessCalendarView, IdParam, SlaTimelineView } from '$lib/domain/sla/schemas';

const admin = { permission: 'sla.manage' } as const;

export const slaOps = {
  getTicketSla: op({
    id: 'getTicketSla',
    method: 'GET',
    path: '/api/v1/tickets/{id}/sla',
    summary:
      "A ticket's SLA clocks (first response, resolution: state, due, elapsed and remaining business minutes) and its timeline " +
      '(start, pause, resume, met, breached, stopped, policy/target changes), replayed from the ticket events as of now',
    tags: ['tickets'],
    auth: 'authenticated',
    params: IdParam,
    response: SlaTimelineView,
    errors: [400, 401, 404]
  }),
  listSlaPolicies: op({ id: 'listSlaPolicies', method: 'GET', path: '/api/v1/admin/sla-policies', summary: 'SLA policies, by position (the first whose conditions match applies)', tags: ['admin'], auth: admin, response: z.object({ items: z.array(SlaPolicyView) }) }),
  createSlaPolicy: op({
    id: 'createSlaPolicy',
    method: 'POST',
    path: '/api/v1/admin/sla-policies',
    summary: 'Create an SLA policy: conditions, first-response and resolution targets (business minutes) per priority, calendar, pause statuses',
    tags: ['admin'],
    auth: admin,
    body: PolicyBody,
    status: 201,
    response: SlaPolicyView,
    errors: [400, 403, 409]
  }),
  updateSlaPolicy: op({
    id: 'updateSlaPolicy',
    method: 'PATCH',
    path: '/api/v1/admin/sla-policies/{id}',
    summary: 'Change an SLA policy; running clocks take the new targets from their next change',
    tags: ['admin'],
    auth: admin,
    params: IdParam,
    body: PolicyPatch,
    response: SlaPolicyView,
    errors: [400, 403, 404, 409]
  }),
  deleteSlaPolicy: op({ id: 'deleteSlaPolicy', method: 'DELETE', path: '/api/v1/admin/sla-policies/{id}', summary: 'Delete an SLA policy (soft)', tags: ['admin'], auth: admin, params: IdParam, status: 204, errors: [403, 404] }),
  listBusinessCalendars: op({ id: 'listBusinessCalendars', method: 'GET', path: '/api/v1/admin/business-calendars', summary: 'Business calendars', tags: ['admin'], auth: admin, response: z.object({ items: z.array(BusinessCalendarView) }) }),
  createBusinessCalendar: op({
    id: 'createBusinessCalendar',
    method: 'POST',
    path: '/api/v1/admin/business-calendars',
    summary: 'Create a business calendar: weekly hours per day in an IANA time zone, holidays (closed or short days)',
    tags: ['admin'],
    auth: admin,
    body: CalendarBody,
    status: 201,
    response: BusinessCalendarView,
    errors: [400, 403, 409]
  }),
  updateBusinessCalendar: op({
    id: 'updateBusinessCalendar',
    method: 'PATCH',
    path: '/api/v1/admin/business-calendars/{id}',
    summary: 'Change a business calendar (or make it the default)',
    tags: ['admin'],
    auth: admin,
    params: IdParam,
    body: CalendarPatch,
    response: BusinessCalendarView,
    errors: [400, 403, 404, 409]
  }),
  deleteBusinessCalendar: op({
    id: 'deleteBusinessCalendar',
    method: 'DELETE',
    path: '/api/v1/admin/business-calendars/{id}',
    summary: 'Delete a business calendar no policy uses (soft)',
    tags: ['admin'],
    auth: admin,
    params: IdParam,
    status: 204,
    errors: [403, 404, 409]
  })
};
