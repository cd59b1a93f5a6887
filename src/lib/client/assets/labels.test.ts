import { describe, it, expect } from 'vitest';
import { assetStatusLabel, assetTypeLabel } from './labels';

describe('asset labels', () => {
	it('shows stored codes as words, and an unknown value as it is', () => {
		expect(assetStatusLabel('in_stock')).toBe('In stock');
		expect(assetStatusLabel('in_repair')).toBe('In repair');
		expect(assetTypeLabel('peripheral')).toBe('Peripheral');
		expect(assetTypeLabel('quantum')).toBe('quantum');
		expect(assetStatusLabel(null)).toBe('');
	});
});
