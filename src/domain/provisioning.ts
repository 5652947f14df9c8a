// Provisioning at run time as the API shows it: the request log, phones seen but not
// configured, what to tell installers (option 66), and the NOTIFY results. Runtime data, not
// model: it is not exported or backed up with the configuration.
import { z } from 'zod';
import { NOTIFY_ACTIONS, VENDORS } from './phones.ts';

export const PROVISIONING_RESULTS = ['served', 'not-found', 'unknown-phone', 'unauthorized', 'forbidden', 'rate-limited', 'error'] as const;
export type ProvisioningResult = (typeof PROVISIONING_RESULTS)[number];

/** One file request from a phone (or anything asking for provisioning files). */
export const provisioningRequestSchema = z
  .object({
    id: z.number().int(),
    at: z.string().describe('ISO 8601 time'),
    protocol: z.enum(['http', 'https', 'tftp']),
    source: z.string().describe('Address the request came from'),
    /** The phone's MAC when the file name or User-Agent carried one. */
    mac: z.string().optional(),
    vendor: z.enum(VENDORS).optional(),
    model: z.string().optional(),
    userAgent: z.string().optional(),
    file: z.string().describe('The file name asked for'),
    result: z.enum(PROVISIONING_RESULTS),
    /** HTTP status given (TFTP: the equivalent). */
    status: z.number().int(),
    bytes: z.number().int().describe('Bytes sent'),
    /** Why it was refused, or which file it got. */
    detail: z.string().optional(),
  })
  .strict();
export type ProvisioningRequest = z.infer<typeof provisioningRequestSchema>;

export const provisioningRequestQuerySchema = z
  .object({
    mac: z.string().max(32).optional(),
    source: z.string().max(64).optional(),
    result: z.enum(PROVISIONING_RESULTS).optional(),
    protocol: z.enum(['http', 'https', 'tftp']).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Entries older than this id (paging backwards). */
    before: z.coerce.number().int().min(1).optional(),
  })
  .strict();
export type ProvisioningRequestQuery = z.infer<typeof provisioningRequestQuerySchema>;

/** A phone that asked for files but is not configured: adopt it in one click. */
export const discoveredPhoneSchema = z
  .object({
    mac: z.string(),
    vendor: z.enum(VENDORS).optional(),
    model: z.string().optional(),
    userAgent: z.string().optional(),
    source: z.string(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    requests: z.number().int(),
    lastFile: z.string(),
  })
  .strict();
export type DiscoveredPhone = z.infer<typeof discoveredPhoneSchema>;

/** What a phone is told through SIP NOTIFY, one result per phone. */
export const notifyResultSchema = z
  .object({
    mac: z.string(),
    account: z.string().optional(),
    ok: z.boolean(),
    error: z.string().optional(),
  })
  .strict();
export type NotifyResult = z.infer<typeof notifyResultSchema>;
export const notifyRequestSchema = z
  .object({
    action: z.enum(NOTIFY_ACTIONS).default('resync'),
    /** Which phones: one MAC, a vendor, a model (with its vendor), or all. */
    mac: z.string().max(32).optional(),
    vendor: z.enum(VENDORS).optional(),
    model: z.string().max(32).optional(),
    all: z.boolean().optional(),
  })
  .strict()
  .refine((r) => [r.mac !== undefined, r.vendor !== undefined || r.model !== undefined, r.all === true].filter(Boolean).length === 1, {
    message: 'name one MAC, a vendor (and model), or all: true',
    path: ['mac'],
  });
export type NotifyRequest = z.infer<typeof notifyRequestSchema>;

/** How installers point phones at the box. */
export const provisioningInfoSchema = z
  .object({
    /** http://<address>:<port>/provisioning/ */
    httpUrl: z.string(),
    httpsUrl: z.string().optional(),
    tftp: z.object({ address: z.string(), port: z.number().int() }).strict().optional(),
    /** The DHCP option 66 value to use (the HTTP URL; TFTP-only phones: the address). */
    option66: z.string(),
    /** The address used in these values (the settings' or the one this request reached). */
    address: z.string(),
  })
  .strict();
export type ProvisioningInfo = z.infer<typeof provisioningInfoSchema>;
