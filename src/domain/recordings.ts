// Call recordings as the index and the API show them. A recording is one file of one call
// (MixMonitor on one of its channels): its id is that channel's unique id and a counter
// (<uniqueid>-<n>: a call recorded on demand may have several).
import { z } from 'zod';

/** What a recording id may hold: the dialplan filters unique ids to these characters. */
export const RECORDING_ID = /^[0-9A-Za-z.-]{1,80}-[0-9]{1,6}$/;

export const RECORDING_DIRECTIONS = ['in', 'out', 'internal'] as const;
export type RecordingDirection = (typeof RECORDING_DIRECTIONS)[number];

export const recordingSchema = z
  .object({
    id: z.string(),
    /** Unique id of the channel that recorded (MixMonitor's host). */
    uniqueId: z.string(),
    /** The call's linked id: the same for every channel of the call (CDR rows carry it too). */
    linkedId: z.string(),
    caller: z.string(),
    callee: z.string(),
    direction: z.enum(RECORDING_DIRECTIONS),
    /** When recording started (ISO 8601). */
    startedAt: z.string(),
    /** Length of the audio, in milliseconds; absent while the call is still being recorded. */
    durationMs: z.number().int().optional(),
    /** Size of the stored file in bytes; absent while recording. */
    size: z.number().int().optional(),
    /** Which policy made it: <where>/<name> (ext/201, caller/200, group/sales, queue/q, in/<DID>, out/<number>). */
    policy: z.string(),
    /** always: by policy from the answer; onDemand: started with the in-call code. */
    mode: z.enum(['always', 'onDemand']),
    state: z.enum(['recording', 'stored']),
  })
  .strict();
export type Recording = z.infer<typeof recordingSchema>;

export const recordingQuerySchema = z
  .object({
    /** Started at or after (ISO 8601). */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Started before (ISO 8601). */
    to: z.iso.datetime({ offset: true }).optional(),
    /** An extension or number: matches the caller or the callee exactly. */
    number: z.string().regex(/^[0-9*#+]{1,32}$/, 'digits, * # +').optional(),
    direction: z.enum(RECORDING_DIRECTIONS).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type RecordingQuery = z.infer<typeof recordingQuerySchema>;

export const recordingListSchema = z.object({ items: z.array(recordingSchema), total: z.number().int() }).strict();
