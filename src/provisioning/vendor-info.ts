// What the API tells admins and the GUI about each vendor (GET /provisioning/vendors): its
// models (built in, and those only admin templates name), the files a phone gets, the common
// files, the built-in template texts to start an override from, and the NOTIFY events.
// The shape is VendorInfo of src/api/provisioning.ts (the API cannot import this layer; main.ts
// passes vendorInfos in as ProvisioningApi.vendors).
import type { PbxConfig } from '../domain/model.ts';
import { NOTIFY_EVENTS, VENDORS, VENDOR_LABELS, type Vendor } from '../domain/phones.ts';
import type { FileFormat } from './template-engine.ts';
import type { VendorProfile } from './vendor.ts';
import { PROFILES } from './vendors/index.ts';

export interface VendorModelInfo {
  name: string;
  keys: number;
  accounts: number;
  /** false: named only by an admin template (it gets the vendor's generic files). */
  builtIn: boolean;
}

export interface VendorInfoData {
  vendor: Vendor;
  label: string;
  models: VendorModelInfo[];
  files: { id: string; description: string; format: FileFormat }[];
  commonFiles: { id: string; example: string; description: string }[];
  templates: Record<string, string>;
  notify: { resync: string; reboot: string };
}

export function vendorInfos(config: PbxConfig, profiles: Readonly<Record<Vendor, VendorProfile>> = PROFILES): VendorInfoData[] {
  return VENDORS.map((vendor) => {
    const p = profiles[vendor];
    const models: VendorModelInfo[] = p.models.map((m) => ({ name: m.name, keys: m.keys, accounts: m.accounts, builtIn: true }));
    // A model only a template names has no counts of its own: the vendor's largest, since
    // phones ignore keys and accounts they do not have.
    const keys = Math.max(0, ...p.models.map((m) => m.keys));
    const accounts = Math.max(1, ...p.models.map((m) => m.accounts));
    const known = new Set(models.map((m) => m.name.toLowerCase()));
    for (const t of config.phoneTemplates) {
      if (t.vendor !== vendor) continue;
      for (const name of t.models) {
        if (known.has(name.toLowerCase())) continue;
        known.add(name.toLowerCase());
        models.push({ name, keys, accounts, builtIn: false });
      }
    }
    return {
      vendor,
      label: VENDOR_LABELS[vendor],
      models,
      files: p.files.map((f) => ({ id: f.id, description: f.description, format: f.format })),
      commonFiles: p.commonFiles.map((f) => ({ id: f.id, example: f.example, description: f.description })),
      templates: { ...p.templates },
      notify: { ...NOTIFY_EVENTS[vendor] },
    };
  });
}
