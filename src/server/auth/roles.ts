/** Who a token is, in increasing order of what it may do. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route does, which decides the least role that may call it:
 * `read` (viewer: personal data masked), `operate` (operator: start, retry and cancel runs,
 * cancel and move schedules), `administer` (admin: connection checks and the rest).
 */
export type Access = 'read' | 'operate' | 'administer';

export const LEAST_ROLE: Record<Access, Role> = { read: 'viewer', operate: 'operator', administer: 'admin' };

export function roleMay(role: Role, access: Access): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(LEAST_ROLE[access]);
}

/** Viewers see run and event data with personal fields masked; operators and admins see it whole. */
export function seesPersonalData(role: Role): boolean {
  return role !== 'viewer';
}
