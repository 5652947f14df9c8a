// Phones the box provisions: vendors, MAC addresses and the facts about them that need no I/O.
// The schemas live in model.ts (they are part of the model); this file has what they and the
// provisioning adapter (src/provisioning/) share.

/** Vendors the box provisions. Each has a profile in src/provisioning/vendors/. */
export const VENDORS = ['yealink', 'snom', 'grandstream', 'poly', 'gigaset', 'cisco', 'fanvil'] as const;
export type Vendor = (typeof VENDORS)[number];

export const VENDOR_LABELS: Record<Vendor, string> = {
  yealink: 'Yealink',
  snom: 'Snom',
  grandstream: 'Grandstream',
  poly: 'Poly (Polycom)',
  gigaset: 'Gigaset',
  cisco: 'Cisco (SPA / 3PCC)',
  fanvil: 'Fanvil',
};

/**
 * A MAC address in any usual notation (00:15:65:AA:BB:CC, 00-15-65-aa-bb-cc, 0015.65aa.bbcc,
 * 001565aabbcc) as 12 lowercase hex digits; undefined when it is not one. The all-zero
 * address (Polycom's common file name), broadcast and multicast addresses are no phone's.
 */
export function normalizeMac(input: string): string | undefined {
  const s = input.trim();
  if (!/^(?:[0-9A-Fa-f]{2}([:-]?)(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})$/.test(s)) return undefined;
  const hex = s.replace(/[:.-]/g, '').toLowerCase();
  if (hex === '000000000000' || hex === 'ffffffffffff') return undefined;
  // The group bit (least significant bit of the first octet) marks multicast addresses.
  if (parseInt(hex.slice(0, 2), 16) & 1) return undefined;
  return hex;
}

/** The forms vendors write a MAC in (file names, user agents, macros). */
export function macForms(mac: string): { lower: string; upper: string; colons: string; colonsUpper: string } {
  const colons = mac.match(/../g)!.join(':');
  return { lower: mac, upper: mac.toUpperCase(), colons, colonsUpper: colons.toUpperCase() };
}

/**
 * The LDAP directory the phones search (served by the box, src/directory/). Phones bind as
 * their first line's SIP account with its SIP password, so no shared phonebook secret is
 * written into every phone and removing a device revokes its access.
 */
export const PHONEBOOK_BASE_DN = 'ou=phonebook,dc=pbx';
export function phoneLdapBindDn(account: string): string {
  return `uid=${account},ou=devices,dc=pbx`;
}
/** Filters as the vendors' templates use them (`%` is what the user typed). */
export const PHONEBOOK_NAME_FILTER = '(|(cn=%)(sn=%)(givenName=%))';
export const PHONEBOOK_NUMBER_FILTER = '(|(telephoneNumber=%)(mobile=%))';

/**
 * SIP NOTIFY events per vendor that make a phone fetch its files again (resync) or reboot
 * (../shared/reference/phone-provisioning.md §9). Rendered as pjsip_notify.conf sections
 * `pbx-<vendor>-resync` / `pbx-<vendor>-reboot`, sent through AMI PJSIPNotify.
 */
export const NOTIFY_EVENTS: Record<Vendor, { resync: string; reboot: string }> = {
  // The templates set sip.notify_reboot_enable = 0: the phone reboots only when told to.
  yealink: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  snom: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  grandstream: { resync: 'resync', reboot: 'check-sync;reboot=true' },
  // alwaysReboot=0 in the template: the phone restarts only when its files changed.
  poly: { resync: 'check-sync', reboot: 'check-sync' },
  gigaset: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  cisco: { resync: 'resync', reboot: 'reboot_now' },
  fanvil: { resync: 'check-sync', reboot: 'check-sync;reboot=true' },
};
export const NOTIFY_ACTIONS = ['resync', 'reboot'] as const;
export type NotifyAction = (typeof NOTIFY_ACTIONS)[number];
export function notifySection(vendor: Vendor, action: NotifyAction): string {
  return `pbx-${vendor}-${action}`;
}
