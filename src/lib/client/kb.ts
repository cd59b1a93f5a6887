// Small helpers shared by the KB screens.
import { t, type MessageKey } from './i18n';

export const KB_STATUS_KEYS = ['draft', 'review', 'published', 'archived'] as const;
export const statusLabel = (s: unknown) => (KB_STATUS_KEYS.includes(s as never) ? t(`kbx.status.${s}` as MessageKey) : String(s ?? ''));
export const moveLabel = (s: string) => t(`kbx.move.${s}` as MessageKey);
export const statusTone = (s: unknown): 'warning' | 'info' | 'success' | 'neutral' => (s === 'draft' ? 'warning' : s === 'review' ? 'info' : s === 'published' ? 'success' : 'neutral');
