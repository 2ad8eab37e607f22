/**
 * A readable API reference at `/docs`, rendered on the server from the OpenAPI document. No
 * CDN, no script: it must work on an air-gapped host.
 */

type JsonObject = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );

const asObject = (value: unknown): JsonObject => (value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {});

function describeSchema(schema: JsonObject): string {
  if (typeof schema['$ref'] === 'string') return schema['$ref'].split('/').pop() ?? '';
  if (Array.isArray(schema['enum'])) return schema['enum'].map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(schema['anyOf'])) return schema['anyOf'].map((item) => describeSchema(asObject(item))).join(' | ');
  const type = schema['type'];
  if (type === 'array') return `array of ${describeSchema(asObject(schema['items']))}`;
  return Array.isArray(type) ? type.join(' | ') : String(type ?? 'any');
}

function propertiesTable(schema: JsonObject): string {
  const properties = asObject(schema['properties']);
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  const rows = Object.entries(properties).map(([name, value]) => {
    const property = asObject(value);
    const defaultValue = property['default'] === undefined ? '' : ` (default ${escapeHtml(JSON.stringify(property['default']))})`;
    return `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <b>required</b>' : ''}</td><td>${escapeHtml(describeSchema(property))}${defaultValue}</td><td>${escapeHtml(String(property['description'] ?? ''))}</td></tr>`;
  });
  return rows.length ? `<table><tr><th>field</th><th>type</th><th>description</th></tr>${rows.join('')}</table>` : '';
}

export function renderDocsPage(document: JsonObject): string {
  const info = asObject(document['info']);
  const sections: string[] = [];
  for (const [path, value] of Object.entries(asObject(document['paths']))) {
    for (const [method, operationValue] of Object.entries(asObject(value))) {
      const operation = asObject(operationValue);
      const parameters = Array.isArray(operation['parameters']) ? (operation['parameters'] as JsonObject[]) : [];
      const parameterRows = parameters
        .map(
          (parameter) =>
            `<tr><td><code>${escapeHtml(String(parameter['name']))}</code> (${escapeHtml(String(parameter['in']))})</td><td>${escapeHtml(describeSchema(asObject(parameter['schema'])))}</td><td>${escapeHtml(String(parameter['description'] ?? ''))}</td></tr>`,
        )
        .join('');
      const content = asObject(asObject(operation['requestBody'])['content']);
      const bodies = Object.entries(content)
        .map(([type, media]) => `<h4>Body: <code>${escapeHtml(type)}</code></h4>${propertiesTable(asObject(asObject(media)['schema']))}`)
        .join('');
      const responses = Object.entries(asObject(operation['responses']))
        .map(
          ([status, response]) =>
            `<li><code>${escapeHtml(status)}</code> ${escapeHtml(String(asObject(response)['description'] ?? ''))}</li>`,
        )
        .join('');
      const secured = Array.isArray(operation['security']) ? ' <span class="lock">Bearer key</span>' : '';
      sections.push(`<section id="${escapeHtml(`${method}-${path}`)}"><h3><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${secured}</h3>
<p>${escapeHtml(String(operation['summary'] ?? ''))}</p>${operation['description'] ? `<p>${escapeHtml(String(operation['description']))}</p>` : ''}
${parameterRows ? `<h4>Parameters</h4><table><tr><th>name</th><th>type</th><th>description</th></tr>${parameterRows}</table>` : ''}${bodies}
<h4>Responses</h4><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(info['title'] ?? 'API'))}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2433}
code{font:13px ui-monospace,monospace;background:#f2f4f8;padding:1px 4px;border-radius:3px}table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #d8dde6;padding:4px 8px;text-align:left;vertical-align:top}section{border-top:1px solid #d8dde6;padding:.5rem 0}
.method{display:inline-block;min-width:3.5rem;color:#fff;background:#3451b2;border-radius:3px;padding:0 6px;font-size:13px}.lock{font-size:12px;color:#8a5a00}</style></head>
<body><h1>${escapeHtml(String(info['title'] ?? 'API'))}</h1><p>${escapeHtml(String(info['description'] ?? ''))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(String(document['openapi']))}).</p>
${sections.join('\n')}</body></html>`;
}
