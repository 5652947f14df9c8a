// A typed dialplan builder: contexts of `exten => pattern,priority,App(args)` lines. Generated
// dialplan stays thin: each line hands over to a hand-written subroutine of pbx-lib.conf.
import { RenderError } from './ini.ts';
import { isExactNumber } from '../domain/model.ts';

export interface DialplanContext {
  name: string;
  comment?: string;
  includes: string[];
  lines: string[];
}

const ARG_SAFE = /^[A-Za-z0-9_.+*#&/:@=-]*$/;
/** The only expressions a generated argument may hold: they cannot produce a comma. */
const TRUSTED_EXPRESSIONS = new Set(['${FILTER(0-9*#+,${EXTEN})}', '${LEN(${EXTEN})}', '${FILTER(0-9,${EXTEN})}']);

export function checkArgs(args: readonly (string | number)[], owner: string): void {
  for (const a of args) {
    if (!TRUSTED_EXPRESSIONS.has(String(a)) && !ARG_SAFE.test(String(a))) throw new RenderError(`dialplan argument "${String(a)}" is not allowed`, owner);
  }
}

export function context(name: string, comment?: string): DialplanContext {
  if (!/^[a-z0-9_-]+$/.test(name)) throw new RenderError(`context name "${name}" is not allowed`, 'dialplan');
  return comment === undefined ? { name, includes: [], lines: [] } : { name, comment, includes: [], lines: [] };
}

/** An extension matching `pattern` (exact number or Asterisk pattern without the underscore). */
export function extenName(pattern: string): string {
  return isExactNumber(pattern) ? pattern : `_${pattern}`;
}

/** Gosub into a library routine; the arguments are model values already restricted by the schemas. */
export function gosub(ctx: DialplanContext, exten: string, routine: string, args: readonly (string | number)[], owner: string): void {
  checkArgs(args, owner);
  ctx.lines.push(`exten => ${exten},1,Gosub(${routine},s,1(${args.join(',')}))`);
  ctx.lines.push(' same => n,Hangup()');
}

/** An object's entry (s,1, entered by Gosub): hands over to a library routine, then returns. */
export function objectEntry(ctx: DialplanContext, routine: string, args: readonly (string | number)[], owner: string): void {
  checkArgs(args, owner);
  ctx.lines.push(`exten => s,1,Gosub(${routine},s,1(${args.join(',')}))`);
  ctx.lines.push(' same => n,Return()');
}

/** A lookup table entry: Gosub to <exten>,1 returns `value`. */
export function returnValue(ctx: DialplanContext, exten: string, value: string, owner: string): void {
  checkArgs([value], owner);
  ctx.lines.push(`exten => ${exten},1,Return(${value})`);
}

/** A BLF hint: the device state phones watch on a key for `exten`. */
export function hint(ctx: DialplanContext, exten: string, devices: string, owner: string): void {
  checkArgs([devices], owner);
  if (devices) ctx.lines.push(`exten => ${exten},hint,${devices}`);
}

export function renderDialplan(header: string, preamble: string, contexts: readonly DialplanContext[]): string {
  const out: string[] = header.split('\n').map((l) => `; ${l}`.trimEnd());
  out.push('', preamble.trimEnd());
  for (const c of contexts) {
    out.push('');
    if (c.comment) out.push(`; ${c.comment}`);
    out.push(`[${c.name}]`);
    for (const inc of c.includes) out.push(`include => ${inc}`);
    out.push(...c.lines);
  }
  return out.join('\n') + '\n';
}
