import { describe, expect, it } from 'vitest';
import { httpStatusByCode, type StrataErrorCode } from './errors.ts';
import { assertCanWrite, defaultWriteScope, type Identity, readableScopes, roles, type Scope, scopes } from './scope.ts';

const user: Identity = { clientId: 'app', tenantId: 'acme', userId: 'john', role: 'member' };
const customer: Identity = { clientId: 'app', tenantId: 'acme', role: 'admin' };

describe('scope chain', () => {
  it('reads narrowest first, and never user scope without a user', () => {
    expect(readableScopes(user)).toEqual(['user', 'customer', 'client', 'world']);
    expect(readableScopes(customer)).toEqual(['customer', 'client', 'world']);
    expect(readableScopes({ clientId: 'app', role: 'client_admin' })).toEqual(['client', 'world']);
  });

  it('writes to the narrowest scope by default and refuses without a customer', () => {
    expect(defaultWriteScope(user)).toBe('user');
    expect(defaultWriteScope(customer)).toBe('customer');
    expect(() => defaultWriteScope({ clientId: 'app', role: 'platform' })).toThrowError(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('allows writes exactly per the role table', () => {
    const allowed: Record<string, Scope[]> = {
      platform: ['world', 'client', 'customer', 'user'],
      client_admin: ['client', 'customer', 'user'],
      admin: ['customer', 'user'],
      member: ['customer', 'user'],
      reader: [],
    };
    for (const role of roles) {
      for (const scope of scopes) {
        const attempt = () => assertCanWrite({ ...user, role }, scope);
        if (allowed[role]?.includes(scope)) expect(attempt).not.toThrow();
        else expect(attempt).toThrowError(expect.objectContaining({ code: 'forbidden' }));
      }
    }
    expect(() => assertCanWrite(customer, 'user')).toThrowError(
      expect.objectContaining({ code: 'invalid_input', details: expect.objectContaining({ field: 'userId' }) }),
    );
  });

  it('maps every error code to an HTTP status', () => {
    const statuses = Object.entries(httpStatusByCode) as Array<[StrataErrorCode, number]>;
    expect(statuses.length).toBeGreaterThan(10);
    for (const [, status] of statuses) expect(status >= 400 && status < 600).toBe(true);
  });
});
