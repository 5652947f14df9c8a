// /api/v1 routes of phone provisioning: the settings, what installers need (option 66), the
// vendors and their templates, a preview of every file a phone gets (byte for byte what it
// is served), resync and reboot through SIP NOTIFY, the request log, phones seen but not
// configured, and the phones as CSV/XLSX (export, all-or-nothing import). The phones and
// phone templates themselves are ordinary collections (/phones, /phone-templates in v1.ts).
// The serving side and the notifier live in src/provisioning/; main.ts passes them in as
// ProvisioningApi.
import { isIP, type Socket } from 'node:net';
import { z } from 'zod';
import { allows } from '../domain/auth.ts';
import { ConflictError, NotFoundError, PbxError, UnavailableError, ValidationError, type FieldError } from '../domain/errors.ts';
import { hostName, provisioningSettingsSchema, type Phone } from '../domain/model.ts';
import { PHONE_COLUMNS, csvCellValue, csvSafeCell, phoneFieldColumn, phonesToRows, rowsToPhones, type PhoneRowError } from '../domain/phone-rows.ts';
import { NOTIFY_ACTIONS, VENDORS, normalizeMac, type NotifyAction } from '../domain/phones.ts';
import {
  discoveredPhoneSchema,
  notifyRequestSchema,
  notifyResultSchema,
  provisioningInfoSchema,
  provisioningRequestQuerySchema,
  provisioningRequestSchema,
  type DiscoveredPhone,
  type NotifyRequest,
  type NotifyResult,
  type ProvisioningInfo,
  type ProvisioningRequest,
  type ProvisioningRequestQuery,
} from '../domain/provisioning.ts';
import { formatCsv, parseCsv } from '../lib/csv.ts';
import { XLSX_CONTENT_TYPE, XlsxError, looksLikeXlsx, readXlsxRows, writeXlsx } from '../lib/xlsx.ts';
import type { Actor, ConfigService } from '../services/config-service.ts';
import type { ResourceService } from '../services/resource-service.ts';
import type { SettingsService } from '../services/settings-service.ts';
import { RouteRegistry, errorSchema } from './registry.ts';

/** What the vendors offer, for the GUI's forms and admins writing templates (GET /provisioning/vendors). */
export const vendorInfoSchema = z
  .object({
    vendor: z.enum(VENDORS),
    label: z.string(),
    models: z.array(
      z
        .object({
          name: z.string(),
          keys: z.number().int().describe('Programmable keys on the phone itself'),
          accounts: z.number().int().describe('SIP accounts it registers'),
          builtIn: z.boolean().describe('false: named only by an admin template (gets the generic files)'),
        })
        .strict(),
    ),
    files: z.array(z.object({ id: z.string(), description: z.string(), format: z.enum(['xml', 'text']) }).strict()).describe('The files each phone gets; the id names them in templates'),
    commonFiles: z.array(z.object({ id: z.string(), example: z.string(), description: z.string() }).strict()).describe('Files with no phone data (bootstrap files)'),
    templates: z.record(z.string(), z.string()).describe('Built-in template text by file id: the start of an admin template'),
    notify: z.object({ resync: z.string(), reboot: z.string() }).strict().describe('The SIP NOTIFY Event each action sends'),
  })
  .strict();
export type VendorInfo = z.infer<typeof vendorInfoSchema>;

/** How a preview sees the box: as a phone reaching it at this address, over this scheme and port. */
export interface PreviewServer {
  address: string;
  scheme: 'http' | 'https';
  httpPort: number;
}

/** Provisioning at run time as the API sees it (src/provisioning/, wired in main.ts). */
export interface ProvisioningApi {
  /** The files of a phone; with `file` (id or name) that one rendered. NotFoundError for an unknown phone or file. */
  preview(
    mac: string,
    file: string | undefined,
    server: PreviewServer,
  ): {
    files: { file: string; name: string; description: string; url: string }[];
    file?: { file: string; name: string; contentType: string; body: string; template?: string };
  };
  /** `address`: the box's address the caller reached it at (the settings' address wins). */
  info(address: string): ProvisioningInfo;
  requests(q: ProvisioningRequestQuery): { items: ProvisioningRequest[] };
  discovered(): DiscoveredPhone[];
  /** false (or NotFoundError) when the MAC was not listed. */
  forgetDiscovered(mac: string): boolean | void;
  notify(req: NotifyRequest): Promise<NotifyResult[]>;
  vendors(): VendorInfo[];
}

/** Media types an import is taken as (browsers send .csv files as any of the text ones). */
export const PHONE_IMPORT_TYPES = ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel', XLSX_CONTENT_TYPE, 'application/octet-stream'];
export const PHONE_IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/** The model holds at most this many phones. */
const IMPORT_MAX_ROWS = 10_000;

/** The compact syntax of the lines and keys cells (src/domain/phone-rows.ts), for the document. */
const ROW_SYNTAX =
  'lines: the accounts separated by |, account=Label for a label (201|202=Reception); ' +
  'keys: separated by |, each blf:<extension>, park:<slot>, switch:<name>, dnd, speed:<number>=<label> or line:<n>, with @<n> for the line it uses and =Label for a label (blf:202@2=Anna|dnd); a | inside a label is written \\|';
const TAG = 'provisioning';
const READ = { section: 'provisioning', level: 'read' } as const;
const WRITE = { section: 'provisioning', level: 'write' } as const;

const macParam = z.string().min(1).max(32);
const applyResultSchema = z.object({ ok: z.boolean(), changed: z.boolean() }).loose();
const settingsWriteSchema = z.object({ item: provisioningSettingsSchema, revision: z.number().int(), apply: applyResultSchema.optional() }).strict();
const filesSchema = z
  .object({
    mac: z.string(),
    files: z.array(z.object({ file: z.string().describe('File id'), name: z.string().describe('The name the phone asks for'), description: z.string(), url: z.string() }).strict()),
  })
  .strict();
const resultsSchema = z.object({ results: z.array(notifyResultSchema) }).strict();
const importResultSchema = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int().describe('Rows that named a phone exactly as it was'),
    revision: z.number().int(),
    apply: applyResultSchema.optional(),
  })
  .strict();
const addressQuery = z
  .object({
    address: z
      .string()
      .max(253)
      .refine((s) => isIP(s) !== 0 || hostName.safeParse(s).success, 'an IP address or host name')
      .describe("Preview as seen by a phone reaching the box at this address (default: the address this request reached); the settings' address wins")
      .optional(),
  })
  .strict();

/** The box's address this request reached (192.0.2.10 rather than ::ffff:192.0.2.10). */
function localAddress(socket: Socket): string {
  const a = socket.localAddress ?? '127.0.0.1';
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a;
}

function canonicalMac(mac: string): string {
  const m = normalizeMac(mac);
  if (!m) throw new ValidationError('not a MAC address', [{ path: ['mac'], message: 'a MAC address such as 00:15:65:aa:bb:cc' }]);
  return m;
}

/** Row errors as API field errors: path line[n].<column>, sorted by line. */
function lineErrors(errors: readonly PhoneRowError[]): FieldError[] {
  return [...errors].sort((a, b) => a.line - b.line).map((e) => ({ path: ['line', e.line, e.field], line: e.line, message: e.message }));
}

export function importRefused(fields: FieldError[]): ValidationError {
  const lines = [...new Set(fields.flatMap((f) => (f.line !== undefined ? [f.line] : [])))];
  const where = lines.length ? ` (line${lines.length > 1 ? 's' : ''} ${lines.slice(0, 20).join(', ')}${lines.length > 20 ? ', ...' : ''})` : '';
  return new ValidationError(`${lines.length || fields.length} row${lines.length === 1 ? '' : 's'} of the file ${lines.length === 1 ? 'is' : 'are'} invalid${where}; nothing was imported`, fields);
}

/** Header, rows and the file line of each row, from a CSV or XLSX upload (`what` names the rows in errors). */
export async function readTable(body: Buffer, what = 'phones'): Promise<{ header: string[]; rows: string[][]; lines: number[] }> {
  if (looksLikeXlsx(body)) {
    let sheet: string[][];
    try {
      sheet = await readXlsxRows(body, { maxRows: IMPORT_MAX_ROWS + 1 });
    } catch (err) {
      if (err instanceof XlsxError) throw new ValidationError(err.message, [{ path: ['file'], message: err.message }]);
      throw err;
    }
    const first = sheet.findIndex((r) => r.some((c) => c.trim() !== ''));
    if (first < 0) return { header: [], rows: [], lines: [] };
    // Sheet rows keep their numbers: row n of the sheet is line n.
    return { header: sheet[first]!, rows: sheet.slice(first + 1), lines: sheet.slice(first + 1).map((_, i) => first + i + 2) };
  }
  const text = body.toString('utf8');
  if (text.includes('\uFFFD')) throw new ValidationError('the file is neither UTF-8 CSV nor .xlsx', [{ path: ['file'], message: 'save it as CSV UTF-8 or as .xlsx' }]);
  // The header and one row past the limit are parsed, so an overlong file is named as such.
  const csv = parseCsv(text, { maxRecords: IMPORT_MAX_ROWS + 2 });
  if (csv.errors.length) throw importRefused(csv.errors.map((e) => ({ path: ['line', e.line, 'file'], line: e.line, message: e.message })));
  if (csv.truncated || csv.records.length > IMPORT_MAX_ROWS + 1) throw new ValidationError(`at most ${IMPORT_MAX_ROWS} ${what}`, [{ path: ['file'], message: `at most ${IMPORT_MAX_ROWS} rows` }]);
  const [head, ...rest] = csv.records;
  return {
    header: head ? head.fields.map(csvCellValue) : [],
    rows: rest.map((r) => r.fields.map(csvCellValue)),
    lines: rest.map((r) => r.line),
  };
}

export function addProvisioningRoutes(
  r: RouteRegistry,
  deps: {
    config: ConfigService;
    resources: ResourceService;
    provisioning?: ProvisioningApi | undefined;
    settings?: SettingsService<'provisioning'> | undefined;
    httpPort?: (() => number) | undefined;
  },
): void {
  const { config, resources } = deps;
  const phones = resources.collection('phones');
  const provisioning = () => {
    if (!deps.provisioning) throw new UnavailableError('phone provisioning is not available');
    return deps.provisioning;
  };
  const settings = () => {
    if (!deps.settings) throw new UnavailableError('the provisioning settings are not available');
    return deps.settings;
  };
  /** A configured phone by MAC in any notation (404 otherwise). */
  const phoneOf = (mac: string): Phone => resources.get(phones, canonicalMac(mac)) as Phone;

  // ---- settings, installer info, vendors --------------------------------------------------
  r.add({
    method: 'get',
    path: '/provisioning/settings',
    tag: TAG,
    summary: 'How the box provisions phones: the address written into them, SIP transport, resync interval, LDAP directory and XML phonebook',
    access: READ,
    responses: { 200: provisioningSettingsSchema, 503: errorSchema },
    handler: () => ({ body: settings().get() }),
  });
  for (const mode of ['put', 'patch'] as const) {
    r.add({
      method: mode,
      path: '/provisioning/settings',
      tag: TAG,
      summary: mode === 'put' ? 'Replace the provisioning settings (absent fields get their default)' : 'Change some provisioning settings (JSON merge patch)',
      access: WRITE,
      docBody: provisioningSettingsSchema,
      responses: { 200: settingsWriteSchema, 400: errorSchema, 409: errorSchema, 503: errorSchema },
      handler: async ({ req, actor }) => ({ body: await settings().put(req.body, actor, mode) }),
    });
  }
  r.add({
    method: 'get',
    path: '/provisioning/info',
    tag: TAG,
    summary:
      'What to tell installers: the provisioning URLs (HTTP, HTTPS), the TFTP server and the DHCP option 66 value, for the address of the box this request reached (the settings\' address wins)',
    access: READ,
    responses: { 200: provisioningInfoSchema, 503: errorSchema },
    handler: ({ req }) => ({ body: provisioning().info(localAddress(req.socket)) }),
  });
  r.add({
    method: 'get',
    path: '/provisioning/vendors',
    tag: TAG,
    summary:
      'The vendors the box provisions: models (built in, and those admin templates add), the files a phone gets and their ids, common files, the built-in template texts, the NOTIFY events of resync and reboot',
    access: READ,
    responses: { 200: z.object({ items: z.array(vendorInfoSchema) }).strict(), 503: errorSchema },
    handler: () => ({ body: { items: provisioning().vendors() } }),
  });

  // ---- preview ---------------------------------------------------------------------------
  const serverOf = (req: { socket: Socket }, address: string | undefined): PreviewServer => {
    // Over TLS the preview shows what a phone fetching over HTTPS on this port gets; otherwise
    // the HTTP port phones use (also when the API is reached through another port).
    const secure = (req.socket as Socket & { encrypted?: boolean }).encrypted === true;
    return {
      address: address ?? localAddress(req.socket),
      scheme: secure ? 'https' : 'http',
      httpPort: secure ? (req.socket.localPort ?? 0) : (deps.httpPort?.() ?? req.socket.localPort ?? 0),
    };
  };
  r.add({
    method: 'get',
    path: '/phones/:mac/files',
    tag: TAG,
    summary: 'The files a phone gets: file id, the name it asks for, what it is for, its URL (?address= as seen from another address of the box). The MAC in any notation',
    access: READ,
    params: z.object({ mac: macParam }).strict(),
    query: addressQuery,
    responses: { 200: filesSchema, 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ req, params, query }) => {
      const phone = phoneOf(params.mac);
      const out = provisioning().preview(phone.mac, undefined, serverOf(req, query.address));
      return { body: { mac: phone.mac, files: out.files } };
    },
  });
  r.add({
    method: 'get',
    path: '/phones/:mac/files/:file',
    tag: TAG,
    summary:
      'One file of a phone (by file id or name) exactly as the phone is served it, with its content type; X-Provisioning-Template names the admin template used. ' +
      'Holds the phone\'s SIP and admin passwords: needs write on provisioning. ?address= previews it as seen from another address of the box',
    access: WRITE,
    params: z.object({ mac: macParam, file: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a file id or name') }).strict(),
    query: addressQuery,
    responses: { 200: 'text/plain', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ req, res, params, query }) => {
      const phone = phoneOf(params.mac);
      const out = provisioning().preview(phone.mac, params.file, serverOf(req, query.address));
      if (!out.file) throw new NotFoundError(`phone ${phone.mac} has no file ${params.file}`);
      const f = out.file;
      res.status(200);
      res.setHeader('Content-Type', f.contentType);
      res.setHeader('Content-Disposition', `inline; filename="${f.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
      // An admin template may produce any markup: never run it in the GUI's origin.
      res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
      res.setHeader('X-Provisioning-File', f.file);
      if (f.template !== undefined) res.setHeader('X-Provisioning-Template', f.template);
      res.end(f.body);
      return { raw: true };
    },
  });

  // ---- resync and reboot -------------------------------------------------------------------
  const audited = async (actor: Actor, req: NotifyRequest, target: string): Promise<NotifyResult[]> => {
    const results = await provisioning().notify(req);
    const ok = results.filter((x) => x.ok).length;
    config.record(actor, `provisioning.${req.action}`, { type: 'phone', key: target }, `${req.action} sent to ${ok} of ${results.length} phone${results.length === 1 ? '' : 's'}`);
    return results;
  };
  for (const action of NOTIFY_ACTIONS) {
    r.add({
      method: 'post',
      path: `/phones/:mac/${action}`,
      tag: TAG,
      summary:
        action === 'resync'
          ? 'Tell a phone to fetch its files again now (SIP NOTIFY to its first line\'s account); the result says whether it was sent (not registered: ok false)'
          : 'Tell a phone to restart (SIP NOTIFY to its first line\'s account); the result says whether it was sent (not registered: ok false)',
      access: WRITE,
      params: z.object({ mac: macParam }).strict(),
      responses: { 200: resultsSchema, 400: errorSchema, 404: errorSchema, 503: errorSchema },
      handler: async ({ params, actor }) => {
        const phone = phoneOf(params.mac);
        return { body: { results: await audited(actor, { action: action as NotifyAction, mac: phone.mac }, phone.mac) } };
      },
    });
  }
  r.add({
    method: 'post',
    path: '/provisioning/notify',
    tag: TAG,
    summary:
      'Resync or reboot phones through SIP NOTIFY: one MAC, a vendor (and model), or all: true. One result per phone (an unregistered one: ok false, error "not registered"); one failing never stops the others',
    access: WRITE,
    body: notifyRequestSchema,
    responses: { 200: resultsSchema, 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ body, actor }) => {
      const target = body.mac !== undefined ? canonicalMac(body.mac) : body.all ? '*' : [body.vendor, body.model].filter(Boolean).join(' ');
      return { body: { results: await audited(actor, body.mac !== undefined ? { ...body, mac: target } : body, target) } };
    },
  });

  // ---- request log and discovered phones ---------------------------------------------------
  r.add({
    method: 'get',
    path: '/provisioning/requests',
    tag: TAG,
    summary: 'The provisioning request log, newest first: every file asked for (HTTP, HTTPS, TFTP), by whom, what was answered and why; filters mac, source, result, protocol, from/to; ?before= pages back',
    access: READ,
    query: provisioningRequestQuerySchema,
    responses: { 200: z.object({ items: z.array(provisioningRequestSchema) }).strict(), 400: errorSchema, 503: errorSchema },
    handler: ({ query }) => ({ body: { items: provisioning().requests(query).items } }),
  });
  r.add({
    method: 'get',
    path: '/provisioning/discovered',
    tag: TAG,
    summary: 'Phones that asked for files but are not configured (vendor and model when their request told), most recently seen first: adopt one by creating a phone with its MAC',
    access: READ,
    responses: { 200: z.object({ items: z.array(discoveredPhoneSchema) }).strict(), 503: errorSchema },
    handler: () => ({ body: { items: provisioning().discovered() } }),
  });
  r.add({
    method: 'delete',
    path: '/provisioning/discovered/:mac',
    tag: TAG,
    summary: 'Forget a discovered phone (it is listed again if it asks again)',
    access: WRITE,
    params: z.object({ mac: macParam }).strict(),
    responses: { 204: 'none', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params, actor }) => {
      const mac = canonicalMac(params.mac);
      if (provisioning().forgetDiscovered(mac) === false) throw new NotFoundError(`phone ${mac} is not among the discovered phones`);
      config.record(actor, 'provisioning.discovered.forget', { type: 'phone', key: mac }, `discovered phone ${mac} forgotten`);
      return { status: 204 };
    },
  });

  // ---- CSV / XLSX ------------------------------------------------------------------------
  r.add({
    method: 'get',
    path: '/phones/export',
    tag: TAG,
    summary:
      `All phones as a spreadsheet, one row per phone: ?format=csv (default; UTF-8) or xlsx. Columns ${PHONE_COLUMNS.join(', ')}; ${ROW_SYNTAX}. ` +
      'The passwords only for callers with write on provisioning (empty otherwise). The file imports back unchanged (POST /phones/import); audited',
    access: READ,
    query: z.object({ format: z.enum(['csv', 'xlsx']).default('csv') }).strict(),
    responses: { 200: 'text/csv', 400: errorSchema },
    handler: async ({ res, query, principal, actor }) => {
      const list = phones.get(config.get()) as Phone[];
      const secrets = !!principal && allows(principal.permissions, 'provisioning', 'write');
      const rows = phonesToRows(list, { secrets });
      let data: Buffer;
      if (query.format === 'xlsx') {
        data = await writeXlsx(PHONE_COLUMNS, rows, 'Phones');
        res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
      } else {
        // The byte order mark makes spreadsheets read the file as UTF-8.
        data = Buffer.from('\uFEFF' + formatCsv([[...PHONE_COLUMNS], ...rows.map((row) => row.map(csvSafeCell))]), 'utf8');
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      }
      config.record(actor, 'phones.export', { type: 'phone', key: '*' }, `${list.length} phones exported as ${query.format.toUpperCase()}${secrets ? ' with their passwords' : ''}`);
      res.status(200);
      res.setHeader('Content-Disposition', `attachment; filename="phones.${query.format}"`);
      res.setHeader('Content-Length', String(data.length));
      res.end(data);
      return { raw: true };
    },
  });
  r.add({
    method: 'post',
    path: '/phones/import',
    tag: TAG,
    summary:
      `Create and replace phones from a spreadsheet: the raw body a CSV file (text/csv, UTF-8, , or ; separated) or an .xlsx file (${XLSX_CONTENT_TYPE}), at most 5 MB and ${IMPORT_MAX_ROWS} rows; ` +
      `the header row names the columns (${PHONE_COLUMNS.join(', ')}; mac, vendor, model and lines required; ${ROW_SYNTAX}). A row whose MAC exists replaces that phone (keeping its admin password when the cell is empty, and its custom placeholders), the others are created. ` +
      'All or nothing: any bad row refuses the whole file (400, one error per bad row and column: path line[<n>].<column>)',
    access: WRITE,
    bodyType: 'text/csv',
    responses: { 200: importResultSchema, 400: errorSchema, 413: errorSchema, 415: errorSchema, 503: errorSchema },
    handler: async ({ req, actor }) => {
      if (!Buffer.isBuffer(req.body))
        throw new PbxError('unsupported_media_type', `send the phones as CSV (Content-Type text/csv) or as .xlsx (Content-Type ${XLSX_CONTENT_TYPE})`);
      if (req.body.length > PHONE_IMPORT_MAX_BYTES) throw new PbxError('payload_too_large', 'the file is larger than 5 MB', [{ path: ['file'], message: 'larger than 5 MB' }]);
      const table = await readTable(req.body);
      if (table.header.length === 0) throw new ValidationError('the file is empty', [{ path: ['file'], message: 'a header row and one row per phone' }]);
      const { items, lines, errors } = rowsToPhones(table.header, table.rows, table.lines);
      if (errors.length) throw importRefused(lineErrors(errors));
      if (items.length === 0) throw new ValidationError('the file has no phones', [{ path: ['file'], message: 'a header row and one row per phone' }]);
      // The file has no column for custom placeholders: a replaced phone keeps its own.
      const stored = new Map((phones.get(config.get()) as Phone[]).map((p) => [p.mac, p]));
      for (const item of items as Record<string, unknown>[]) {
        const before = stored.get(normalizeMac(String(item.mac)) ?? '');
        if (before && item.vars === undefined && Object.keys(before.vars).length) item.vars = before.vars;
      }
      try {
        return { body: await resources.upsertMany(phones, items, actor) };
      } catch (err) {
        if (!(err instanceof ValidationError || err instanceof ConflictError)) throw err;
        // items[i].<field> → the row's line and column; anything else stays as the model said it.
        const fields = err.fields.map((f): FieldError => {
          const [head, i, ...rest] = f.path;
          const line = head === 'items' && typeof i === 'number' ? lines[i] : undefined;
          if (line === undefined) return f;
          const { field, message } = phoneFieldColumn(rest, f.message);
          return { path: ['line', line, field], line, message };
        });
        throw importRefused(fields.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
      }
    },
  });
}
