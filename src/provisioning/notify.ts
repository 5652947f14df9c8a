// Tells phones to fetch their files again (resync) or to restart (reboot) through a SIP NOTIFY
// sent by Asterisk (AMI PJSIPNotify with Endpoint = the phone's first line's account and
// Option = the vendor's pjsip_notify.conf section, src/render/pjsip-notify-conf.ts). A phone
// is reached through the registration of its first line: the account the box knows it by.
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { PbxConfig, Phone } from '../domain/model.ts';
import { normalizeMac, notifySection } from '../domain/phones.ts';
import type { NotifyRequest, NotifyResult } from '../domain/provisioning.ts';

export interface PhoneNotifierDeps {
  config: () => PbxConfig;
  /** Sends the NOTIFY of pjsip_notify.conf section `option` to a PJSIP endpoint (main wires AMI PJSIPNotify). */
  send: (endpoint: string, option: string) => Promise<void>;
  /** Whether the endpoint has a registered contact; absent: not checked (Asterisk then says so itself). */
  registered?: (endpoint: string) => Promise<boolean>;
}

/** NOTIFYs in flight at once: a large "all" request neither floods AMI nor takes a minute. */
const CONCURRENCY = 8;

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.trim() || 'failed';
}

export class PhoneNotifier {
  private readonly deps: PhoneNotifierDeps;
  constructor(deps: PhoneNotifierDeps) {
    this.deps = deps;
  }

  /** The phones a request names, in model order. One MAC that is not configured: NotFoundError. */
  select(req: NotifyRequest): Phone[] {
    const phones = this.deps.config().phones;
    if (req.mac !== undefined) {
      const mac = normalizeMac(req.mac);
      if (!mac) throw new ValidationError('not a MAC address', [{ path: ['mac'], message: 'a MAC address such as 00:15:65:aa:bb:cc' }]);
      const phone = phones.find((p) => p.mac === mac);
      if (!phone) throw new NotFoundError(`phone ${mac} does not exist`);
      return [phone];
    }
    if (req.all === true) return [...phones];
    const model = req.model?.toLowerCase();
    return phones.filter((p) => (req.vendor === undefined || p.vendor === req.vendor) && (model === undefined || p.model.toLowerCase() === model));
  }

  /** One result per phone named; a phone that fails never stops the others. */
  async notify(req: NotifyRequest): Promise<NotifyResult[]> {
    const phones = this.select(req);
    const results: NotifyResult[] = new Array(phones.length);
    let next = 0;
    const worker = async () => {
      while (next < phones.length) {
        const i = next++;
        results[i] = await this.one(phones[i]!, req.action);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, phones.length) }, worker));
    return results;
  }

  private async one(phone: Phone, action: NotifyRequest['action']): Promise<NotifyResult> {
    const account = phone.lines[0]!.account;
    try {
      // An unregistered account has no contact to send to: Asterisk would only fail later, less clearly.
      if (this.deps.registered && !(await this.deps.registered(account))) return { mac: phone.mac, account, ok: false, error: 'not registered' };
      await this.deps.send(account, notifySection(phone.vendor, action));
      return { mac: phone.mac, account, ok: true };
    } catch (err) {
      return { mac: phone.mac, account, ok: false, error: errorText(err) };
    }
  }
}
