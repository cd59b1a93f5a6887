// Display labels of asset values (the synced rows hold the stored codes, e.g. `in_stock`).
import { t, type MessageKey } from '$lib/client/i18n';
import { ASSET_STATUSES } from '$lib/domain/assets/schemas';

export const ASSET_TYPES = ['hardware', 'software', 'network', 'peripheral', 'license', 'other'] as const;

const label = (prefix: string, known: readonly string[], value: unknown): string => {
	const v = String(value ?? '');
	return known.includes(v) ? t(`${prefix}${v}` as MessageKey) : v;
};

export const assetStatusLabel = (status: unknown) => label('asset.status.', ASSET_STATUSES, status);
export const assetTypeLabel = (type: unknown) => label('asset.type.', ASSET_TYPES, type);
