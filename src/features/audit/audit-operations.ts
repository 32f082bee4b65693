import { pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { query, route } from '../../core/operation-arguments.ts';
import { auditEventSchema, auditVerificationSchema, listAuditSchema, verifyAuditSchema } from './audit-schemas.ts';

/** The audit operations. */
export const auditOperations = defineOperations(
  'audit',
  'audit',
  { permission: 'audit.read' },
  {
    list: {
      summary: 'Audit entries, newest first (filters: from, to, actor, action, outcome)',
      http: route('GET', '/v1/audit', [query], { query: listAuditSchema }),
      response: pageOf(auditEventSchema),
    },
    verify: {
      summary: "Verify a tenant's (or the platform's) audit hash chain",
      http: route('GET', '/v1/audit/verify', [query], { query: verifyAuditSchema }),
      response: auditVerificationSchema,
    },
  },
);
