import { pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { query } from '../../core/operation-arguments.ts';
import { auditEventSchema, auditVerificationSchema, listAuditSchema, verifyAuditSchema } from './audit-schemas.ts';

/** The audit operations. */
export const auditOperations = defineOperations('audit', 'audit', {
  list: {
    summary: 'Audit entries, newest first (filters: from, to, actor, action, outcome)',
    http: { method: 'GET', path: '/v1/audit', args: [query], status: 200, query: listAuditSchema },
    response: pageOf(auditEventSchema),
    permission: 'audit.read',
  },
  verify: {
    summary: "Verify a tenant's (or the platform's) audit hash chain",
    http: { method: 'GET', path: '/v1/audit/verify', args: [query], status: 200, query: verifyAuditSchema },
    response: auditVerificationSchema,
    permission: 'audit.read',
  },
});
