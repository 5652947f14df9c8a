// Placeholder until the poly profile lands.
import type { VendorProfile } from '../vendor.ts';

export const poly: VendorProfile = {
  vendor: 'poly',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
