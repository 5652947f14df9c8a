// Placeholder until the yealink profile lands.
import type { VendorProfile } from '../vendor.ts';

export const yealink: VendorProfile = {
  vendor: 'yealink',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
