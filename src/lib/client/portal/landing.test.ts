import { describe, expect, it } from 'vitest';
import { isPortalUser, landingFor } from './landing';
import { DEFAULT_GRANTS, type RoleKey } from '$lib/domain/auth/permissions';

const permissionsFor = (roles: RoleKey[]) => roles.flatMap((r) => [...DEFAULT_GRANTS[r]]);

describe('landingFor', () => {
	it('sends End Users and Requesters to the portal, staff stay home', () => {
		expect(landingFor(permissionsFor(['end_user']))).toBe('/portal');
		expect(landingFor(permissionsFor(['requester']))).toBe('/portal');
		expect(landingFor(permissionsFor(['agent']))).toBeUndefined();
		expect(landingFor(permissionsFor(['admin']))).toBeUndefined();
		expect(isPortalUser(undefined)).toBe(false);
	});
});
