// What the provisioning tests share: the golden model (test/golden/provisioning/model.yaml, one
// phone per vendor plus a generic Yealink), the box as its phones reach it, and the golden
// phone of a vendor rendered or viewed through the real vendor profile.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../src/domain/rules.ts';
import type { PbxConfig, Phone } from '../../src/domain/model.ts';
import type { Vendor } from '../../src/domain/phones.ts';
import { chooseTemplates, phoneContext, type PhoneContext, type ServerInfo } from '../../src/provisioning/context.ts';
import { renderPhoneFile, type RenderedFile } from '../../src/provisioning/render.ts';
import { PROFILES } from '../../src/provisioning/vendors/index.ts';
import { xmlProblem } from '../../src/lib/xml.ts';

/** The golden files and model.yaml. */
export const GOLDEN_DIR = join(import.meta.dirname, '../golden/provisioning');
/** The box as the golden phones reach it. */
export const GOLDEN_SERVER: ServerInfo = { address: '192.0.2.10', scheme: 'http', httpPort: 8080, ldapPort: 389 };

/** model.yaml as parsed YAML, afresh on each call: for tests that change the input before parseConfig. */
export const goldenInput = (): Record<string, any> => parse(readFileSync(join(GOLDEN_DIR, 'model.yaml'), 'utf8'));

/** The golden model, afresh on each call (tests change it). */
export const goldenConfig = (): PbxConfig => parseConfig(goldenInput());

/** The golden model with the vendor's golden phone (and anything else) changed in the input. */
export function goldenVariant(vendor: Vendor, change: (input: Record<string, any>, phone: Record<string, any>) => void): PbxConfig {
  const input = goldenInput();
  change(input, input.phones.find((p: { vendor: string }) => p.vendor === vendor));
  return parseConfig(input);
}

/** The vendor's golden phone in `config`: its first phone, or the one with `mac` (12 lowercase hex). */
export function goldenPhone(config: PbxConfig, vendor: Vendor, mac?: string): Phone {
  const phone = config.phones.find((p) => p.vendor === vendor && (mac === undefined || p.mac === mac));
  assert.ok(phone, `a ${vendor} phone${mac ? ` ${mac}` : ''} in the model`);
  return phone;
}

/** The context the vendor's templates get for its golden phone (the model's templates chosen by model). */
export function goldenContext(config: PbxConfig, vendor: Vendor, mac?: string): PhoneContext {
  const phone = goldenPhone(config, vendor, mac);
  const profile = PROFILES[vendor];
  return phoneContext(config, phone, profile, GOLDEN_SERVER, chooseTemplates(config, profile, phone.model));
}

/** The vendor profile's view of its golden phone. */
export const goldenView = (config: PbxConfig, vendor: Vendor, mac?: string): Record<string, any> => PROFILES[vendor].view(goldenContext(config, vendor, mac));

/** A file of the vendor's golden phone as served; an XML file must be well-formed. */
export function renderGolden(config: PbxConfig, vendor: Vendor, fileId: string, mac?: string): RenderedFile {
  const profile = PROFILES[vendor];
  const r = renderPhoneFile(config, profile, goldenPhone(config, vendor, mac), fileId, GOLDEN_SERVER);
  assert.ok(r, `${vendor} has a file ${fileId}`);
  if (profile.files.find((f) => f.id === fileId)!.format === 'xml') assert.equal(xmlProblem(r.body), undefined, `${r.name} is well-formed`);
  return r;
}
