// What the provisioning pages share: the phone's shape as the API answers it, MAC addresses
// (checked as typed, shown as 00:15:65:AA:BB:CC), the vendors' catalogue (models, files,
// built-in templates), whole collections fetched page by page, the tabs between the pages, a
// copy-to-clipboard button, and the frame of the pages that edit one object.
import type { ReactNode } from 'react';
import { api, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, useLocation } from '../lib/router.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { useConfirmedDelete, type DeleteRequest } from '../components/lists.tsx';
import { ErrorAlert, useLoad } from '../components/load.tsx';
import './Phones.css';

export const VENDORS = ['yealink', 'snom', 'grandstream', 'poly', 'gigaset', 'cisco', 'fanvil'] as const;
export type Vendor = (typeof VENDORS)[number];
export const KEY_TYPES = ['line', 'blf', 'park', 'switch', 'dnd', 'speedDial'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface PhoneLine {
  account: string;
  label?: string;
}
export type PhoneKey =
  | { type: 'line'; line: number; label?: string }
  | { type: 'blf'; extension: string; label?: string; line?: number }
  | { type: 'park'; slot: string; label?: string; line?: number }
  | { type: 'switch'; switch: string; label?: string; line?: number }
  | { type: 'dnd'; label?: string; line?: number }
  | { type: 'speedDial'; number: string; label: string; line?: number };

export interface Phone {
  mac: string;
  vendor: Vendor;
  model: string;
  description?: string;
  lines: PhoneLine[];
  keys: PhoneKey[];
  language?: string;
  timezone?: string;
  adminPassword: string;
  httpAuth?: { username: string; password: string };
  template?: string;
  vars: Record<string, string>;
}

export interface PhoneTemplate {
  name: string;
  description?: string;
  vendor: Vendor;
  models: string[];
  files: { file: string; template: string }[];
  vars: Record<string, string>;
  firmwareUrl?: string;
}

export interface VendorModel {
  name: string;
  keys: number;
  accounts: number;
  builtIn: boolean;
}
export interface VendorInfo {
  vendor: Vendor;
  label: string;
  models: VendorModel[];
  files: { id: string; description: string; format: string }[];
  commonFiles: { id: string; example: string; description: string }[];
  templates: Record<string, string>;
  notify: { resync: string; reboot: string };
}

export interface ProvisioningInfo {
  httpUrl: string;
  httpsUrl?: string;
  tftp?: { address: string; port: number };
  option66: string;
  address: string;
}

export interface NotifyResult {
  mac: string;
  account?: string;
  ok: boolean;
  error?: string;
}

export interface DiscoveredPhone {
  mac: string;
  vendor?: Vendor;
  model?: string;
  userAgent?: string;
  source: string;
  firstSeen: string;
  lastSeen: string;
  requests: number;
  lastFile: string;
}

export interface ProvisioningRequest {
  id: number;
  at: string;
  protocol: 'http' | 'https' | 'tftp';
  source: string;
  mac?: string;
  vendor?: Vendor;
  model?: string;
  userAgent?: string;
  file: string;
  result: string;
  status: number;
  bytes: number;
  detail?: string;
}

export interface ExtensionInfo {
  number: string;
  name: string;
  devices: { username: string }[];
}

// ---- MAC addresses -----------------------------------------------------------------------------

export type MacProblem = 'empty' | 'format' | 'zero' | 'broadcast' | 'multicast';

/**
 * What is wrong with a typed MAC address ('' when nothing): the same rules as the server's
 * normalizeMac (src/domain/phones.ts), so the wizard says it before the API does.
 */
export function macProblem(input: string): MacProblem | '' {
  const s = input.trim();
  if (!s) return 'empty';
  if (!/^(?:[0-9A-Fa-f]{2}([:-]?)(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})$/.test(s)) return 'format';
  const hex = s.replace(/[:.-]/g, '').toLowerCase();
  if (hex === '000000000000') return 'zero';
  if (hex === 'ffffffffffff') return 'broadcast';
  if (parseInt(hex.slice(0, 2), 16) & 1) return 'multicast';
  return '';
}

/** A MAC address in any usual notation as 12 lowercase hex digits; undefined when it is not one. */
export function normalizeMac(input: string): string | undefined {
  return macProblem(input) ? undefined : input.trim().replace(/[:.-]/g, '').toLowerCase();
}

/** 001565aabbcc → 00:15:65:AA:BB:CC (anything else as it is). */
export function formatMac(mac: string): string {
  return /^[0-9a-fA-F]{12}$/.test(mac) ? mac.toUpperCase().match(/../g)!.join(':') : mac;
}

export const MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;

// ---- data ----------------------------------------------------------------------------------------

/** Every item of a collection, page by page (the API answers at most 1000 at once). */
export async function fetchAll<T = Record<string, unknown>>(path: string, query: Record<string, string> = {}): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; ) {
    const r = await api.get<ListResult<T>>(path, { ...query, limit: 1000, offset });
    out.push(...r.items);
    offset += r.items.length;
    if (!r.items.length || offset >= r.total) return out;
  }
}

let vendorsCache: Promise<VendorInfo[]> | null = null;
/** The vendors' catalogue, fetched once per page load (it changes only with the software). */
export function vendorCatalogue(): Promise<VendorInfo[]> {
  vendorsCache ??= api.get<VendorInfo[] | { items: VendorInfo[] }>('/provisioning/vendors').then(
    (r) => (Array.isArray(r) ? r : r.items),
    (e) => {
      vendorsCache = null;
      throw e;
    },
  );
  return vendorsCache;
}
/** Forgets the catalogue (tests; an admin template adding a model). */
export function resetVendorCatalogue(): void {
  vendorsCache = null;
}

export function useVendors(): { vendors: VendorInfo[] | null; error: string } {
  const { data: vendors, error } = useLoad(vendorCatalogue, [], { failed: [], describe: (e) => (e as Error).message });
  return { vendors, error };
}

/** The vendor's name as people know it ("Poly (Polycom)"), from the catalogue when it is there. */
export function vendorLabel(vendors: VendorInfo[] | null, vendor: string | undefined): string {
  if (!vendor) return '';
  return vendors?.find((v) => v.vendor === vendor)?.label ?? vendor.charAt(0).toUpperCase() + vendor.slice(1);
}

/** The vendors as a select's options, after "choose" (the catalogue's, or the known names while it loads). */
export function VendorOptions({ vendors }: { vendors: VendorInfo[] | null }) {
  const { t } = useI18n();
  return (
    <>
      <option value="">{t('phones.device.chooseVendor')}</option>
      {(vendors?.length ? vendors.map((v) => v.vendor) : VENDORS).map((v) => (
        <option key={v} value={v}>
          {vendorLabel(vendors, v)}
        </option>
      ))}
    </>
  );
}

/** Fetches a file as the phone gets it: its exact text (no JSON parsing, no trimming). */
export async function fetchText(path: string): Promise<string> {
  const res = await fetch(`/api/v1${path}`, { credentials: 'same-origin', headers: { Accept: '*/*' } });
  const text = await res.text();
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      /* not the API's error shape */
    }
    throw new Error(message);
  }
  return text;
}

// ---- small parts ---------------------------------------------------------------------------------

const TABS = [
  { to: '/phones', key: 'list' },
  { to: '/phones/requests', key: 'requests' },
  { to: '/phones/templates', key: 'templates' },
  { to: '/phones/settings', key: 'settings' },
] as const;

/** The provisioning pages' own navigation (phones, request log, templates, settings). */
export function PhonesTabs() {
  const { t } = useI18n();
  const { path } = useLocation();
  const current = (to: string) => (to === '/phones' ? path === '/phones' : path === to || path.startsWith(to + '/'));
  return (
    <nav className="phones-tabs no-print" aria-label={t('phones.tabs.label')}>
      <ul>
        {TABS.map((tab) => (
          <li key={tab.to}>
            <Link to={tab.to} aria-current={current(tab.to) ? 'page' : undefined} data-testid={`phones-tab-${tab.key}`}>
              {t(`phones.tabs.${tab.key}`)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Copies `text`; says whether it worked (a browser may refuse outside a secure context). */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast(t('phones.copied'));
    } catch {
      toast(t('phones.copyFailed'), 'error');
    }
  };
  return (
    <button type="button" className="icon" onClick={() => void copy()} aria-label={label} data-testid={testId}>
      {t('phones.copy')}
    </button>
  );
}

/** A time as the reader's locale writes it. */
export function when(iso: string, lang: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang);
}

// ---- the pages that edit one object (a phone, a template) ------------------------------------------

/** The way back to the list the object is in. */
export function Crumb({ to, label }: { to: string; label: string }) {
  return (
    <p className="crumbs">
      <Link to={to}>{label}</Link> /
    </p>
  );
}

/** The page before its form can show: loading, or why the object could not be read (and the way back). */
export function PageNotReady({ error, title, back, backLabel }: { error: string; title: string; back: string; backLabel: string }) {
  const { t } = useI18n();
  if (!error)
    return (
      <section className="page" aria-busy="true">
        {t('common.loading')}
      </section>
    );
  return (
    <section className="page" aria-labelledby="page-title">
      <Crumb to={back} label={backLabel} />
      <h1 id="page-title">{title}</h1>
      <ErrorAlert error={error} />
    </section>
  );
}

/** Deletes the object the page shows, after asking; `request.after` leaves the page. */
export function DeleteButton({ testId, request }: { testId: string; request: DeleteRequest }) {
  const { t } = useI18n();
  const del = useConfirmedDelete();
  return (
    <div className="actions">
      <button type="button" className="phones-danger" disabled={!!del.busy} data-testid={testId} onClick={() => void del.remove(request.path, request)}>
        {t('list.delete')}
      </button>
    </div>
  );
}

/** A form's buttons: the submit ("Saving…" while it is), `children` after it, and a note while there are unsaved changes. */
export function FormActions({ busy, label, testId, dirty = false, children }: { busy: boolean; label: string; testId: string; dirty?: boolean; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={busy} aria-busy={busy || undefined} data-testid={testId}>
        {busy ? t('common.saving') : label}
      </button>
      {children}
      {dirty ? <span className="muted small">{t('phones.page.unsaved')}</span> : null}
    </div>
  );
}
