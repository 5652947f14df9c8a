// The object schemas come from the box's own OpenAPI document: the same zod schema validates in
// the API and drives the forms here, so a field added on the server shows up in the GUI.
import { api } from './api.ts';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
  'x-ref'?: string;
  [k: string]: unknown;
}

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }>>;
}

let doc: Promise<OpenApi> | null = null;
export function openApi(): Promise<OpenApi> {
  doc ??= api.get<OpenApi>('/openapi.json').catch((e) => {
    doc = null;
    throw e;
  });
  return doc;
}

/** The JSON schema of a request body, e.g. requestSchema('/extensions', 'post'). */
export async function requestSchema(path: string, method: string): Promise<JsonSchema | undefined> {
  const d = await openApi();
  return d.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema;
}

export function typeOf(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

/** The alternatives of a union (anyOf/oneOf), or undefined. */
export function variants(s: JsonSchema): JsonSchema[] | undefined {
  return s.anyOf ?? s.oneOf;
}

/** The distinguishing key of an alternative object of a union: its first required property. */
export function variantKey(s: JsonSchema): string {
  return s.required?.[0] ?? Object.keys(s.properties ?? {})[0] ?? '?';
}

/** An empty value of the schema's shape (defaults applied, optional fields left out). */
export function emptyValue(s: JsonSchema): unknown {
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  const v = variants(s);
  if (v) return emptyValue(v[0]!);
  switch (typeOf(s)) {
    case 'object': {
      // Required fields, and optional ones the server defaults (so the form shows what will be
      // saved: a webhook enabled, a trunk's codecs ticked).
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) || p.default !== undefined) out[k] = emptyValue(p);
      }
      return out;
    }
    case 'array':
      return [];
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return undefined;
    default:
      if (s.enum?.length) return s.enum[0];
      if (s.const !== undefined) return s.const;
      return '';
  }
}

/** Which alternative of a union a value is (by its key), default the first. */
export function variantIndex(s: JsonSchema[], value: unknown): number {
  if (value && typeof value === 'object') {
    const i = s.findIndex((v) => variantKey(v) in (value as object));
    if (i >= 0) return i;
  }
  return 0;
}

/**
 * How a string field is best typed, recognised by what its pattern accepts (the model has no
 * formats for these): calendar dates get the browser's date picker; times of day a hint.
 */
export function stringKind(s: JsonSchema): 'date' | 'time' | undefined {
  if (!s.pattern) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(s.pattern);
  } catch {
    return undefined;
  }
  if (re.test('2026-12-25') && !re.test('x') && !re.test('08:30')) return 'date';
  if (re.test('08:30') && re.test('23:59') && !re.test('x') && !re.test('2026-12-25')) return 'time';
  return undefined;
}
