// Placeholder until the fanvil profile lands.
import type { VendorProfile } from '../vendor.ts';

export const fanvil: VendorProfile = {
  vendor: 'fanvil',
  models: [],
  files: [],
  commonFiles: [],
  templates: {},
  identify: () => undefined,
  match: () => undefined,
  view: () => ({}),
  commonView: () => ({}),
};
