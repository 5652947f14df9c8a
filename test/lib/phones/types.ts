import type { Vendor } from '../../../src/domain/phones.ts';
export interface PhoneClientSpec { vendor: Vendor; model: string; userAgent(mac: string): string; requests(mac: string): string[]; mainFile(mac: string): string; parse(body: string): { account: string; password: string; server: string; port?: string } }
