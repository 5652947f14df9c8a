// Placeholder until the gigaset profile lands.
import type { VendorProfile } from '../vendor.ts';

export const gigaset: VendorProfile = {
  vendor: 'gigaset',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
