// Renders the files phones fetch: one phone's files, and the common files every phone of a
// model may ask for. Pure: the same model and request facts always give the same bytes, so
// the GUI's preview is exactly what the phone receives.
import { macForms } from '../domain/phones.ts';
import type { PbxConfig, Phone } from '../domain/model.ts';
import { chooseTemplates, commonContext, phoneContext, type ServerInfo } from './context.ts';
import { renderTemplate } from './template-engine.ts';
import type { VendorProfile } from './vendor.ts';

export interface RenderedFile {
  /** File id of the vendor profile. */
  file: string;
  /** The name the phone asks for. */
  name: string;
  contentType: string;
  body: string;
  /** The admin template used, if any. */
  template?: string;
}

/** The files one phone gets: id, the name it asks for, what it is for. */
export function phoneFileList(profile: VendorProfile, phone: Phone): { file: string; name: string; description: string }[] {
  const mac = macForms(phone.mac);
  return profile.files.map((f) => ({ file: f.id, name: f.name(mac, phone.model), description: f.description }));
}

/** One file of a phone; undefined when the vendor has no such file. */
export function renderPhoneFile(config: PbxConfig, profile: VendorProfile, phone: Phone, fileId: string, server: ServerInfo): RenderedFile | undefined {
  const spec = profile.files.find((f) => f.id === fileId);
  if (!spec) return undefined;
  const chosen = chooseTemplates(config, profile, phone.model, phone.template);
  // An admin's override of the file id wins over the model's built-in variant.
  const override = chosen.name !== undefined && chosen.files[spec.id] !== profile.templates[spec.id];
  const template = override ? chosen.files[spec.id] : chosen.files[spec.template?.(phone.model) ?? spec.id];
  if (template === undefined) return undefined;
  const ctx = phoneContext(config, phone, profile, server, chosen, { directory: spec.directory === true });
  const body = renderTemplate(template, { ...ctx, ...profile.view(ctx) }, spec.format);
  return { file: spec.id, name: spec.name(ctx.mac, phone.model), contentType: spec.contentType, body, ...(chosen.name ? { template: chosen.name } : {}) };
}

/** A common file (no phone's data); `name`: as requested. */
export function renderCommonFile(config: PbxConfig, profile: VendorProfile, fileId: string, name: string, server: ServerInfo, model?: string): RenderedFile | undefined {
  const spec = profile.commonFiles.find((f) => f.id === fileId);
  if (!spec) return undefined;
  const chosen = chooseTemplates(config, profile, model);
  const template = chosen.files[spec.id];
  if (template === undefined) return undefined;
  const ctx = commonContext(config, server, chosen, model);
  const body = renderTemplate(template, { ...ctx, ...profile.commonView(ctx) }, spec.format);
  return { file: spec.id, name, contentType: spec.contentType, body, ...(chosen.name ? { template: chosen.name } : {}) };
}
