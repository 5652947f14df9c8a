// The first-boot wizard: language and name, password, time, network, the first trunk, the
// extensions (one bulk request), the main number's route, and a printable sheet with each
// phone's credentials. Every step that writes does so when it is left and stays put when the
// API refuses, with the API's messages next to the fields; progress lives in this page's state.
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, errorText, type FieldError, type ListResult } from '../lib/api.ts';
import { LANGUAGES, useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { PasswordStrength, usePasswordProblems } from '../components/PasswordStrength.tsx';
import { SecretInput } from '../components/SecretInput.tsx';
import { Field, StepError, StepNav, StepPanel, Stepper, aria, lines, useApiErrors, useSteps } from '../components/Stepper.tsx';
import './Setup.css';

// ---- shapes of the API's answers ---------------------------------------------------------------

export interface SystemSettings {
  name: string;
  timezone: string;
  language: string;
  sipPort: number;
  externalAddress?: string;
  localNets: string[];
  ntpServers: string[];
  [k: string]: unknown;
}
interface NetInterface {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  cidr: string;
  mac: string;
}
export interface NetworkSummary {
  hostname: string;
  interfaces: NetInterface[];
  externalAddress: string | null;
  sipPort: number;
  httpPort: number;
  provisioningUrls: string[];
}
export interface WriteResult<T = Record<string, unknown>> {
  item: T;
  revision: number;
  apply?: { ok: boolean; pending?: boolean; error?: { message: string } };
}
/** One phone's login, as the summary sheet shows it. */
export interface Credential {
  number: string;
  name: string;
  username: string;
  password: string;
}
type Item = Record<string, unknown>;

const STEP_IDS = ['welcome', 'password', 'time', 'network', 'trunk', 'extensions', 'inbound', 'summary'] as const;
type StepId = (typeof STEP_IDS)[number];

/** Hard cap of the bulk step: the table stays usable in a browser; more via the API or CSV. */
export const MAX_BULK = 500;
const DEFAULT_RULE = 'national';
const DEFAULT_CLASS = 'default';

// ---- helpers shared with the object wizards ----------------------------------------------------

/** The network of an interface's address/prefix (192.168.1.20/24 → 192.168.1.0/24); null for IPv6. */
export function networkOf(cidr: string): string | null {
  const [ip, bitsText] = cidr.split('/');
  const parts = (ip ?? '').split('.').map(Number);
  const bits = Number(bitsText ?? 32);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || !Number.isInteger(bits) || bits < 0 || bits > 32) return null;
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${bits}`;
}

/** Addresses phones register to: the box's IPv4 addresses, then the external (NAT) one. */
export function sipServers(net: NetworkSummary | null, externalAddress?: string | null): { address: string; external: boolean }[] {
  const out = (net?.interfaces ?? []).filter((i) => i.family === 'IPv4').map((i) => ({ address: i.address, external: false }));
  const ext = externalAddress ?? net?.externalAddress;
  if (ext && !out.some((o) => o.address === ext)) out.push({ address: ext, external: true });
  return out;
}

/** Numbers from `first` on, keeping its width (0201 → 0202); empty when `first` is not a number. */
export function numberAt(first: string, i: number): string {
  if (!/^[0-9]+$/.test(first)) return '';
  return String(Number(first) + i).padStart(first.length, '0');
}

/** Feedback on a write: saved; saved but waiting for Asterisk; or saved and refused by Asterisk. */
export function useApplyToast() {
  const { t } = useI18n();
  const { toast } = useFeedback();
  return (r: { apply?: WriteResult['apply'] }, ok: string) => {
    if (r.apply?.error || (r.apply && !r.apply.ok && !r.apply.pending)) toast(t('form.savedNotApplied', { message: r.apply.error?.message ?? '' }), 'error');
    else if (r.apply?.pending) toast(`${ok} ${t('setup.pending')}`, 'info');
    else toast(ok);
  };
}

/** The credentials sheet: one row per phone, with the addresses and port it registers to. */
export function CredentialsTable({ rows, net, externalAddress, sipPort }: { rows: Credential[]; net: NetworkSummary | null; externalAddress?: string | null; sipPort: number }) {
  const { t } = useI18n();
  const servers = sipServers(net, externalAddress);
  return (
    <div className="table-wrap cred-wrap">
      <table className="cred-table" data-testid="credentials-table">
        <caption className="sr-only">{t('setup.summary.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('field.number')}</th>
            <th scope="col">{t('field.name')}</th>
            <th scope="col">{t('setup.summary.sipUser')}</th>
            <th scope="col">{t('setup.summary.sipPassword')}</th>
            <th scope="col">{t('setup.summary.sipServer')}</th>
            <th scope="col">{t('setup.summary.sipPort')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={6} className="empty">
                {t('setup.summary.none')}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.number + '/' + r.username} data-testid={`cred-${r.number}`}>
                <th scope="row" className="mono">
                  {r.number}
                </th>
                <td>{r.name}</td>
                <td className="mono" data-testid="cred-user">
                  {r.username}
                </td>
                <td className="mono" data-testid="cred-password">
                  {r.password}
                </td>
                <td className="mono" data-testid="cred-server">
                  {servers.length === 0
                    ? '—'
                    : servers.map((s) => (
                        <span key={s.address} className="cred-server">
                          {s.address}
                          {s.external ? <span className="muted"> ({t('setup.summary.external')})</span> : null}
                        </span>
                      ))}
                </td>
                <td className="mono" data-testid="cred-port">
                  {sipPort}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

// ---- the wizard --------------------------------------------------------------------------------

interface TrunkDraft {
  name: string;
  type: 'register' | 'ip';
  host: string;
  port: string;
  transport: 'udp' | 'tcp';
  username: string;
  password: string;
  callerId: string;
}
const EMPTY_TRUNK: TrunkDraft = { name: 'provider', type: 'register', host: '', port: '5060', transport: 'udp', username: '', password: '', callerId: '' };

export function trunkDraftOf(item: Item): TrunkDraft {
  return {
    name: String(item.name ?? ''),
    type: item.type === 'ip' ? 'ip' : 'register',
    host: String(item.host ?? ''),
    port: item.port === undefined ? '5060' : String(item.port),
    transport: item.transport === 'tcp' ? 'tcp' : 'udp',
    username: String(item.username ?? ''),
    password: String(item.password ?? ''),
    callerId: String(item.callerId ?? ''),
  };
}

/** The trunk object to send: `base` keeps fields this form does not show (codecs, limits) on PUT. */
export function trunkBody(d: TrunkDraft, base: Item = {}): Item {
  const body: Item = { ...base, name: d.name.trim(), type: d.type, host: d.host.trim(), transport: d.transport };
  body.port = d.port.trim() === '' ? 5060 : Number(d.port);
  for (const k of ['username', 'password', 'callerId'] as const) {
    const v = d[k].trim();
    if (v && (d.type === 'register' || k === 'callerId')) body[k] = v;
    else delete body[k];
  }
  return body;
}

export interface ExtDraft {
  first: string;
  count: string;
  pattern: string;
  /** Per-row edits over the generated values, by row index. */
  edits: Record<number, { number?: string; name?: string; email?: string }>;
  withClass: boolean;
}

export interface Row {
  number: string;
  name: string;
  email: string;
}

export function rowsOf(d: ExtDraft): Row[] {
  const n = Math.max(0, Math.min(MAX_BULK, Math.floor(Number(d.count) || 0)));
  return Array.from({ length: n }, (_, i) => {
    const e = d.edits[i] ?? {};
    const number = e.number ?? numberAt(d.first.trim(), i);
    return { number, name: e.name ?? d.pattern.replace(/\{n\}/g, number).replace(/\{i\}/g, String(i + 1)), email: e.email ?? '' };
  });
}

/** Errors of a bulk request by row: items[3].number → row 3, column number (others → number). */
export function rowErrors(fields: FieldError[]): Map<number, { number?: string; name?: string; email?: string }> {
  const out = new Map<number, { number?: string; name?: string; email?: string }>();
  for (const f of fields) {
    const m = /^items\[(\d+)\](?:\.([A-Za-z]+))?/.exec(f.path);
    if (!m) continue;
    const i = Number(m[1]);
    const col = m[2] === 'name' || m[2] === 'email' ? m[2] : 'number';
    const row = out.get(i) ?? {};
    row[col] = row[col] ? `${row[col]}; ${f.message}` : f.message;
    out.set(i, row);
  }
  return out;
}

export function Setup() {
  const { t } = useI18n();
  const { can } = useSession();
  const steps = useSteps(STEP_IDS.length);
  const [sys, setSys] = useState<SystemSettings | null>(null);
  const [net, setNet] = useState<NetworkSummary | null>(null);
  const [loadError, setLoadError] = useState('');
  const [trunk, setTrunk] = useState<Item | null>(null);
  const [trunkDraft, setTrunkDraft] = useState<TrunkDraft>(EMPTY_TRUNK);
  const [existing, setExisting] = useState<Item[]>([]);
  const [extDraft, setExtDraft] = useState<ExtDraft>({ first: '201', count: '10', pattern: '', edits: {}, withClass: true });
  const [created, setCreated] = useState<Credential[]>([]);
  const [route, setRoute] = useState<Item | null>(null);

  useEffect(() => {
    Promise.all([api.get<SystemSettings>('/system'), api.get<NetworkSummary>('/system/network')]).then(
      ([s, n]) => {
        setSys(s);
        setNet(n);
      },
      (e) => setLoadError(errorText(e)),
    );
    // What an earlier, interrupted run already created: the wizard resumes instead of colliding.
    if (can('trunks', 'read'))
      api.get<ListResult>('/trunks', { limit: 1 }).then((r) => {
        if (r.items[0]) {
          setTrunk(r.items[0]);
          setTrunkDraft(trunkDraftOf(r.items[0]));
        }
      }, () => {});
    if (can('extensions', 'read'))
      api.get<ListResult>('/extensions', { limit: 1000 }).then((r) => {
        setExisting(r.items);
        const max = r.items.map((x) => String(x.number)).filter((n) => /^[0-9]+$/.test(n)).sort((a, b) => Number(a) - Number(b)).pop();
        if (max) setExtDraft((d) => ({ ...d, first: numberAt(max, 1) }));
      }, () => {});
    if (can('routing', 'read')) api.get<ListResult>('/inbound-routes', { limit: 1 }).then((r) => r.items[0] && setRoute(r.items[0]), () => {});
  }, []);

  const labels = STEP_IDS.map((id) => ({ id, label: t(`setup.steps.${id}`) }));
  const id: StepId = STEP_IDS[steps.current]!;
  const nav = { onBack: steps.current > 0 ? steps.back : undefined, next: steps.next, focus: steps.reached > 0 };

  let body;
  if (loadError)
    body = (
      <div className="form-error" role="alert">
        {loadError}
      </div>
    );
  else if (!sys || !net) body = <div aria-busy="true">{t('common.loading')}</div>;
  else
    switch (id) {
      case 'welcome':
        body = <WelcomeStep {...nav} sys={sys} onSaved={setSys} />;
        break;
      case 'password':
        body = <PasswordStep {...nav} />;
        break;
      case 'time':
        body = <TimeStep {...nav} sys={sys} onSaved={setSys} />;
        break;
      case 'network':
        body = <NetworkStep {...nav} sys={sys} net={net} onSaved={setSys} />;
        break;
      case 'trunk':
        body = <TrunkStep {...nav} saved={trunk} draft={trunkDraft} setDraft={setTrunkDraft} onSaved={setTrunk} />;
        break;
      case 'extensions':
        body = <ExtensionsStep {...nav} trunk={trunk} existing={existing} draft={extDraft} setDraft={setExtDraft} created={created} onCreated={setCreated} />;
        break;
      case 'inbound':
        body = <InboundStep {...nav} trunk={trunk} created={created} existing={existing} saved={route} onSaved={setRoute} />;
        break;
      case 'summary':
        body = <SummaryStep onBack={steps.back} sys={sys} net={net} onNet={setNet} created={created} existing={existing} />;
        break;
    }

  return (
    <main id="main" className="setup">
      <section className="page setup-page" aria-labelledby="page-title">
        <header className="setup-head">
          <h1 id="page-title">{t('setup.title')}</h1>
          <p className="muted no-print">{t('setup.intro')}</p>
        </header>
        <Stepper steps={labels} current={steps.current} reached={steps.reached} onSelect={steps.go} label={t('setup.stepper.label')} />
        <div className="setup-body">{body}</div>
      </section>
    </main>
  );
}

interface NavProps {
  onBack?(): void;
  next(): void;
  focus: boolean;
}

// ---- 1. welcome: languages and the box's name --------------------------------------------------

function WelcomeStep({ onBack, next, focus, sys, onSaved }: NavProps & { sys: SystemSettings; onSaved(s: SystemSettings): void }) {
  const { t, lang, setLang } = useI18n();
  const applied = useApplyToast();
  const errors = useApiErrors();
  const [name, setName] = useState(sys.name);
  const [prompts, setPrompts] = useState(sys.language);
  const [promptsTouched, setPromptsTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    errors.clear();
    setBusy(true);
    try {
      if (name.trim() !== sys.name || prompts !== sys.language) {
        const r = await api.patch<WriteResult<SystemSettings>>('/system', { name: name.trim(), language: prompts });
        onSaved(r.item);
        applied(r, t('setup.saved'));
      }
      next();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  const nameErr = errors.at('name');
  const langErr = errors.at('language');
  return (
    <StepPanel testid="setup-step-welcome" title={t('setup.welcome.title')} intro={<p>{t('setup.welcome.intro')}</p>} onSubmit={submit} focus={focus}>
      <StepError message={errors.message} fields={errors.fields} />
      <Field id="setup-gui-lang" label={t('setup.welcome.guiLanguage')} help={t('setup.welcome.guiLanguageHelp')}>
        <select
          {...aria('setup-gui-lang', true, undefined)}
          value={lang}
          onChange={(e) => {
            setLang(e.target.value);
            if (!promptsTouched && (e.target.value === 'en' || e.target.value === 'it')) setPrompts(e.target.value);
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {t(`languages.${l}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="setup-prompt-lang" label={t('setup.welcome.promptLanguage')} help={t('setup.welcome.promptLanguageHelp')} error={langErr}>
        <select
          {...aria('setup-prompt-lang', true, langErr)}
          value={prompts}
          onChange={(e) => {
            setPrompts(e.target.value);
            setPromptsTouched(true);
          }}
        >
          {['en', 'it'].map((l) => (
            <option key={l} value={l}>
              {t(`languages.${l}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="setup-name" label={t('setup.welcome.name')} help={t('setup.welcome.nameHelp')} error={nameErr} required>
        <input {...aria('setup-name', true, nameErr)} type="text" maxLength={64} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <StepNav prefix="setup" onBack={onBack} busy={busy} />
    </StepPanel>
  );
}

// ---- 2. the admin's password (already chosen at the first sign-in) -----------------------------

function PasswordStep({ onBack, next, focus }: NavProps) {
  const { t } = useI18n();
  const { me } = useSession();
  const { toast } = useFeedback();
  const errors = useApiErrors();
  const [current, setCurrent] = useState('');
  const [pw, setPw] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [changed, setChanged] = useState(false);
  const problems = usePasswordProblems(pw, 'admin', me?.name);
  const mismatch = again !== '' && again !== pw;
  const submit = async () => {
    errors.clear();
    if (!current && !pw && !again) return next();
    if (!current) return errors.take(new ApiError(400, 'validation_failed', t('setup.password.fix'), [{ path: 'currentPassword', message: t('setup.password.currentMissing') }]));
    if (!pw || pw !== again) return errors.take(new ApiError(400, 'validation_failed', t('setup.password.fix'), [{ path: 'again', message: t('password.mismatch') }]));
    setBusy(true);
    try {
      await api.post('/auth/password', { currentPassword: current, newPassword: pw });
      toast(t('password.changed'));
      setChanged(true);
      setCurrent('');
      setPw('');
      setAgain('');
      next();
    } catch (err) {
      // The API names no field for a wrong current password; its message says which one.
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  const curErr = errors.at('currentPassword');
  const newErr = errors.at('newPassword');
  const againErr = mismatch ? t('password.mismatch') : errors.at('again');
  return (
    <StepPanel testid="setup-step-password" title={t('setup.password.title')} onSubmit={submit} focus={focus}>
      <p className="ok-text" role="status">
        ✓ {changed ? t('setup.password.changedNow') : t('setup.password.done', { user: me?.name ?? 'admin' })}
      </p>
      <p>{t('setup.password.intro')}</p>
      <StepError message={errors.message} fields={errors.fields} />
      <fieldset className="group">
        <legend>{t('setup.password.again')}</legend>
        <Field id="setup-pw-current" label={t('password.current')} error={curErr}>
          <input {...aria('setup-pw-current', false, curErr)} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field id="setup-pw-new" label={t('password.new')} error={newErr}>
          <SecretInput {...aria('setup-pw-new', false, newErr)} kind="admin" value={pw} onChange={setPw} />
          <PasswordStrength problems={problems} id="setup-pw-problems" />
        </Field>
        <Field id="setup-pw-again" label={t('password.again')} error={againErr}>
          <input {...aria('setup-pw-again', false, againErr)} type="text" className="mono" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
        </Field>
      </fieldset>
      <p className="muted">
        {t('setup.password.later')} <Link to="/users">{t('nav.users')}</Link>, <Link to="/tokens">{t('nav.tokens')}</Link>.
      </p>
      <StepNav prefix="setup" onBack={onBack} onSkip={next} busy={busy} nextDisabled={mismatch || (pw !== '' && (problems?.length ?? 0) > 0)} />
    </StepPanel>
  );
}

// ---- 3. time zone and time servers -------------------------------------------------------------

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function TimeStep({ onBack, next, focus, sys, onSaved }: NavProps & { sys: SystemSettings; onSaved(s: SystemSettings): void }) {
  const { t, lang } = useI18n();
  const applied = useApplyToast();
  const errors = useApiErrors();
  const zones = useMemo(timeZones, []);
  // A fresh box says UTC; the browser's zone is the better guess for where the box stands.
  const [tz, setTz] = useState(sys.timezone === 'UTC' ? browserZone() : sys.timezone);
  const [ntp, setNtp] = useState((sys.ntpServers ?? []).join('\n'));
  const [busy, setBusy] = useState(false);
  const known = zones.length === 0 || zones.includes(tz) || tz === 'UTC';
  let clock = '';
  try {
    clock = new Date().toLocaleString(lang, { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    clock = '';
  }
  const submit = async () => {
    errors.clear();
    if (!known) return errors.take(new ApiError(400, 'validation_failed', t('setup.time.fix'), [{ path: 'timezone', message: t('setup.time.unknownZone') }]));
    setBusy(true);
    try {
      const r = await api.patch<WriteResult<SystemSettings>>('/system', { timezone: tz.trim(), ntpServers: lines(ntp) });
      onSaved(r.item);
      applied(r, t('setup.saved'));
      next();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  const tzErr = errors.at('timezone');
  const ntpErr = errors.at('ntpServers');
  return (
    <StepPanel testid="setup-step-time" title={t('setup.time.title')} intro={<p>{t('setup.time.intro')}</p>} onSubmit={submit} focus={focus}>
      <StepError message={errors.message} fields={errors.fields} />
      <Field id="setup-tz" label={t('setup.time.zone')} help={clock ? t('setup.time.clock', { time: clock }) : t('setup.time.zoneHelp')} error={tzErr} required>
        <input {...aria('setup-tz', true, tzErr)} type="text" list="setup-tz-list" autoComplete="off" spellCheck={false} value={tz} onChange={(e) => setTz(e.target.value)} />
        <datalist id="setup-tz-list">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </Field>
      <Field id="setup-ntp" label={t('setup.time.ntp')} help={t('setup.time.ntpHelp')} error={ntpErr}>
        <textarea {...aria('setup-ntp', true, ntpErr)} className="mono" rows={3} spellCheck={false} value={ntp} onChange={(e) => setNtp(e.target.value)} />
      </Field>
      <StepNav prefix="setup" onBack={onBack} busy={busy} />
    </StepPanel>
  );
}

// ---- 4. network: addresses (read-only), NAT ----------------------------------------------------

function NetworkStep({ onBack, next, focus, sys, net, onSaved }: NavProps & { sys: SystemSettings; net: NetworkSummary; onSaved(s: SystemSettings): void }) {
  const { t } = useI18n();
  const applied = useApplyToast();
  const errors = useApiErrors();
  const [ext, setExt] = useState(sys.externalAddress ?? '');
  const [nets, setNets] = useState((sys.localNets ?? []).join('\n'));
  const [busy, setBusy] = useState(false);
  const boxNets = [...new Set(net.interfaces.filter((i) => i.family === 'IPv4').map((i) => networkOf(i.cidr)).filter((n): n is string => !!n))];
  const changeExt = (v: string) => {
    // With NAT, Asterisk must know which networks are reached directly: the box's own ones.
    if (!ext && v && nets.trim() === '') setNets(boxNets.join('\n'));
    setExt(v);
  };
  const submit = async () => {
    errors.clear();
    setBusy(true);
    try {
      const r = await api.patch<WriteResult<SystemSettings>>('/system', { externalAddress: ext.trim() === '' ? null : ext.trim(), localNets: lines(nets) });
      onSaved(r.item);
      applied(r, t('setup.saved'));
      next();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  const extErr = errors.at('externalAddress');
  const netsErr = errors.at('localNets');
  return (
    <StepPanel testid="setup-step-network" title={t('setup.network.title')} intro={<p>{t('setup.network.intro')}</p>} onSubmit={submit} focus={focus}>
      <StepError message={errors.message} fields={errors.fields} />
      <p>
        {t('setup.network.hostname')}: <span className="mono">{net.hostname}</span>
      </p>
      <div className="table-wrap">
        <table data-testid="setup-interfaces">
          <caption className="sr-only">{t('setup.network.interfaces')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('setup.network.interface')}</th>
              <th scope="col">{t('setup.network.address')}</th>
              <th scope="col">{t('setup.network.mac')}</th>
            </tr>
          </thead>
          <tbody>
            {net.interfaces.length === 0 ? (
              <tr>
                <td colSpan={3} className="empty">
                  {t('setup.network.noInterfaces')}
                </td>
              </tr>
            ) : (
              net.interfaces.map((i) => (
                <tr key={i.name + i.cidr}>
                  <td className="mono">{i.name}</td>
                  <td className="mono">{i.cidr}</td>
                  <td className="mono">{i.mac}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Field id="setup-ext-addr" label={t('setup.network.external')} help={t('setup.network.externalHelp')} error={extErr}>
        <input {...aria('setup-ext-addr', true, extErr)} type="text" autoComplete="off" spellCheck={false} className="mono" value={ext} onChange={(e) => changeExt(e.target.value)} />
      </Field>
      <Field id="setup-localnets" label={t('setup.network.localNets')} help={t('setup.network.localNetsHelp')} error={netsErr}>
        <textarea {...aria('setup-localnets', true, netsErr)} className="mono" rows={3} spellCheck={false} value={nets} onChange={(e) => setNets(e.target.value)} />
      </Field>
      {boxNets.length ? (
        <button type="button" className="no-print" onClick={() => setNets([...new Set([...lines(nets), ...boxNets])].join('\n'))}>
          {t('setup.network.addBoxNets')}
        </button>
      ) : null}
      <StepNav prefix="setup" onBack={onBack} busy={busy} />
    </StepPanel>
  );
}

// ---- 5. the first trunk ------------------------------------------------------------------------

/** The fields of a trunk (generic provider template); shared with the trunk wizard. */
export function TrunkFields({ draft, setDraft, at, nameLocked, disabled, idPrefix }: { draft: TrunkDraft; setDraft(d: TrunkDraft): void; at(path: string): string; nameLocked: boolean; disabled?: boolean; idPrefix: string }) {
  const { t } = useI18n();
  const set = <K extends keyof TrunkDraft>(k: K, v: TrunkDraft[K]) => setDraft({ ...draft, [k]: v });
  const f = (k: string) => `${idPrefix}-${k}`;
  const e = (k: string) => at(k);
  return (
    <>
      <Field id={f('name')} label={t('setup.trunk.name')} help={nameLocked ? t('setup.trunk.nameLocked') : t('setup.trunk.nameHelp')} error={e('name')} required>
        <input {...aria(f('name'), true, e('name'))} type="text" className="mono" autoComplete="off" spellCheck={false} readOnly={nameLocked} disabled={disabled} value={draft.name} onChange={(ev) => set('name', ev.target.value)} />
      </Field>
      <fieldset className="group inline" disabled={disabled}>
        <legend>{t('setup.trunk.type')}</legend>
        {(['register', 'ip'] as const).map((ty) => (
          <label key={ty} className="check">
            <input type="radio" name={f('type')} value={ty} checked={draft.type === ty} onChange={() => set('type', ty)} />
            {t(`setup.trunk.type_${ty}`)}
          </label>
        ))}
        {e('type') ? (
          <div className="field-error" role="alert">
            {e('type')}
          </div>
        ) : null}
      </fieldset>
      <Field id={f('host')} label={t('setup.trunk.host')} help={t('setup.trunk.hostHelp')} error={e('host')} required>
        <input {...aria(f('host'), true, e('host'))} type="text" className="mono" autoComplete="off" spellCheck={false} disabled={disabled} value={draft.host} onChange={(ev) => set('host', ev.target.value)} />
      </Field>
      <div className="field-row">
        <Field id={f('port')} label={t('setup.trunk.port')} error={e('port')}>
          <input {...aria(f('port'), false, e('port'))} type="number" inputMode="numeric" min={1} max={65535} disabled={disabled} value={draft.port} onChange={(ev) => set('port', ev.target.value)} />
        </Field>
        <Field id={f('transport')} label={t('setup.trunk.transport')} error={e('transport')}>
          <select {...aria(f('transport'), false, e('transport'))} disabled={disabled} value={draft.transport} onChange={(ev) => set('transport', ev.target.value as TrunkDraft['transport'])}>
            <option value="udp">UDP</option>
            <option value="tcp">TCP</option>
          </select>
        </Field>
      </div>
      {draft.type === 'register' ? (
        <>
          <Field id={f('username')} label={t('setup.trunk.username')} error={e('username')} required>
            <input {...aria(f('username'), false, e('username'))} type="text" className="mono" autoComplete="off" spellCheck={false} disabled={disabled} value={draft.username} onChange={(ev) => set('username', ev.target.value)} />
          </Field>
          <Field id={f('password')} label={t('setup.trunk.password')} help={t('setup.trunk.passwordHelp')} error={e('password')} required>
            <input {...aria(f('password'), true, e('password'))} type="text" className="mono" autoComplete="off" spellCheck={false} disabled={disabled} value={draft.password} onChange={(ev) => set('password', ev.target.value)} />
          </Field>
        </>
      ) : (
        <p className="help">{t('setup.trunk.ipHelp')}</p>
      )}
      <Field id={f('callerId')} label={t('setup.trunk.callerId')} help={t('setup.trunk.callerIdHelp')} error={e('callerId')}>
        <input {...aria(f('callerId'), true, e('callerId'))} type="tel" className="mono" autoComplete="off" disabled={disabled} value={draft.callerId} onChange={(ev) => set('callerId', ev.target.value)} />
      </Field>
    </>
  );
}

/** POST a new trunk, or PUT the one created before (the user came back to the step). */
export async function saveTrunk(draft: TrunkDraft, saved: Item | null): Promise<WriteResult> {
  if (saved) return api.put<WriteResult>(`/trunks/${encodeURIComponent(String(saved.name))}`, trunkBody({ ...draft, name: String(saved.name) }, saved));
  return api.post<WriteResult>('/trunks', trunkBody(draft));
}

function TrunkStep({ onBack, next, focus, saved, draft, setDraft, onSaved }: NavProps & { saved: Item | null; draft: TrunkDraft; setDraft(d: TrunkDraft): void; onSaved(t: Item): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const applied = useApplyToast();
  const errors = useApiErrors();
  const [busy, setBusy] = useState(false);
  const writable = can('trunks', 'write');
  const submit = async () => {
    errors.clear();
    if (!writable) return next();
    setBusy(true);
    try {
      const r = await saveTrunk(draft, saved);
      onSaved(r.item);
      applied(r, t('setup.trunk.saved', { name: String(r.item.name) }));
      next();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <StepPanel testid="setup-step-trunk" title={t('setup.trunk.title')} intro={<p>{t('setup.trunk.intro')}</p>} onSubmit={submit} focus={focus}>
      {saved ? (
        <p className="ok-text" role="status">
          ✓ {t('setup.trunk.exists', { name: String(saved.name) })}
        </p>
      ) : null}
      {!writable ? <p className="muted">{t('setup.notPermitted')}</p> : null}
      <StepError message={errors.message} fields={errors.fields} />
      <TrunkFields draft={draft} setDraft={setDraft} at={errors.at} nameLocked={!!saved} disabled={!writable || busy} idPrefix="setup-trunk" />
      <StepNav prefix="setup" onBack={onBack} onSkip={next} busy={busy} nextDisabled={!writable} />
    </StepPanel>
  );
}

// ---- 6. numbering plan and extensions (one bulk request) ---------------------------------------

/**
 * The outbound rule "national" (X. through the trunk) and the class "default" allowing it:
 * reused when they exist (a second run of the wizard), so this can be repeated safely.
 */
export async function ensureDefaultClass(trunkName: string): Promise<string> {
  const exists = async (path: string) => {
    try {
      return await api.get<Item>(path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  };
  if (!(await exists(`/outbound-rules/${DEFAULT_RULE}`))) await api.post('/outbound-rules', { name: DEFAULT_RULE, patterns: ['X.'], trunks: [trunkName] });
  const cls = await exists(`/calling-classes/${DEFAULT_CLASS}`);
  if (!cls) await api.post('/calling-classes', { name: DEFAULT_CLASS, rules: [DEFAULT_RULE] });
  else if (!((cls.rules as string[] | undefined) ?? []).includes(DEFAULT_RULE)) await api.patch(`/calling-classes/${DEFAULT_CLASS}`, { rules: [...((cls.rules as string[]) ?? []), DEFAULT_RULE] });
  return DEFAULT_CLASS;
}

export function ExtensionsStep({
  onBack,
  next,
  focus,
  trunk,
  existing,
  draft,
  setDraft,
  created,
  onCreated,
}: NavProps & { trunk: Item | null; existing: Item[]; draft: ExtDraft; setDraft(d: ExtDraft | ((d: ExtDraft) => ExtDraft)): void; created: Credential[]; onCreated(c: Credential[]): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const applied = useApplyToast();
  const errors = useApiErrors();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState('');
  const pattern = draft.pattern || t('setup.extensions.defaultPattern');
  const rows = rowsOf({ ...draft, pattern });
  const byRow = rowErrors(errors.fields);
  const writable = can('extensions', 'write');
  const classOffered = !!trunk && can('routing', 'write');
  const count = Number(draft.count);
  const countErr = errors.at('count') || (draft.count !== '' && (!Number.isInteger(count) || count < 1 || count > MAX_BULK) ? t('setup.extensions.countRange', { max: MAX_BULK }) : '');
  const firstErr = errors.at('first');

  const edit = (i: number, k: keyof Row, v: string) => setDraft((d) => ({ ...d, edits: { ...d.edits, [i]: { ...d.edits[i], [k]: v } } }));
  const setFirst = (v: string) =>
    // A new first number renumbers every row; typed names and e-mails stay.
    setDraft((d) => ({ ...d, first: v, edits: Object.fromEntries(Object.entries(d.edits).map(([i, e]) => [i, { ...e, number: undefined }])) }));

  const submit = async () => {
    errors.clear();
    if (created.length > 0 || !writable) return next();
    if (!/^[0-9]{2,8}$/.test(draft.first.trim())) return errors.take(new ApiError(400, 'validation_failed', t('setup.extensions.fix'), [{ path: 'first', message: t('setup.extensions.firstInvalid') }]));
    if (!Number.isInteger(count) || count < 1 || count > MAX_BULK) return errors.take(new ApiError(400, 'validation_failed', t('setup.extensions.fix'), [{ path: 'count', message: t('setup.extensions.countRange', { max: MAX_BULK }) }]));
    setBusy(true);
    try {
      let cls: string | undefined;
      if (classOffered && draft.withClass) {
        setProgress(t('setup.extensions.progressClass'));
        cls = await ensureDefaultClass(String(trunk!.name));
      }
      setProgress(t('setup.extensions.progressPasswords'));
      const pw = await api.get<{ password: string; passwords?: string[] }>('/passwords/generate', { kind: 'sip', count: rows.length });
      const passwords = pw.passwords ?? [pw.password];
      setProgress(t('setup.extensions.progress', { n: rows.length }));
      const items = rows.map((r, i) => ({
        number: r.number.trim(),
        name: r.name.trim(),
        ...(r.email.trim() ? { email: r.email.trim() } : {}),
        ...(cls ? { class: cls } : {}),
        devices: [{ username: r.number.trim(), password: passwords[i]! }],
      }));
      const res = await api.post<{ items: Item[]; apply?: WriteResult['apply'] }>('/extensions/bulk', { items });
      const creds = items.map((x) => ({ number: x.number, name: x.name, username: x.devices[0]!.username, password: x.devices[0]!.password }));
      onCreated(creds);
      applied(res, t('setup.extensions.created', { n: creds.length }));
      next();
    } catch (err) {
      errors.take(err);
      const first = err instanceof ApiError ? rowErrors(err.fields) : new Map();
      const [row, cols] = [...first.entries()].sort((a, b) => a[0] - b[0])[0] ?? [];
      if (row !== undefined) {
        const col = cols?.name ? 'name' : cols?.email ? 'email' : 'number';
        setTimeout(() => document.getElementById(`setup-row-${row}-${col}`)?.focus(), 0);
      }
    } finally {
      setBusy(false);
      setProgress('');
    }
  };

  if (created.length > 0)
    return (
      <StepPanel testid="setup-step-extensions" title={t('setup.extensions.title')} onSubmit={submit} focus={focus}>
        <p className="ok-text" role="status">
          ✓ {t('setup.extensions.done', { n: created.length, first: created[0]!.number, last: created[created.length - 1]!.number })}
        </p>
        <p className="muted">{t('setup.extensions.doneHelp')}</p>
        <StepNav prefix="setup" onBack={onBack} />
      </StepPanel>
    );

  return (
    <StepPanel testid="setup-step-extensions" title={t('setup.extensions.title')} intro={<p>{t('setup.extensions.intro')}</p>} onSubmit={submit} focus={focus}>
      {existing.length ? <p className="muted">{t('setup.extensions.existing', { n: existing.length })}</p> : null}
      {!writable ? <p className="muted">{t('setup.notPermitted')}</p> : null}
      <StepError message={errors.message} fields={errors.fields.map((f) => ({ ...f, path: f.path.replace(/^items\[(\d+)\]/, (_, i: string) => t('setup.extensions.rowRef', { n: Number(i) + 1 })) }))} />
      <div className="field-row">
        <Field id="setup-first" label={t('setup.extensions.first')} help={t('setup.extensions.firstHelp')} error={firstErr} required>
          <input {...aria('setup-first', true, firstErr)} type="text" inputMode="numeric" className="mono" autoComplete="off" disabled={busy} value={draft.first} onChange={(e) => setFirst(e.target.value)} />
        </Field>
        <Field id="setup-count" label={t('setup.extensions.count')} help={t('setup.extensions.countHelp', { max: MAX_BULK })} error={countErr} required>
          <input {...aria('setup-count', true, countErr)} type="number" inputMode="numeric" min={1} max={MAX_BULK} disabled={busy} value={draft.count} onChange={(e) => setDraft((d) => ({ ...d, count: e.target.value }))} />
        </Field>
      </div>
      <Field id="setup-pattern" label={t('setup.extensions.pattern')} help={t('setup.extensions.patternHelp')}>
        <input {...aria('setup-pattern', true, undefined)} type="text" autoComplete="off" disabled={busy} value={pattern} onChange={(e) => setDraft((d) => ({ ...d, pattern: e.target.value }))} />
      </Field>
      {classOffered ? (
        <div className="field check-field">
          <label className="check" htmlFor="setup-with-class">
            <input id="setup-with-class" type="checkbox" disabled={busy} checked={draft.withClass} aria-describedby="setup-with-class-help" onChange={(e) => setDraft((d) => ({ ...d, withClass: e.target.checked }))} />
            {t('setup.extensions.withClass')}
          </label>
          <div className="help" id="setup-with-class-help">
            {t('setup.extensions.withClassHelp', { trunk: String(trunk!.name), rule: DEFAULT_RULE, cls: DEFAULT_CLASS })}
          </div>
        </div>
      ) : (
        <p className="help">{t('setup.extensions.noClass')}</p>
      )}
      <p className="help">{t('setup.extensions.devicesHelp')}</p>
      {busy ? (
        <div className="bulk-progress" role="status" data-testid="bulk-progress">
          <progress aria-label={progress} />
          <span>{progress}</span>
        </div>
      ) : null}
      <div className="table-wrap ext-rows">
        <table data-testid="setup-ext-rows">
          <caption className="sr-only">{t('setup.extensions.rowsCaption', { n: rows.length })}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('field.number')}</th>
              <th scope="col">{t('field.name')}</th>
              <th scope="col">
                {t('field.email')} <span className="muted">({t('setup.optional')})</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const err = byRow.get(i) ?? {};
              const cell = (k: keyof Row, type: string, label: string) => {
                const id = `setup-row-${i}-${k}`;
                const msg = err[k];
                return (
                  <td>
                    <input
                      id={id}
                      type={type}
                      className={k === 'number' ? 'mono' : undefined}
                      aria-label={label}
                      aria-invalid={msg ? true : undefined}
                      aria-describedby={msg ? `${id}-err` : undefined}
                      autoComplete="off"
                      disabled={busy}
                      value={r[k]}
                      onChange={(e) => edit(i, k, e.target.value)}
                    />
                    {msg ? (
                      <div className="field-error" id={`${id}-err`} data-testid="row-error">
                        {msg}
                      </div>
                    ) : null}
                  </td>
                );
              };
              return (
                <tr key={i} data-testid={`ext-row-${i + 1}`} className={byRow.has(i) ? 'invalid' : undefined}>
                  <td className="muted">{i + 1}</td>
                  {cell('number', 'text', t('setup.extensions.rowNumber', { n: i + 1 }))}
                  {cell('name', 'text', t('setup.extensions.rowName', { n: i + 1 }))}
                  {cell('email', 'email', t('setup.extensions.rowEmail', { n: i + 1 }))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <StepNav prefix="setup" onBack={onBack} busy={busy} nextLabel={writable ? t('setup.extensions.create', { n: rows.length }) : undefined} />
    </StepPanel>
  );
}

// ---- 7. the main number's inbound route --------------------------------------------------------

function InboundStep({ onBack, next, focus, trunk, created, existing, saved, onSaved }: NavProps & { trunk: Item | null; created: Credential[]; existing: Item[]; saved: Item | null; onSaved(r: Item): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const applied = useApplyToast();
  const errors = useApiErrors();
  const options = useMemo(() => {
    const m = new Map<string, string>();
    for (const c of created) m.set(c.number, c.name);
    for (const x of existing) if (!m.has(String(x.number))) m.set(String(x.number), String(x.name ?? ''));
    return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }));
  }, [created, existing]);
  const savedDest = (saved?.destination as { extension?: string } | undefined)?.extension;
  const [did, setDid] = useState(saved ? String(saved.did) : String(trunk?.callerId ?? ''));
  const [dest, setDest] = useState(savedDest ?? options[0]?.[0] ?? '');
  const [busy, setBusy] = useState(false);
  const writable = can('routing', 'write');
  const submit = async () => {
    errors.clear();
    if (!writable) return next();
    setBusy(true);
    try {
      const body = { did: did.trim(), destination: { extension: dest } };
      const r = saved ? await api.put<WriteResult>(`/inbound-routes/${encodeURIComponent(String(saved.did))}`, { ...body, did: String(saved.did) }) : await api.post<WriteResult>('/inbound-routes', body);
      onSaved(r.item);
      applied(r, t('setup.inbound.saved', { did: String(r.item.did) }));
      next();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  const didErr = errors.at('did');
  const destErr = errors.at('destination');
  return (
    <StepPanel testid="setup-step-inbound" title={t('setup.inbound.title')} intro={<p>{t('setup.inbound.intro')}</p>} onSubmit={submit} focus={focus}>
      {saved ? (
        <p className="ok-text" role="status">
          ✓ {t('setup.inbound.exists', { did: String(saved.did) })}
        </p>
      ) : null}
      {!writable ? <p className="muted">{t('setup.notPermitted')}</p> : null}
      <StepError message={errors.message} fields={errors.fields} />
      <Field id="setup-did" label={t('setup.inbound.did')} help={saved ? t('setup.inbound.didLocked') : t('setup.inbound.didHelp')} error={didErr} required>
        <input {...aria('setup-did', true, didErr)} type="text" className="mono" autoComplete="off" spellCheck={false} readOnly={!!saved} disabled={busy || !writable} value={did} onChange={(e) => setDid(e.target.value)} />
      </Field>
      {options.length ? (
        <Field id="setup-dest" label={t('setup.inbound.destination')} help={t('setup.inbound.destinationHelp')} error={destErr} required>
          <select {...aria('setup-dest', true, destErr)} disabled={busy || !writable} value={dest} onChange={(e) => setDest(e.target.value)}>
            {options.map(([n, name]) => (
              <option key={n} value={n}>
                {n} {name}
              </option>
            ))}
          </select>
        </Field>
      ) : (
        <p className="muted">{t('setup.inbound.noExtensions')}</p>
      )}
      <StepNav prefix="setup" onBack={onBack} onSkip={next} busy={busy} nextDisabled={!writable || !options.length} />
    </StepPanel>
  );
}

// ---- 8. summary: the credentials sheet (printable) ---------------------------------------------

/** Leaves the wizard for the dashboard with a fresh load, so the app re-reads "setup completed". */
function leaveSetup() {
  window.location.assign('/');
}

function SummaryStep({ onBack, sys, net, onNet, created, existing }: { onBack(): void; sys: SystemSettings; net: NetworkSummary; onNet(n: NetworkSummary): void; created: Credential[]; existing: Item[] }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const errors = useApiErrors();
  const [busy, setBusy] = useState(false);
  const [rows, setRows] = useState<Credential[]>(created);
  useEffect(() => {
    // The external address may have changed in this run; the sheet shows what phones need now.
    api.get<NetworkSummary>('/system/network').then(onNet, () => {});
    if (created.length) return;
    // Nothing created in this run (resumed, or extensions made elsewhere): the box's own list.
    const fromItems = (items: Item[]) =>
      items.flatMap((x) => ((x.devices as { username: string; password: string }[] | undefined) ?? []).map((d) => ({ number: String(x.number), name: String(x.name ?? ''), username: d.username, password: d.password })));
    if (existing.length) setRows(fromItems(existing));
    api.get<ListResult>('/extensions', { limit: 1000 }).then((r) => setRows(fromItems(r.items)), () => {});
  }, []);
  const finish = async () => {
    errors.clear();
    setBusy(true);
    try {
      await api.post('/setup/complete');
      toast(t('setup.summary.completed'));
      leaveSetup();
    } catch (err) {
      errors.take(err);
      setBusy(false);
    }
  };
  const urls = net.provisioningUrls;
  return (
    <StepPanel testid="setup-step-summary" title={t('setup.summary.title')} onSubmit={finish}>
      <div data-testid="setup-summary" className="setup-summary">
        <p className="print-only">
          {sys.name} — {new Date().toLocaleString()}
        </p>
        <div className="warning" role="note">
          {t('setup.summary.warning')}
        </div>
        <CredentialsTable rows={rows} net={net} externalAddress={sys.externalAddress ?? null} sipPort={net.sipPort || sys.sipPort} />
        <h3>{t('setup.summary.provisioning')}</h3>
        {urls.length ? (
          <ul className="mono" data-testid="provisioning-urls">
            {urls.map((u) => (
              <li key={u}>{u}</li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('setup.summary.noUrls')}</p>
        )}
        <p>{t('setup.summary.dhcp', { url: urls[0] ?? '' })}</p>
      </div>
      <StepError message={errors.message} fields={errors.fields} />
      <div className="form-actions step-nav no-print">
        <button type="button" data-testid="setup-back" disabled={busy} onClick={onBack}>
          {t('common.back')}
        </button>
        <span className="spacer" />
        <button type="button" data-testid="setup-print" onClick={() => window.print()}>
          {t('common.print')}
        </button>
        <button type="submit" className="primary" data-testid="setup-finish" disabled={busy} aria-busy={busy || undefined}>
          {busy ? t('common.saving') : t('setup.summary.finish')}
        </button>
      </div>
    </StepPanel>
  );
}
