// Placeholder until the cisco profile lands.
import type { VendorProfile } from '../vendor.ts';

export const cisco: VendorProfile = {
  vendor: 'cisco',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
