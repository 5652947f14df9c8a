// The vendor profiles, by vendor id.
import type { Vendor } from '../../domain/phones.ts';
import type { VendorProfile } from '../vendor.ts';
import { yealink } from './yealink.ts';
import { snom } from './snom.ts';
import { grandstream } from './grandstream.ts';
import { poly } from './poly.ts';
import { gigaset } from './gigaset.ts';
import { cisco } from './cisco.ts';
import { fanvil } from './fanvil.ts';

export const PROFILES: Readonly<Record<Vendor, VendorProfile>> = { yealink, snom, grandstream, poly, gigaset, cisco, fanvil };
