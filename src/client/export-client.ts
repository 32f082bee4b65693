import { StrataError } from '../core/errors.ts';
import type { ExportRecord, ImportReport, ImportSource } from '../features/export/index.ts';
import { splitLines, toJsonLine } from '../features/export/index.ts';

/** Tenant export and import over HTTP: the export streams in, the import streams out. */
export interface ExportClient {
  /** Resolves once the service has accepted the request; the records then arrive as they are read. */
  export(tenantId: string, options?: { batchSize?: number }): Promise<AsyncIterable<ExportRecord>>;
  /** Uploads an export's lines (or records) as a chunked `application/x-ndjson` body. */
  import(tenantId: string, source: ImportSource, options?: { clientId?: string; batchSize?: number }): Promise<ImportReport>;
}

/** What the export client needs from the SDK around it. */
export interface ExportClientContext {
  baseUrl: string;
  fetch: typeof fetch;
  /** Authorization and acting headers. */
  headers: Record<string, string>;
  /** How long to wait for the response headers (not for the whole stream). */
  timeoutMs: number;
  /** Turns an error response into the StrataError the server threw. */
  toError(response: Response, text: string): StrataError;
}

/** Builds `client.exports`. */
export function createExportClient(context: ExportClientContext): ExportClient {
  const url = (tenantId: string, action: string, query: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const suffix = search.size > 0 ? `?${search}` : '';
    return `${context.baseUrl}/v1/tenants/${encodeURIComponent(tenantId)}/${action}${suffix}`;
  };

  const send = async (name: string, target: string, init: RequestInit): Promise<Response> => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new StrataError('timeout', `${name}: no answer in ${context.timeoutMs} ms`)),
      context.timeoutMs,
    );
    let response: Response;
    try {
      response = await context.fetch(target, { ...init, signal: controller.signal });
    } catch (error) {
      if (error instanceof StrataError) throw error;
      if (controller.signal.aborted) throw controller.signal.reason;
      throw new StrataError('unavailable', `${name}: cannot reach the service`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw context.toError(response, await response.text());
    return response;
  };

  return {
    async export(tenantId, options = {}) {
      const response = await send('exports.export', url(tenantId, 'export', { batchSize: options.batchSize }), {
        method: 'GET',
        headers: { ...context.headers, accept: 'application/x-ndjson' },
      });
      return parseLines(response);
    },

    async import(tenantId, source, options = {}) {
      const body = ReadableStream.from(encodeLines(source));
      const response = await send('exports.import', url(tenantId, 'import', { clientId: options.clientId, batchSize: options.batchSize }), {
        method: 'POST',
        headers: { ...context.headers, accept: 'application/json', 'content-type': 'application/x-ndjson' },
        body,
        duplex: 'half',
      } as RequestInit);
      return (await response.json()) as ImportReport;
    },
  };
}

async function* parseLines(response: Response): AsyncGenerator<ExportRecord> {
  let ended = false;
  try {
    for await (const line of splitLines((response.body ?? []) as unknown as AsyncIterable<Uint8Array>)) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line) as ExportRecord;
      ended = record.type === 'strata-export-end';
      yield record;
    }
  } catch (error) {
    throw cutShort(error);
  }
  if (!ended) throw cutShort(undefined);
}

// The service failed after it had started streaming: the body stops before its trailer.
const cutShort = (cause: unknown) =>
  new StrataError('unavailable', 'exports.export: the stream ended before its trailer line; the export is incomplete', { cause });

async function* encodeLines(source: ImportSource): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let pending = '';
  for await (const item of source) {
    pending += typeof item === 'string' ? `${item.replace(/\r?\n$/, '')}\n` : toJsonLine(item);
    // Send in pieces of about 64 KiB rather than one write per line.
    if (pending.length >= 65_536) {
      yield encoder.encode(pending);
      pending = '';
    }
  }
  if (pending.length > 0) yield encoder.encode(pending);
}
