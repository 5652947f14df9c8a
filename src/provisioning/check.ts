// Admin templates are checked before they are stored: each file must parse as a Mustache
// template and, rendered for a phone it applies to, give well-formed XML where the vendor
// expects XML. A broken override therefore never reaches a phone. Results are memoised by
// template text, so a change elsewhere in the model does not render every template again.
import type { FieldError } from '../domain/errors.ts';
import type { PbxConfig, Phone, PhoneTemplate } from '../domain/model.ts';
import { xmlProblem } from '../lib/xml.ts';
import { chooseTemplates, phoneContext, type ServerInfo } from './context.ts';
import { renderTemplate, templateProblem } from './template-engine.ts';
import { PROFILES } from './vendors/index.ts';

const SAMPLE_SERVER: ServerInfo = { address: '192.0.2.10', scheme: 'http', httpPort: 8080, ldapPort: 389 };
const memo = new Map<string, string | undefined>();
const MEMO_MAX = 2000;

/** A phone to render a template for: one that uses it, else a sample of its vendor and first model. */
function samplePhone(config: PbxConfig, t: PhoneTemplate): Phone {
  const user = config.phones.find((p) => p.template === t.name) ?? config.phones.find((p) => p.vendor === t.vendor && t.models.some((m) => m.toLowerCase() === p.model.toLowerCase()));
  if (user) return user;
  const account = config.extensions.find((e) => e.devices.length)?.devices[0]?.username ?? 'sample';
  return {
    mac: '0200000000aa',
    vendor: t.vendor,
    model: t.models[0] ?? 'generic',
    lines: [{ account }],
    keys: [
      { type: 'line', line: 1 },
      { type: 'speedDial', number: '100', label: 'Sample' },
    ],
    adminPassword: 'Sample-Admin-Pw7',
    vars: {},
  };
}

function problem(config: PbxConfig, t: PhoneTemplate, fileId: string, text: string): string | undefined {
  const profile = PROFILES[t.vendor];
  // A file id, or the id of a model's variant of it (Grandstream's device-v2).
  const spec =
    profile.files.find((f) => f.id === fileId) ??
    profile.commonFiles.find((f) => f.id === fileId) ??
    (fileId in profile.templates ? profile.files.find((f) => f.template && Object.keys(profile.templates).includes(fileId) && fileId.startsWith(f.id)) : undefined);
  if (!spec) return `${t.vendor} phones have no file "${fileId}" (files: ${Object.keys(profile.templates).join(', ')})`;
  const syntax = templateProblem(text);
  if (syntax) return `not a valid template: ${syntax}`;
  if (spec.format !== 'xml') return undefined;
  const phone = samplePhone(config, t);
  const chosen = chooseTemplates(config, profile, phone.model, t.name);
  const ctx = phoneContext(config, { ...phone, vendor: t.vendor }, profile, SAMPLE_SERVER, chosen, { directory: 'directory' in spec && spec.directory === true });
  let body: string;
  try {
    body = renderTemplate(text, { ...ctx, ...profile.view(ctx), ...profile.commonView(ctx) }, 'xml');
  } catch (err) {
    return `cannot be rendered: ${(err as Error).message}`;
  }
  const xml = xmlProblem(body);
  return xml ? `does not give well-formed XML (${xml})` : undefined;
}

export function templateErrors(config: PbxConfig): FieldError[] {
  const errors: FieldError[] = [];
  config.phoneTemplates.forEach((t, i) => {
    t.files.forEach((f, j) => {
      const key = `${t.vendor}\u0000${f.file}\u0000${f.template}`;
      let message = memo.get(key);
      if (!memo.has(key)) {
        message = problem(config, t, f.file, f.template);
        if (memo.size >= MEMO_MAX) memo.clear();
        memo.set(key, message);
      }
      if (message) errors.push({ path: ['phoneTemplates', i, 'files', j, 'template'], message });
    });
  });
  return errors;
}
