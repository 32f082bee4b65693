// The usage feature's public face: what other features, the composition root and the surfaces may import.
export { createUsageApi, type UsageApi, type UsageDay, type UsageReport, type UsageTotals } from './usage-api.ts';
