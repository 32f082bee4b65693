import { httpStatusByCode } from '../core/errors.ts';
import { problemTitles } from './problem.ts';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

// Renders /openapi.json in the browser with no external script, font or stylesheet: it works offline.
const script = `
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
fetch('openapi.json').then((response) => response.json()).then((doc) => {
  const groups = {};
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      (groups[operation.tags[0]] ??= []).push({ path, method, operation });
    }
  }
  const sections = Object.entries(groups).map(([tag, entries]) => '<h2>' + escape(tag) + '</h2>' + entries.map(({ path, method, operation }) => {
    const parameters = (operation.parameters || []).filter((p) => !p.name.startsWith('strata-'));
    const rows = parameters.map((p) => '<tr><td><code>' + escape(p.name) + '</code></td><td>' + escape(p.in) + '</td><td><code>' +
      escape(JSON.stringify(p.schema || (p.content && p.content['application/json'].schema) || {})) + '</code></td></tr>').join('');
    // A body in its first media type: JSON for most operations, JSON lines for a tenant import.
    const [bodyType, bodyContent] = operation.requestBody ? Object.entries(operation.requestBody.content)[0] : [];
    const body = bodyContent ? '<details><summary>' + escape(bodyType) + ' body</summary><pre>' +
      escape(JSON.stringify(bodyContent.schema, null, 2)) + '</pre></details>' : '';
    return '<section class="op" id="' + escape(operation.operationId) + '"><h3><span class="method ' + method + '">' + method.toUpperCase() +
      '</span> <code>' + escape(path) + '</code></h3><p>' + escape(operation.summary) + ' <small>(<code>' + escape(operation.operationId) +
      '</code>)</small></p>' + (rows ? '<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>' + rows + '</table>' : '') + body + '</section>';
  }).join('')).join('');
  document.getElementById('operations').innerHTML = sections;
}).catch((error) => { document.getElementById('operations').textContent = 'Could not load openapi.json: ' + error; });
`;

/** The human API reference at `/docs`: one self-contained HTML page. */
export function docsPage(): string {
  const errorRows = Object.entries(httpStatusByCode)
    .map(
      ([code, status]) =>
        `<tr id="error-${code}"><td><code>${code}</code></td><td>${status}</td><td>${escapeHtml(problemTitles[code as keyof typeof httpStatusByCode])}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strata API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f5f7;padding:.75rem;overflow:auto}
.op{border-top:1px solid #e3e5ea;padding:.5rem 0}.method{display:inline-block;min-width:4.5rem;font-size:12px;color:#fff;padding:2px 6px;border-radius:3px}
.get{background:#2f7d4f}.post{background:#2d5fa8}.patch{background:#8a5a00}.delete{background:#a8322d}
table{border-collapse:collapse}td,th{border:1px solid #e3e5ea;padding:2px 8px;text-align:left;vertical-align:top}
</style></head><body>
<h1>Strata API v1</h1>
<p>Every request carries an API key: <code>Authorization: Bearer sk_…</code>. The tenant and user come from the key only.
Errors are <code>application/problem+json</code> with a stable <code>code</code>. The machine-readable document is
<a href="openapi.json">openapi.json</a> (OpenAPI 3.1).</p>
<h2>Error codes</h2><table><tr><th>code</th><th>status</th><th>title</th></tr>${errorRows}</table>
<div id="operations">Loading operations…</div>
<script>${script}</script>
</body></html>`;
}
