// Placeholder until the grandstream profile lands.
import type { VendorProfile } from '../vendor.ts';

export const grandstream: VendorProfile = {
  vendor: 'grandstream',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
