// Placeholder until the snom profile lands.
import type { VendorProfile } from '../vendor.ts';

export const snom: VendorProfile = {
  vendor: 'snom',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
