// Admin edits of SLA policies and business calendars, and the views the API returns. Field names
// are camelCase at the edge; the service maps them to columns.
import { z } from 'zod';
import { WeeklyHours, Holidays, TimeZone } from './calendar';
import { PolicyConditions, PolicyTargets, PauseStatuses } from './policy';
import { SLA_EVENT_KINDS } from './clock';

const Name = z.string().trim().min(1, 'is required').max(120, 'is longer than 120 characters');
const Description = z.string().trim().max(2000, 'is longer than 2000 characters').nullable();

export const PolicyBody = z
  .object({
    name: Name,
    description: Description.optional(),
    conditions: PolicyConditions.default({}),
    targets: PolicyTargets,
    calendarId: z.uuid().nullable().default(null),
    pauseStatuses: PauseStatuses.default(['waiting']),
    warningPercent: z.number().int().min(1).max(99).default(80),
    active: z.boolean().default(true),
    position: z.number().int().min(0).max(1_000_000).default(0)
  })
  .strict()
  .meta({ id: 'SlaPolicyBody' });
export const PolicyPatch = z
  .object({
    name: Name,
    description: Description,
    conditions: PolicyConditions,
    targets: PolicyTargets,
    calendarId: z.uuid().nullable(),
    pauseStatuses: PauseStatuses,
    warningPercent: z.number().int().min(1).max(99),
    active: z.boolean(),
    position: z.number().int().min(0).max(1_000_000)
  })
  .partial()
  .strict()
  .meta({ id: 'SlaPolicyPatch' });
export type PolicyBody = z.output<typeof PolicyBody>;
export type PolicyPatch = z.output<typeof PolicyPatch>;

export const SlaPolicyView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    conditions: z.record(z.string(), z.unknown()),
    targets: z.record(z.string(), z.unknown()),
    calendarId: z.uuid().nullable(),
    pauseStatuses: z.array(z.string()),
    warningPercent: z.number(),
    active: z.boolean(),
    position: z.number(),
    updatedAt: z.iso.datetime()
  })
  .meta({ id: 'SlaPolicy' });

export const CalendarBody = z
  .object({
    name: Name,
    description: Description.optional(),
    timeZone: TimeZone,
    weeklyHours: WeeklyHours,
    holidays: Holidays.default([]),
    isDefault: z.boolean().default(false)
  })
  .strict()
  .meta({ id: 'BusinessCalendarBody' });
export const CalendarPatch = z
  .object({ name: Name, description: Description, timeZone: TimeZone, weeklyHours: WeeklyHours, holidays: Holidays, isDefault: z.literal(true) })
  .partial()
  .strict()
  .meta({ id: 'BusinessCalendarPatch' });
export type CalendarBody = z.output<typeof CalendarBody>;
export type CalendarPatch = z.output<typeof CalendarPatch>;

export const BusinessCalendarView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    timeZone: z.string(),
    weeklyHours: z.record(z.string(), z.array(z.tuple([z.string(), z.string()]))),
    holidays: z.array(z.object({ date: z.string(), name: z.string().optional(), hours: z.array(z.tuple([z.string(), z.string()])).optional() })),
    isDefault: z.boolean(),
    updatedAt: z.iso.datetime()
  })
  .meta({ id: 'BusinessCalendar' });

export const IdParam = z.object({ id: z.uuid() });

const Clock = z.object({
  metric: z.enum(['first_response', 'resolution']),
  state: z.enum(['none', 'running', 'paused', 'met', 'breached']),
  targetMinutes: z.number().nullable(),
  startedAt: z.iso.datetime().nullable(),
  dueAt: z.iso.datetime().nullable(),
  warningAt: z.iso.datetime().nullable(),
  elapsedMinutes: z.number(),
  remainingMinutes: z.number().nullable(),
  breachedAt: z.iso.datetime().nullable(),
  stoppedAt: z.iso.datetime().nullable()
});
const TimelineEvent = z.object({
  kind: z.enum(SLA_EVENT_KINDS),
  target: z.enum(['first_response', 'resolution']).nullable(),
  at: z.iso.datetime(),
  dueAt: z.iso.datetime().nullable(),
  policyId: z.uuid().nullable(),
  details: z.record(z.string(), z.unknown()),
  /** In sla_events already (false: computed now, recorded at the next change or breach sweep). */
  recorded: z.boolean(),
  /** The device time the change was made at, when it came from an offline device. */
  deviceTime: z.iso.datetime().nullable()
});
export const SlaTimelineView = z
  .object({
    ticketId: z.uuid(),
    asOf: z.iso.datetime(),
    policy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    calendar: z.object({ id: z.uuid(), name: z.string(), timeZone: z.string() }).nullable(),
    status: z.string(),
    paused: z.boolean(),
    pausedMinutes: z.number(),
    clocks: z.object({ first_response: Clock, resolution: Clock }),
    timeline: z.array(TimelineEvent),
    /** Recorded events a replay no longer produces (e.g. a breach undone by an earlier offline pause). */
    superseded: z.array(TimelineEvent.extend({ supersededAt: z.iso.datetime() }))
  })
  .meta({ id: 'SlaTimeline' });
