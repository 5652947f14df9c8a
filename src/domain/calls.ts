// Call events as the API, the event stream and webhooks present them. One schema: it validates
// what the tracker emits in tests and documents the payload in the OpenAPI document.
import { z } from 'zod';
import { CALL_EVENT_TYPES } from './model.ts';

export const callPartySchema = z
  .object({
    number: z.string(),
    /** From the phonebook or the extension's name when known (screen-pop). */
    name: z.string().optional(),
  })
  .strict();

export const callEventSchema = z
  .object({
    /** Unique id of this event (also the webhook delivery's event id). */
    id: z.string(),
    type: z.enum(CALL_EVENT_TYPES),
    /** When the event happened (ISO 8601). */
    at: z.string(),
    /** One id for every leg of the call (Asterisk's linkedid). */
    callId: z.string(),
    /** The channel the event is about (Asterisk's uniqueid). */
    uniqueId: z.string(),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    caller: callPartySchema,
    called: callPartySchema,
    /** The PBX extension involved: the one ringing/answering, or the calling one for outbound calls. */
    extension: z.string().optional(),
    /** The number the carrier delivered, for inbound calls. */
    did: z.string().optional(),
    trunk: z.string().optional(),
    startedAt: z.string(),
    answeredAt: z.string().optional(),
    endedAt: z.string().optional(),
    /** For call.transferred: where the call went. */
    transferredTo: z.string().optional(),
    /** For call.hangup: Asterisk's hangup cause. */
    cause: z.object({ code: z.number().int(), text: z.string() }).strict().optional(),
    /** Every PBX extension the call has involved so far (caller, dialled, rung, answered); per-extension filters match on it. */
    extensions: z.array(z.string()).optional(),
  })
  .strict();

export type CallParty = z.infer<typeof callPartySchema>;
export type CallEvent = z.infer<typeof callEventSchema>;
