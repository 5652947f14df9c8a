// A small typed builder for Asterisk's ini-style files. Values are checked once more here:
// the model schemas already refuse these characters, and this is the last line of defence
// against a value that would end a line, open a section or start a comment.
export class RenderError extends Error {
  readonly owner: string;
  constructor(message: string, owner: string) {
    super(`${owner}: ${message}`);
    this.owner = owner;
  }
}

export type IniValue = string | number | boolean;
export type IniEntry = readonly [key: string, value: IniValue | readonly IniValue[] | undefined];

export interface IniSection {
  name: string;
  /** Who the section belongs to, for error messages (e.g. "extension 201"). */
  owner: string;
  comment?: string;
  entries: readonly IniEntry[];
  /** See ExpectedObject.optional: why Asterisk may lack this object without the apply failing. */
  optional?: string;
}

const UNSAFE = /[\r\n\u0000;\[\]]/;

function value(v: IniValue, owner: string, key: string): string {
  const s = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  if (UNSAFE.test(s)) throw new RenderError(`value of ${key} contains a character Asterisk files cannot hold`, owner);
  return s;
}

/** Like value() but for the one place quotes and brackets are legitimate: callerid="Name" <num>. */
export function callerId(name: string, number: string): string {
  return `"${name.replace(/["\\]/g, '')}" <${number}>`;
}

export function renderIni(header: string, sections: readonly IniSection[], options: { raw?: string } = {}): string {
  const out: string[] = [];
  for (const line of header.split('\n')) out.push(`; ${line}`.trimEnd());
  if (options.raw) out.push('', options.raw.trimEnd());
  for (const s of sections) {
    if (!/^[A-Za-z0-9._+-]+$/.test(s.name)) throw new RenderError(`section name "${s.name}" is not allowed`, s.owner);
    out.push('');
    if (s.comment) out.push(`; ${s.comment.replace(/[\r\n]/g, ' ')}`);
    out.push(`[${s.name}]`);
    for (const [k, v] of s.entries) {
      if (v === undefined) continue;
      const values = Array.isArray(v) ? v : [v as IniValue];
      for (const one of values) {
        const text = k === 'callerid' ? String(one) : value(one, s.owner, k);
        if (/[\r\n]/.test(text)) throw new RenderError(`value of ${k} spans lines`, s.owner);
        out.push(`${k}=${text}`);
      }
    }
  }
  return out.join('\n') + '\n';
}
