// Call control for CRMs (click-to-call, active calls, hang up, transfer): the request and
// response shapes of /api/v1/calls. One schema each: it validates the input and documents the
// route in the OpenAPI document. How the calls are made: src/calls/call-control.ts.
import { z } from 'zod';
import { displayText, extensionNumber, externalNumber } from './model.ts';

export const clickToCallRequestSchema = z
  .object({
    extension: extensionNumber.describe('The extension whose phones ring first; the number is dialled with its calling class.'),
    number: externalNumber.describe('The number to call once the extension answers: an external number or another extension.'),
    displayName: displayText(64)
      .optional()
      .describe("Name shown on the extension's phone while it rings (e.g. the CRM contact); the number is always shown."),
  })
  .strict();

export const clickToCallResponseSchema = z
  .object({
    callId: z.string().describe("Id of the call (Asterisk's linkedid of every leg): for GET, DELETE and transfer, and in call events."),
    extension: extensionNumber,
    number: z.string(),
    kind: z.enum(['internal', 'emergency', 'external']).describe('How the dialplan routes the number.'),
    rule: z.string().optional().describe('The outbound rule that routes an external number.'),
    ringing: z.array(z.string()).describe('Usernames of the registered devices that ring.'),
  })
  .strict();

export const transferRequestSchema = z
  .object({
    to: externalNumber.describe("Where the other party of the call goes: an extension or a number the extension's class allows."),
  })
  .strict();

export const activeCallChannelSchema = z
  .object({
    uniqueId: z.string().describe("Asterisk's uniqueid of this channel."),
    channel: z.string().describe("Asterisk's channel name, e.g. PJSIP/201-00000004; Local/... channels are the PBX's own legs (click-to-call, transfers)."),
    state: z.string().describe("Asterisk's channel state: Down, Ring, Ringing, Up, Busy, ..."),
    callerNumber: z.string().describe("The party this channel stands for: the device's extension, or the far end of a trunk channel."),
    callerName: z.string().optional(),
    connectedNumber: z.string().describe('The party this channel is connected (or ringing) to.'),
    connectedName: z.string().optional(),
    extension: extensionNumber.optional().describe('The extension, when this is a channel of one of its devices.'),
    device: z.string().optional().describe('The device username, for a device channel.'),
    trunk: z.string().optional().describe('The trunk name, for a trunk channel.'),
    startedAt: z.string().optional().describe('When the channel was created (ISO 8601).'),
  })
  .strict();

export const activeCallSchema = z
  .object({
    callId: z.string().describe("Asterisk's linkedid, shared by every channel of the call; the id click-to-call returned."),
    startedAt: z.string().describe('When the first channel of the call was created (ISO 8601).'),
    durationSeconds: z.number().int().min(0),
    clickToCall: z
      .object({ extension: extensionNumber, number: z.string() })
      .strict()
      .optional()
      .describe('Set when the call was placed by click-to-call (by this supervisor since it started).'),
    channels: z.array(activeCallChannelSchema),
  })
  .strict();

export const activeCallListSchema = z.array(activeCallSchema);

export type ClickToCallRequest = z.infer<typeof clickToCallRequestSchema>;
export type ClickToCallResponse = z.infer<typeof clickToCallResponseSchema>;
export type TransferRequest = z.infer<typeof transferRequestSchema>;
export type ActiveCallChannel = z.infer<typeof activeCallChannelSchema>;
export type ActiveCall = z.infer<typeof activeCallSchema>;
