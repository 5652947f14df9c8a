// The OpenAPI 3.1 document, generated from the route registry: the same zod schemas that
// validate requests and (in tests) responses. 3.1 schemas are JSON Schema 2020-12, which is
// what zod emits.
import { z } from 'zod';
import { errorSchema, type RouteDef, type RouteRegistry } from './registry.ts';

function schema(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function access(def: RouteDef): string {
  const a = def.access;
  if ('public' in a) return 'No authentication.';
  if ('self' in a) return 'Any authenticated caller, also before the first password change.';
  if ('authenticated' in a) return 'Any authenticated caller.';
  return `Needs **${a.level}** on section **${a.section}**.`;
}

export function openApiDocument(registry: RouteRegistry, info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of registry.routes) {
    const path = def.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const m of def.path.matchAll(/:([A-Za-z_]+)/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
    if (def.query) {
      const q = schema(def.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema: s });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, s] of Object.entries(def.responses)) {
      const description = Number(status) < 300 ? 'success' : Number(status) === 503 ? 'a part the request needs is down' : 'error';
      if (typeof s === 'string') responses[status] = s === 'none' ? { description } : { description, content: { [s]: {} } };
      else responses[status] = { description, content: { 'application/json': { schema: schema(s, 'output') } } };
    }
    const err = { content: { 'application/json': { schema: schema(errorSchema, 'output') } } };
    if (['post', 'put', 'patch'].includes(def.method)) {
      responses['400'] ??= { description: 'the body is not valid JSON or not valid for this route', ...err };
      responses['413'] ??= { description: 'the body is too large', ...err };
    }
    if (def.params || def.query) responses['400'] ??= { description: 'invalid path or query parameters', ...err };
    if (!('public' in def.access)) {
      responses['401'] ??= { description: 'not authenticated', ...err };
      responses['403'] ??= { description: 'no permission, or the password must be changed first', ...err };
    }
    const op: Record<string, unknown> = {
      operationId: `${def.method}${def.path.replace(/[/:-]+([a-z])?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: def.summary,
      description: access(def),
      tags: [def.tag],
      parameters,
      responses,
      ...('public' in def.access ? { security: [] } : {}),
    };
    if (def.bodyType) {
      op.requestBody = { required: true, content: { [def.bodyType]: {}, 'application/json': {} } };
    } else if (def.body ?? def.docBody) {
      op.requestBody = { required: true, content: { 'application/json': { schema: schema((def.body ?? def.docBody)!, 'input') } } };
    }
    (paths[path] ??= {})[def.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'PBX appliance API',
      version: info.version,
      description:
        'Management and call-control API of the PBX appliance. Errors have one shape: `{ error: { code, message, fields: [{ path, message }] } }`. ' +
        'Authenticate with a session (POST /auth/login; writes echo the CSRF token in X-CSRF-Token) or an API token (`Authorization: Bearer pbx_...`).',
    },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer', description: 'API token created by an admin (POST /tokens), shown once' },
        session: { type: 'apiKey', in: 'cookie', name: 'pbx_session' },
      },
    },
    security: [{ token: [] }, { session: [] }],
    paths,
  };
}

/** A small self-contained page that renders the document (no CDN: the box may be offline). */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PBX API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 2rem;color:#1d2430}
h1{margin-bottom:0}h2{border-bottom:1px solid #ccd;margin-top:2rem;text-transform:capitalize}
.op{border:1px solid #dde;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.5em;font-weight:700;text-transform:uppercase}
.get{color:#1565c0}.post{color:#2e7d32}.put,.patch{color:#ef6c00}.delete{color:#c62828}
code{background:#f3f4f8;padding:0 .25em;border-radius:3px}details pre{background:#f7f7fa;padding:.6rem;overflow:auto;max-height:24rem}
</style></head><body>
<h1>PBX appliance API</h1><p id="intro"></p><div id="ops">Loading…</div>
<script>
fetch('openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('intro').textContent=doc.info.description;
  const byTag={};
  for(const [p,ops] of Object.entries(doc.paths))for(const [m,op] of Object.entries(ops))(byTag[op.tags[0]]??=[]).push({p,m,op});
  const root=document.getElementById('ops');root.textContent='';
  for(const [tag,list] of Object.entries(byTag)){
    const h=document.createElement('h2');h.textContent=tag;root.append(h);
    for(const {p,m,op} of list){
      const d=document.createElement('div');d.className='op';
      const head=document.createElement('div');
      const s=document.createElement('span');s.className='m '+m;s.textContent=m;
      const c=document.createElement('code');c.textContent='/api/v1'+p;
      head.append(s,c,document.createTextNode(' — '+op.summary));d.append(head);
      const a=document.createElement('div');a.textContent=op.description;d.append(a);
      const det=document.createElement('details');const sum=document.createElement('summary');sum.textContent='schemas';
      const pre=document.createElement('pre');pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);
      det.append(sum,pre);d.append(det);root.append(d);
    }
  }
});
</script></body></html>
`;
