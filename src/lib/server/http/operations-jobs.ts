// jobs: assignment rules, escalation rules, notification preferences, agent availability.
import { z } from 'zod';
import { op } from './route';
import { ASSIGNMENT_METHODS, AssignmentRuleBody, AssignmentRuleView, Availability, AvailabilityView } from '$lib/domain/assignment/decide';
import { EscalationRuleBody, EscalationRuleView } from '$lib/domain/escalation/thresholds';
import { PreferencesBody, PreferencesView } from '$lib/domain/notifications/preferences';

const IdParam = z.object({ id: z.uuid() });
const TeamMethod = z.object({ id: z.uuid(), name: z.string(), method: z.enum(ASSIGNMENT_METHODS) }).meta({ id: 'TeamAssignmentMethod' });

export const jobsOps = {
  listAssignmentRules: op({ id: 'listAssignmentRules', method: 'GET', path: '/api/v1/admin/assignment-rules', summary: 'Automatic assignment rules, in order (first match wins)', tags: ['admin'], auth: { permission: 'teams.manage' }, response: z.object({ items: z.array(AssignmentRuleView) }) }),
  createAssignmentRule: op({ id: 'createAssignmentRule', method: 'POST', path: '/api/v1/admin/assignment-rules', summary: 'Add an assignment rule: conditions (category, priority, requester, keywords) → team and/or agent', tags: ['admin'], auth: { permission: 'teams.manage' }, body: AssignmentRuleBody, status: 201, response: AssignmentRuleView, errors: [400, 403] }),
  updateAssignmentRule: op({ id: 'updateAssignmentRule', method: 'PUT', path: '/api/v1/admin/assignment-rules/{id}', summary: 'Replace an assignment rule', tags: ['admin'], auth: { permission: 'teams.manage' }, params: IdParam, body: AssignmentRuleBody, response: AssignmentRuleView, errors: [400, 403, 404] }),
  deleteAssignmentRule: op({ id: 'deleteAssignmentRule', method: 'DELETE', path: '/api/v1/admin/assignment-rules/{id}', summary: 'Delete an assignment rule', tags: ['admin'], auth: { permission: 'teams.manage' }, params: IdParam, status: 204, errors: [403, 404] }),
  assignmentOptions: op({
    id: 'assignmentOptions',
    method: 'GET',
    path: '/api/v1/admin/assignment-options',
    summary: 'Teams (with their assignment method) and agents, for the rule editors',
    tags: ['admin'],
    auth: 'authenticated',
    response: z.object({ teams: z.array(TeamMethod), agents: z.array(z.object({ id: z.uuid(), name: z.string() })) }),
    errors: [403]
  }),
  setTeamAssignmentMethod: op({ id: 'setTeamAssignmentMethod', method: 'PUT', path: '/api/v1/admin/assignment-options/teams/{id}', summary: 'How a team hands out new tickets: manual, round_robin or least_loaded', tags: ['admin'], auth: { permission: 'teams.manage' }, params: IdParam, body: z.object({ method: z.enum(ASSIGNMENT_METHODS) }).strict(), response: TeamMethod, errors: [400, 403, 404] }),

  listEscalationRules: op({ id: 'listEscalationRules', method: 'GET', path: '/api/v1/admin/escalation-rules', summary: 'Escalation rules (checked every minute)', tags: ['admin'], auth: { permission: 'sla.manage' }, response: z.object({ items: z.array(EscalationRuleView) }) }),
  createEscalationRule: op({ id: 'createEscalationRule', method: 'POST', path: '/api/v1/admin/escalation-rules', summary: 'Add an escalation rule: at N % of a target or on breach → notify, reassign, raise priority', tags: ['admin'], auth: { permission: 'sla.manage' }, body: EscalationRuleBody, status: 201, response: EscalationRuleView, errors: [400, 403] }),
  updateEscalationRule: op({ id: 'updateEscalationRule', method: 'PUT', path: '/api/v1/admin/escalation-rules/{id}', summary: 'Replace an escalation rule', tags: ['admin'], auth: { permission: 'sla.manage' }, params: IdParam, body: EscalationRuleBody, response: EscalationRuleView, errors: [400, 403, 404] }),
  deleteEscalationRule: op({ id: 'deleteEscalationRule', method: 'DELETE', path: '/api/v1/admin/escalation-rules/{id}', summary: 'Delete an escalation rule', tags: ['admin'], auth: { permission: 'sla.manage' }, params: IdParam, status: 204, errors: [403, 404] }),

  getNotificationPreferences: op({ id: 'getNotificationPreferences', method: 'GET', path: '/api/v1/me/notification-preferences', summary: 'Which events reach me in the app and by email', tags: ['me'], auth: 'authenticated', response: PreferencesView }),
  putNotificationPreferences: op({ id: 'putNotificationPreferences', method: 'PUT', path: '/api/v1/me/notification-preferences', summary: 'Change my notification preferences (any subset of events)', tags: ['me'], auth: 'authenticated', body: PreferencesBody, response: PreferencesView, errors: [400] }),
  getAvailability: op({ id: 'getAvailability', method: 'GET', path: '/api/v1/me/availability', summary: 'My availability for automatic assignment', tags: ['me'], auth: 'authenticated', response: AvailabilityView }),
  putAvailability: op({ id: 'putAvailability', method: 'PUT', path: '/api/v1/me/availability', summary: 'Set my availability and out-of-office window (agents)', tags: ['me'], auth: 'authenticated', body: Availability, response: AvailabilityView, errors: [400, 403] })
};
