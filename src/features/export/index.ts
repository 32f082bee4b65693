import { defineFeature } from '../../kernel/feature-module.ts';
import { createExportApi } from './export-api.ts';
import { exportOperations } from './export-operations.ts';

// The export feature's public face: what other features, the composition root and the surfaces may import.
export {
  createExportApi,
  type ExportApi,
  type ExportHeader,
  type ExportOptions,
  type ExportProgress,
  type ExportRecord,
  type ExportRecordType,
  type ImportOptions,
  type ImportReport,
  type ImportSource,
} from './export-api.ts';
export { splitLines, toJsonLine, toJsonLines } from './export-lines.ts';

/** The export feature, for the registry. */
export const exportFeature = defineFeature({ operations: exportOperations, create: createExportApi });
