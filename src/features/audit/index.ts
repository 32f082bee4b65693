import { defineFeature } from '../../kernel/feature-module.ts';
import { createAuditApi } from './audit-api.ts';
import { auditOperations } from './audit-operations.ts';

// The audit feature's public face: what other features, the composition root and the surfaces may import.
export type { AuditApi, AuditBreak, AuditEvent, AuditQuery, AuditVerification } from './audit-api.ts';

/** The audit feature, for the registry. */
export const auditFeature = defineFeature({ operations: auditOperations, create: createAuditApi });
