// Asset values and the arguments of the asset mutations (column names of the synced rows).
import { z } from 'zod';
import { fieldEdit } from '../mutations/merge';

export const ASSET_STATUSES = ['ordered', 'in_stock', 'deployed', 'in_repair', 'retired', 'lost', 'disposed'] as const;
export const AssetStatus = z.enum(ASSET_STATUSES);

const text = (max: number) => z.string().trim().max(max, `is longer than ${max} characters`).nullable();

/** Fields a technician edits in the field (`asset.update`); everything else is managed online. */
export const AssetEditable = z.object({
  name: z.string().trim().min(1, 'is required').max(200, 'is longer than 200 characters'),
  status: AssetStatus,
  category: text(100),
  serial_number: text(200),
  model: text(200),
  manufacturer: text(200),
  site: text(200),
  location: text(500),
  hostname: text(253),
  ip_address: text(100),
  mac_address: text(100),
  assigned_to_id: z.uuid().nullable(),
  team_id: z.uuid().nullable(),
  department: text(200),
  notes: text(100_000)
});
export type AssetEditableField = keyof z.infer<typeof AssetEditable>;

const AssetBase = z.object({
  name: z.string(),
  status: z.string(),
  category: z.string().nullable(),
  serial_number: z.string().nullable(),
  model: z.string().nullable(),
  manufacturer: z.string().nullable(),
  site: z.string().nullable(),
  location: z.string().nullable(),
  hostname: z.string().nullable(),
  ip_address: z.string().nullable(),
  mac_address: z.string().nullable(),
  assigned_to_id: z.string().nullable(),
  team_id: z.string().nullable(),
  department: z.string().nullable(),
  notes: z.string().nullable()
});

export const AssetUpdateArgs = fieldEdit(AssetEditable, AssetBase);
export type AssetUpdateArgs = z.output<typeof AssetUpdateArgs>;
