// What the box knows about a vendor's phones: the files they ask for, how to recognise them,
// and how the vendor-neutral phone context becomes the values its templates place. One
// profile per vendor in ./vendors/, registered in ./vendors/index.ts. Pure.
import type { Vendor } from '../domain/phones.ts';
import type { FileFormat } from './template-engine.ts';
import type { CommonContext, PhoneContext } from './context.ts';

export interface MacForms {
  /** 001565aabbcc */
  lower: string;
  /** 001565AABBCC */
  upper: string;
  /** 00:15:65:aa:bb:cc */
  colons: string;
  /** 00:15:65:AA:BB:CC */
  colonsUpper: string;
}

/** A file the box renders for one phone. */
export interface PhoneFileSpec {
  /** Identifier for templates and admin overrides: device, boot, master, phonebook... */
  id: string;
  format: FileFormat;
  contentType: string;
  /** The name the phone asks for (relative to the provisioning root; may contain /). */
  name(mac: MacForms, model: string): string;
  /** Its data comes from the company phonebook (rendered with `directory` in the context). */
  directory?: boolean;
  /** What it is for (GUI, docs). */
  description: string;
  /** The template (file id in `templates`) a model uses when it is not `id` (Grandstream's two schemas). */
  template?(model: string): string;
}

/** A file with no phone's data in it (a model's bootstrap file): the same for every phone asking. */
export interface CommonFileSpec {
  id: string;
  format: FileFormat;
  contentType: string;
  /** An example of the names it answers (docs, GUI). */
  example: string;
  description: string;
}

/** What a requested file name is. */
export type FileMatch =
  /** A file of one phone: the MAC is in the name. */
  | { kind: 'phone'; file: string; mac: string; model?: string }
  /** A common file; the model when the name says it. */
  | { kind: 'common'; file: string; model?: string };

export interface VendorModel {
  /** As the vendor writes it (T46S). */
  name: string;
  /** Programmable keys on the phone itself (without expansion modules). */
  keys: number;
  /** SIP accounts it can register. */
  accounts: number;
  /** Anything the profile needs per model (Yealink's common file code...). */
  extra?: Record<string, string | number>;
}

export interface VendorProfile {
  vendor: Vendor;
  /** Built-in models. Any other model name of this vendor gets the same files (generic). */
  models: readonly VendorModel[];
  /** The files one phone gets. The first one is its main configuration. */
  files: readonly PhoneFileSpec[];
  commonFiles: readonly CommonFileSpec[];
  /** Built-in template text by file id (phone and common files). */
  templates: Readonly<Record<string, string>>;
  /** Model and MAC (12 lowercase hex) from an HTTP User-Agent, when it is this vendor's. */
  identify(userAgent: string): { model?: string; mac?: string } | undefined;
  /** A requested name (no leading /), or undefined when this vendor never asks for it. */
  match(fileName: string): FileMatch | undefined;
  /** Values for the phone files' templates: merged over the context ({...ctx, ...view(ctx)}). */
  view(ctx: PhoneContext): Record<string, unknown>;
  /** Values for the common files' templates: merged over the common context. */
  commonView(ctx: CommonContext): Record<string, unknown>;
}
