// The maintenance feature's public face: what other features, the composition root and the surfaces may import.
export { createMaintenanceApi, type MaintenanceApi, type ReembedReport } from './maintenance-api.ts';
