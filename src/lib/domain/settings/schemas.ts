// Every admin-editable setting with its schema. Unknown keys are refused; values are validated
// here before they reach the database.
import { z } from 'zod';
import { WorkflowSetting, PriorityMatrixSetting, SurveySetting } from '../tickets/lifecycle';
import { AllowedTypes } from '../files/schemas';

export const SETTING_SCHEMAS = {
  'auth.loginRateLimit': z.object({
    perIpPerMinute: z.number().int().min(1).max(10_000),
    perAccountPerMinute: z.number().int().min(1).max(10_000)
  }),
  'auth.lockout': z.object({ threshold: z.number().int().min(1).max(1000), seconds: z.number().int().min(1).max(86_400 * 7) }),
  'auth.selfRegistration': z.boolean(),
  'auth.passwordReset': z.object({ enabled: z.boolean(), ttlMinutes: z.number().int().min(5).max(60 * 24 * 7) }),
  'auth.refreshTokenDays': z.number().int().min(1).max(90),
  'org.name': z.string().trim().min(1).max(120),
  'files.maxUploadBytes': z.number().int().min(1024).max(10 * 1024 ** 3),
  'sync.closedTicketDays': z.number().int().min(0).max(3650),
  // Ticket lifecycle (migration 0007).
  'tickets.workflow': WorkflowSetting,
  'tickets.priorityMatrix': PriorityMatrixSetting,
  'tickets.survey': SurveySetting,
  /** Media types (detected from content) users may upload; see src/lib/domain/files/schemas.ts. */
  'files.allowedTypes': AllowedTypes
} as const;

export type SettingKey = keyof typeof SETTING_SCHEMAS;
export type SettingValue<K extends SettingKey> = z.infer<(typeof SETTING_SCHEMAS)[K]>;
export type Settings = { [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(SETTING_SCHEMAS) as SettingKey[];

export const SettingsPatch = z
  .record(z.string(), z.unknown())
  .superRefine((obj, ctx) => {
    for (const [key, value] of Object.entries(obj)) {
      const schema = SETTING_SCHEMAS[key as SettingKey];
      if (!schema) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is not a known setting' });
        continue;
      }
      const r = schema.safeParse(value);
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...i.path.map(String)], message: i.message });
    }
  })
  .transform((o) => o as Partial<Settings>);

export const SettingView = z
  .object({ key: z.string(), value: z.unknown(), description: z.string().nullable(), isPublic: z.boolean() })
  .meta({ id: 'Setting' });
