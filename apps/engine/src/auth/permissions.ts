export const ROLES = ['pos', 'operator', 'analyst', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'customers:read',
  'customers:write',
  'customers:merge',
  'consents:write',
  'purchases:write',
  'visits:write',
  'rewards:redeem',
  'points:adjust',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * What each role may do on the write-side API. The point of sale records what happens at the counter;
 * support fixes customers (merges, consents, redemptions) but does not ring up sales; operators run
 * the program, so they alone (with admins) give or take points by hand; analysts work on reports,
 * which live elsewhere, so they get nothing here.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  pos: ['customers:read', 'customers:write', 'consents:write', 'purchases:write', 'visits:write', 'rewards:redeem'],
  operator: ['points:adjust'],
  analyst: [],
  support: ['customers:read', 'customers:write', 'customers:merge', 'consents:write', 'rewards:redeem'],
  admin: PERMISSIONS,
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** The caller, as its API key says: everything it does is scoped to this merchant. */
export interface Principal {
  readonly merchantId: string;
  readonly keyId: string;
  readonly role: Role;
}
