// The privacy officer's page: the key's state, setting or changing the key (a passphrase the box
// turns into a key pair, or the public half of a key kept elsewhere), unlocking for this session
// (numbers whole, recordings playable) and locking again, the re-encryption of stored data after
// a key change, the recordings with a player while unlocked, and the download of the private key
// (encrypted with its passphrase, for gpg). The private key never leaves the box in clear.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorText, url } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { secondsText, whenText } from './ServicesPanels.tsx';
import { recording } from './ServicesPages.tsx';
import './Cdr.css';

type Item = Record<string, unknown>;

export interface PrivacyState {
  keySet: boolean;
  fingerprint?: string;
  /** passphrase | publicKey */
  kind?: string;
  created?: string;
  createdBy?: string;
  unlocked: boolean;
  idleLockMinutes?: number;
  progress?: { done: number; total: number; failed: number; state: 'running' | 'waiting' | 'done'; running: boolean; needsKey?: string; error?: string };
}

/** GET /privacy (src/domain/privacy.ts privacyStatusSchema) as the page shows it. */
export function privacyState(r: unknown): PrivacyState {
  const p = (r ?? {}) as Item;
  const key = (p.key && typeof p.key === 'object' ? p.key : undefined) as Item | undefined;
  const job = (p.reencryption && typeof p.reencryption === 'object' ? p.reencryption : undefined) as Item | undefined;
  const state = job?.state === 'running' || job?.state === 'waiting' ? job.state : 'done';
  return {
    keySet: !!key,
    ...(key ? { fingerprint: String(key.fingerprint ?? ''), kind: String(key.mode ?? ''), created: String(key.createdAt ?? ''), createdBy: String(key.createdBy ?? '') } : {}),
    unlocked: p.unlocked === true,
    ...(typeof p.idleLockMinutes === 'number' ? { idleLockMinutes: p.idleLockMinutes } : {}),
    ...(job
      ? {
          progress: {
            done: Number(job.done ?? 0),
            total: Number(job.total ?? 0),
            failed: Number(job.failed ?? 0),
            state,
            running: state === 'running',
            ...(typeof job.needsKey === 'string' ? { needsKey: job.needsKey } : {}),
            ...(typeof job.error === 'string' ? { error: job.error } : {}),
          },
        }
      : {}),
  };
}

/** The box's own minimum (src/domain/privacy.ts PRIVACY_PASSPHRASE_MIN). */
export const PASSPHRASE_MIN = 12;

/**
 * A rough strength of a passphrase in bits (length times the alphabet it draws from, words count
 * for their length): the meter's guide, not a rule. The box checks what it accepts.
 */
export function passphraseBits(s: string): number {
  if (!s) return 0;
  let alphabet = 0;
  if (/[a-z]/.test(s)) alphabet += 26;
  if (/[A-Z]/.test(s)) alphabet += 26;
  if (/[0-9]/.test(s)) alphabet += 10;
  if (/[^A-Za-z0-9]/.test(s)) alphabet += 33;
  const distinct = new Set(s).size;
  // Repeats ("aaaaaaaa") add little: count the distinct characters more than the length.
  const effective = Math.min(s.length, distinct * 2);
  return Math.round(effective * Math.log2(Math.max(alphabet, 2)));
}
/** A fingerprint in groups of four, as gpg prints it (easier to compare by eye). */
export function fingerprintText(fp: string): string {
  return fp.toUpperCase().replace(/(.{4})(?=.)/g, '$1 ');
}

export function strengthLevel(bits: number): 'weak' | 'fair' | 'strong' {
  return bits < 45 ? 'weak' : bits < 80 ? 'fair' : 'strong';
}

export function Privacy() {
  const { t } = useI18n();
  const { can } = useSession();
  const writable = can('privacy', 'write');
  const [state, setState] = useState<PrivacyState | null>(null);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  const reload = () => setRound((n) => n + 1);
  useEffect(() => {
    let live = true;
    api.get('/privacy').then(
      (r) => {
        if (!live) return;
        setState(privacyState(r));
        setError('');
      },
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [round]);
  // While data is being re-encrypted the bar follows it.
  const running = !!state?.progress?.running;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [running]);
  return (
    <section className="page privacy-page" aria-labelledby="page-title" data-testid="privacy-page">
      <h1 id="page-title">{t('cdr.privacy.title')}</h1>
      <p className="muted">{t('cdr.privacy.intro')}</p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      {state ? (
        <>
          <StateCards state={state} />
          {state.progress && (state.progress.state !== 'done' || state.progress.failed > 0) ? <Progress p={state.progress} /> : null}
          {state.keySet ? <UnlockPanel state={state} onChange={reload} /> : null}
          {writable ? <KeyPanel state={state} onChange={reload} /> : null}
          {state.keySet && state.kind === 'passphrase' && writable ? <PrivateKeyDownload /> : null}
          {can('recordings', 'read') ? <PrivacyRecordings unlocked={state.unlocked} /> : null}
        </>
      ) : !error ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

function StateCards({ state }: { state: PrivacyState }) {
  const { t, has } = useI18n();
  const lock = !state.keySet ? 'none' : state.unlocked ? 'unlocked' : 'locked';
  return (
    <div className="cards privacy-cards">
      <div className="card" data-testid="privacy-state" data-state={lock} role="status">
        <div className="label">{t('cdr.privacy.stateLabel')}</div>
        <div className="value">
          <span className={`badge ${lock === 'unlocked' ? 'good' : lock === 'locked' ? 'busy' : 'bad'}`}>{t(`cdr.privacy.state.${lock}`)}</span>
        </div>
        <div className="small muted">{t(`cdr.privacy.stateHelp.${lock}`)}</div>
      </div>
      <div className="card" data-testid="privacy-key">
        <div className="label">{t('cdr.privacy.keyLabel')}</div>
        <div className="value">{state.keySet ? (state.kind && has(`cdr.privacy.kind.${state.kind}`) ? t(`cdr.privacy.kind.${state.kind}`) : t('cdr.privacy.keySet')) : t('cdr.privacy.noKey')}</div>
        {state.fingerprint ? (
          <div className="small mono fingerprint" title={t('cdr.privacy.fingerprint')} data-testid="privacy-fingerprint">
            <span className="sr-only">{t('cdr.privacy.fingerprint')}: </span>
            {fingerprintText(state.fingerprint)}
          </div>
        ) : null}
        {state.created ? <div className="small muted">{t('cdr.privacy.created', { when: whenText(state.created), by: state.createdBy || '—' })}</div> : null}
      </div>
    </div>
  );
}

function Progress({ p }: { p: NonNullable<PrivacyState['progress']> }) {
  const { t } = useI18n();
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const text =
    p.state === 'running' ? t('cdr.privacy.reencRunning', { done: p.done, total: p.total, pct }) : p.state === 'waiting' ? t('cdr.privacy.reencWaiting', { done: p.done, total: p.total, key: p.needsKey ?? '—' }) : t('cdr.privacy.reencDone', { total: p.total });
  return (
    <section className="privacy-panel" aria-labelledby="reenc-title" data-testid="privacy-progress">
      <h2 id="reenc-title">{t('cdr.privacy.reencTitle')}</h2>
      <div className="privacy-progress">
        <progress max={Math.max(p.total, 1)} value={p.done} aria-labelledby="reenc-title" aria-valuetext={t('cdr.privacy.reencOf', { done: p.done, total: p.total })} />
        <span role="status" data-testid="privacy-progress-text">
          {text}
        </span>
      </div>
      {p.failed > 0 ? <p className="field-error">{t('cdr.privacy.reencFailed', { n: p.failed })}</p> : null}
      {p.error ? <p className="field-error">{p.error}</p> : null}
      <p className="help">{t('cdr.privacy.reencHelp')}</p>
    </section>
  );
}

function UnlockPanel({ state, onChange }: { state: PrivacyState; onChange(): void }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const [mode, setMode] = useState<'passphrase' | 'privateKey'>(state.kind === 'publicKey' ? 'privateKey' : 'passphrase');
  const [passphrase, setPassphrase] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (mode === 'passphrase' && !passphrase) return setError(t('cdr.privacy.needPassphrase'));
    if (mode === 'privateKey' && !privateKey.trim()) return setError(t('cdr.privacy.needPrivateKey'));
    setBusy(true);
    try {
      await api.post('/privacy/unlock', mode === 'passphrase' ? { passphrase } : { privateKey: privateKey.trim(), ...(passphrase ? { passphrase } : {}) });
      setPassphrase('');
      setPrivateKey('');
      toast(t('cdr.privacy.unlockedToast'));
      onChange();
    } catch (err) {
      setError(t('cdr.privacy.unlockFailed', { message: errorText(err) }));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  const lock = async () => {
    setBusy(true);
    try {
      await api.post('/privacy/lock');
      toast(t('cdr.privacy.lockedToast'));
      onChange();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  if (state.unlocked)
    return (
      <section className="privacy-panel" aria-labelledby="lock-title">
        <h2 id="lock-title">{t('cdr.privacy.lockTitle')}</h2>
        <p className="help">{t('cdr.privacy.lockHelp')}</p>
        <button type="button" onClick={() => void lock()} disabled={busy} aria-busy={busy || undefined} data-testid="privacy-lock">
          {t('cdr.privacy.lock')}
        </button>
      </section>
    );
  return (
    <section className="privacy-panel" aria-labelledby="unlock-title">
      <h2 id="unlock-title">{t('cdr.privacy.unlockTitle')}</h2>
      <p className="help">{t('cdr.privacy.unlockHelp')}</p>
      <form onSubmit={unlock} noValidate data-testid="privacy-unlock-form">
        <fieldset className="key-choice">
          <legend>{t('cdr.privacy.unlockWith')}</legend>
          <label className="check">
            <input type="radio" name="unlock-mode" checked={mode === 'passphrase'} onChange={() => setMode('passphrase')} />
            {t('cdr.privacy.withPassphrase')}
          </label>
          <label className="check">
            <input type="radio" name="unlock-mode" checked={mode === 'privateKey'} onChange={() => setMode('privateKey')} />
            {t('cdr.privacy.withPrivateKey')}
          </label>
        </fieldset>
        {mode === 'privateKey' ? (
          <div className="field">
            <label htmlFor="unlock-private">{t('cdr.privacy.privateKey')}</label>
            <textarea id="unlock-private" spellCheck={false} autoComplete="off" value={privateKey} onChange={(e) => setPrivateKey(e.target.value)} aria-describedby="unlock-private-help" data-testid="privacy-unlock-key" />
            <div className="help" id="unlock-private-help">
              {t('cdr.privacy.privateKeyHelp')}
            </div>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="unlock-passphrase">{mode === 'passphrase' ? t('cdr.privacy.passphrase') : t('cdr.privacy.keyPassphrase')}</label>
          <input
            ref={input}
            id="unlock-passphrase"
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'unlock-error' : undefined}
            data-testid="privacy-unlock-passphrase"
          />
        </div>
        {error ? (
          <p className="field-error" id="unlock-error" role="alert" data-testid="privacy-unlock-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy} aria-busy={busy || undefined} data-testid="privacy-unlock">
          {busy ? t('cdr.privacy.unlocking') : t('cdr.privacy.unlock')}
        </button>
      </form>
    </section>
  );
}

function StrengthMeter({ value, id }: { value: string; id: string }) {
  const { t } = useI18n();
  if (!value) return null;
  const bits = passphraseBits(value);
  const level = strengthLevel(bits);
  return (
    <div className="strength" id={id} aria-live="polite">
      <meter min={0} max={120} low={45} high={80} optimum={120} value={Math.min(bits, 120)} aria-label={t('cdr.privacy.strength')} />
      <span className={level === 'strong' ? 'ok-text' : level === 'weak' ? 'field-error' : 'muted'} data-testid="privacy-strength">
        {t(`cdr.privacy.strengthLevel.${level}`)}
      </span>
    </div>
  );
}

function KeyPanel({ state, onChange }: { state: PrivacyState; onChange(): void }) {
  const { t } = useI18n();
  const { toast, confirm } = useFeedback();
  const [open, setOpen] = useState(!state.keySet);
  const [mode, setMode] = useState<'passphrase' | 'publicKey'>('passphrase');
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (mode === 'passphrase') {
      if (passphrase.length < PASSPHRASE_MIN) return setError(t('cdr.privacy.tooShort', { n: PASSPHRASE_MIN }));
      if (passphrase !== again) return setError(t('cdr.privacy.mismatch'));
    } else if (!/BEGIN PGP PUBLIC KEY BLOCK/.test(publicKey)) return setError(t('cdr.privacy.notPublicKey'));
    if (state.keySet && !(await confirm(t('cdr.privacy.confirmChange'), { confirmLabel: t('cdr.privacy.change'), danger: true }))) return;
    setBusy(true);
    try {
      await api.put('/privacy/key', mode === 'passphrase' ? { mode, passphrase } : { mode, publicKey: publicKey.trim() });
      setPassphrase('');
      setAgain('');
      setPublicKey('');
      setOpen(false);
      toast(state.keySet ? t('cdr.privacy.changed') : t('cdr.privacy.set'));
      onChange();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="privacy-panel" aria-labelledby="key-title">
      <h2 id="key-title">{state.keySet ? t('cdr.privacy.changeTitle') : t('cdr.privacy.setTitle')}</h2>
      <p className="help">{state.keySet ? t('cdr.privacy.changeHelp') : t('cdr.privacy.setHelp')}</p>
      {state.keySet && !state.unlocked ? (
        <p className="muted" data-testid="privacy-change-locked">
          {t('cdr.privacy.changeNeedsUnlock')}
        </p>
      ) : !open ? (
        <button type="button" onClick={() => setOpen(true)} aria-expanded={false} data-testid="privacy-change-key">
          {t('cdr.privacy.changeOpen')}
        </button>
      ) : (
        <form onSubmit={save} noValidate data-testid="privacy-key-form">
          <fieldset className="key-choice">
            <legend>{t('cdr.privacy.keyFrom')}</legend>
            <label className="check">
              <input type="radio" name="key-mode" checked={mode === 'passphrase'} onChange={() => setMode('passphrase')} />
              {t('cdr.privacy.fromPassphrase')}
            </label>
            <label className="check">
              <input type="radio" name="key-mode" checked={mode === 'publicKey'} onChange={() => setMode('publicKey')} />
              {t('cdr.privacy.fromPublicKey')}
            </label>
          </fieldset>
          {mode === 'passphrase' ? (
            <>
              <div className="field">
                <label htmlFor="key-passphrase">{t('cdr.privacy.newPassphrase')}</label>
                <input id="key-passphrase" type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} aria-describedby="key-passphrase-help key-strength" data-testid="privacy-new-passphrase" />
                <div className="help" id="key-passphrase-help">
                  {t('cdr.privacy.passphraseHelp')}
                </div>
                <StrengthMeter value={passphrase} id="key-strength" />
              </div>
              <div className="field">
                <label htmlFor="key-again">{t('cdr.privacy.repeat')}</label>
                <input id="key-again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} data-testid="privacy-new-passphrase-again" />
              </div>
            </>
          ) : (
            <div className="field">
              <label htmlFor="key-public">{t('cdr.privacy.publicKey')}</label>
              <textarea id="key-public" spellCheck={false} value={publicKey} onChange={(e) => setPublicKey(e.target.value)} aria-describedby="key-public-help" data-testid="privacy-public-key" />
              <div className="help" id="key-public-help">
                {t('cdr.privacy.publicKeyHelp')}
              </div>
            </div>
          )}
          {error ? (
            <p className="field-error" role="alert" data-testid="privacy-key-error">
              {error}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy} aria-busy={busy || undefined} data-testid="privacy-save-key">
              {busy ? t('common.saving') : state.keySet ? t('cdr.privacy.change') : t('cdr.privacy.setKey')}
            </button>
            {state.keySet ? (
              <button type="button" onClick={() => setOpen(false)}>
                {t('common.cancel')}
              </button>
            ) : null}
          </div>
        </form>
      )}
    </section>
  );
}

function PrivateKeyDownload() {
  const { t } = useI18n();
  return (
    <section className="privacy-panel" aria-labelledby="pk-title">
      <h2 id="pk-title">{t('cdr.privacy.downloadTitle')}</h2>
      <p className="help">{t('cdr.privacy.downloadHelp')}</p>
      <a className="button" href={url('/privacy/key/private')} download="privacy-private-key.asc" data-testid="privacy-download-key">
        {t('cdr.privacy.download')}
      </a>
    </section>
  );
}

const REC_PAGE = 25;

function PrivacyRecordings({ unlocked }: { unlocked: boolean }) {
  const { t } = useI18n();
  const [items, setItems] = useState<Item[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  const [playing, setPlaying] = useState('');
  useEffect(() => {
    let live = true;
    api.get<{ items?: Item[]; total?: number }>('/recordings', { limit: REC_PAGE }).then(
      (r) => {
        if (!live) return;
        setItems(r?.items ?? []);
        setTotal(r?.total ?? r?.items?.length ?? 0);
        setError('');
      },
      (e) => {
        if (!live) return;
        // Locked is this page's normal state, said above the list: not an error.
        if (e instanceof ApiError && e.code === 'locked') {
          setItems(null);
          setError('');
        } else setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
  }, [unlocked]);
  return (
    <section aria-labelledby="rec-title" className="privacy-recordings" data-testid="privacy-recordings">
      <h2 id="rec-title">{t('cdr.privacy.recordingsTitle')}</h2>
      <p className="help">{unlocked ? t('cdr.privacy.recordingsUnlocked', { n: total }) : t('cdr.privacy.recordingsLocked')}</p>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {items === null && !unlocked ? null : (
        <ListTable caption={t('cdr.privacy.recordingsTitle')} columns={[t('cdr.col.start'), t('cdr.col.caller'), t('cdr.col.called'), t('cdr.col.duration')]} actions rows={items} empty={t('cdr.privacy.noRecordings')} loading={items === null && !error}>
          {(items ?? []).map(recording).map((r) => {
            const id = r.id;
            const what = t('cdr.privacy.recordingWhat', { when: whenText(r.start) });
            return [
              <tr key={id} data-testid="privacy-recording">
                <td className="nowrap">{whenText(r.start)}</td>
                <td className="mono">{r.caller || '—'}</td>
                <td className="mono">{r.called || '—'}</td>
                <td className="mono">{r.recording ? t('cdr.privacy.inProgress') : secondsText(r.seconds)}</td>
                <td>
                  {unlocked && !r.recording ? (
                    <button type="button" aria-expanded={playing === id} onClick={() => setPlaying(playing === id ? '' : id)} aria-label={t(playing === id ? 'cdr.privacy.closeWhat' : 'cdr.privacy.listenWhat', { what })} data-testid="privacy-listen">
                      {playing === id ? t('cdr.privacy.close') : t('cdr.privacy.listen')}
                    </button>
                  ) : !unlocked ? (
                    <span className="muted small">{t('cdr.privacy.lockedShort')}</span>
                  ) : null}
                </td>
              </tr>,
              unlocked && playing === id ? (
                <tr key={`${id}-player`} className="player-row">
                  <td colSpan={5}>
                    <audio controls autoPlay preload="auto" src={url(`/recordings/${encodeURIComponent(id)}/audio`)} aria-label={what} data-testid="privacy-player" />
                  </td>
                </tr>
              ) : null,
            ];
          })}
        </ListTable>
      )}
    </section>
  );
}
