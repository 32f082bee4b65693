// The audit feature's public face: what other features, the composition root and the surfaces may import.
export { type AuditApi, type AuditBreak, type AuditEvent, type AuditQuery, type AuditVerification, createAuditApi } from './audit-api.ts';
