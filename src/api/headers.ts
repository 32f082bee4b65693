/** Headers with which a key acts more narrowly: inside a tenant, as a user, or with a lower role. */
export const actingHeaders = { tenant: 'strata-tenant', user: 'strata-user', role: 'strata-role', client: 'strata-client' } as const;
