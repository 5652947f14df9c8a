// Calls in progress, live: call events trigger a (debounced) refetch of GET /calls, durations
// tick client-side from the server's figure at fetch time (no dependence on the browser's
// clock agreeing with the box's).
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, errorText } from '../lib/api.ts';
import { useEvent } from '../lib/events.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import './Calls.css';

export interface ActiveCallChannel {
  uniqueId: string;
  channel: string;
  state: string;
  callerNumber: string;
  callerName?: string;
  connectedNumber: string;
  connectedName?: string;
  extension?: string;
  device?: string;
  trunk?: string;
  startedAt?: string;
}
export interface ActiveCall {
  callId: string;
  startedAt: string;
  durationSeconds: number;
  clickToCall?: { extension: string; number: string };
  channels: ActiveCallChannel[];
}

/** The call event types of docs/call-events.md. */
export const CALL_EVENT_TYPES = ['call.ringing', 'call.answered', 'call.transferred', 'call.hangup'];
/** Events come in bursts (ringing on several phones, answer, hangup of the others): one refetch per burst. */
const DEBOUNCE_MS = 300;

interface Party {
  number: string;
  name?: string;
}

/** Who calls whom, as a person would say it: from the first channel of a phone or trunk (Local/ legs are the PBX's own). */
export function describeCall(c: ActiveCall): { caller: Party; callee: Party; state: 'up' | 'ringing' | 'other'; rawState: string; trunks: string[]; extensions: string[] } {
  const real = c.channels.filter((ch) => !ch.channel.startsWith('Local/'));
  const chans = (real.length ? real : c.channels).slice().sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  const first = chans[0];
  let caller: Party = first ? { number: first.callerNumber, name: first.callerName } : { number: '' };
  let callee: Party = first ? { number: first.connectedNumber, name: first.connectedName } : { number: '' };
  if (c.clickToCall) {
    caller = { number: c.clickToCall.extension };
    callee = { number: c.clickToCall.number };
  }
  const states = c.channels.map((ch) => ch.state);
  const state = states.includes('Up') ? 'up' : states.some((s) => s === 'Ringing' || s === 'Ring') ? 'ringing' : 'other';
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return { caller, callee, state, rawState: first?.state ?? '', trunks: uniq(c.channels.map((ch) => ch.trunk)), extensions: uniq(c.channels.map((ch) => ch.extension)) };
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function PartyText({ p }: { p: Party }) {
  return (
    <>
      <span className="mono">{p.number || '—'}</span>
      {p.name && p.name !== p.number ? <span className="muted"> {p.name}</span> : null}
    </>
  );
}

export function Calls() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const writable = can('calls', 'write');
  const [calls, setCalls] = useState<ActiveCall[] | null>(null);
  const [fetchedAt, setFetchedAt] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [hangingUp, setHangingUp] = useState<Set<string>>(new Set());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const seq = useRef(0);

  const load = async () => {
    // Only the newest answer counts: a slow older response must not overwrite a newer one.
    const mine = ++seq.current;
    setLoading(true);
    try {
      const res = await api.get<{ items: ActiveCall[] }>('/calls');
      if (mine !== seq.current) return;
      setCalls(res.items);
      setFetchedAt(Date.now());
      setNow(Date.now());
      setError('');
    } catch (err) {
      if (mine !== seq.current) return;
      setError(err instanceof ApiError && err.status === 503 ? t('dashboard.calls.unavailable', { message: err.message }) : errorText(err));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  };
  const soon = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), DEBOUNCE_MS);
  };

  useEffect(() => {
    void load();
    return () => clearTimeout(timer.current);
  }, []);
  useEvent([...CALL_EVENT_TYPES, 'open'], () => soon());

  const active = (calls?.length ?? 0) > 0;
  useEffect(() => {
    if (!active) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [active]);

  const hangup = async (c: ActiveCall) => {
    const d = describeCall(c);
    const ok = await confirm(t('dashboard.calls.confirmHangup', { caller: d.caller.number || '?', callee: d.callee.number || '?' }), {
      danger: true,
      confirmLabel: t('dashboard.calls.hangup'),
    });
    if (!ok) return;
    setHangingUp((s) => new Set(s).add(c.callId));
    try {
      await api.del(`/calls/${encodeURIComponent(c.callId)}`);
      toast(t('dashboard.calls.hungUp', { caller: d.caller.number, callee: d.callee.number }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) toast(t('dashboard.calls.alreadyEnded'), 'info');
      else toast(t('dashboard.calls.hangupFailed', { message: errorText(err) }), 'error');
    } finally {
      setHangingUp((s) => {
        const n = new Set(s);
        n.delete(c.callId);
        return n;
      });
      void load();
    }
  };

  const elapsed = Math.max(0, Math.floor((now - fetchedAt) / 1000));
  const cols = writable ? 6 : 5;
  return (
    <section className="page calls" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.calls')}</h1>
        <div className="actions">
          <button type="button" onClick={() => void load()} disabled={loading} aria-busy={loading}>
            {loading ? t('common.loading') : t('common.refresh')}
          </button>
        </div>
      </div>
      <p className="muted">{t('dashboard.calls.intro')}</p>
      <p className="muted small" role="status" data-testid="calls-count">
        {calls ? t(calls.length === 1 ? 'dashboard.calls.countOne' : 'dashboard.calls.count', { n: calls.length }) : error ? null : t('common.loading')}
      </p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="list" data-testid="calls-table">
          <caption className="sr-only">{t('nav.calls')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.calls.caller')}</th>
              <th scope="col">{t('dashboard.calls.callee')}</th>
              <th scope="col">{t('dashboard.calls.state')}</th>
              <th scope="col">{t('dashboard.calls.duration')}</th>
              <th scope="col">{t('dashboard.calls.via')}</th>
              {writable ? (
                <th scope="col">
                  <span className="sr-only">{t('list.actions')}</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {calls === null ? (
              <tr>
                <td colSpan={cols} className="empty">
                  {error ? '—' : t('common.loading')}
                </td>
              </tr>
            ) : calls.length === 0 ? (
              <tr>
                <td colSpan={cols} className="empty" data-testid="calls-empty">
                  {t('dashboard.calls.empty')}
                </td>
              </tr>
            ) : (
              calls.map((c) => {
                const d = describeCall(c);
                const badge = d.state === 'up' ? 'good' : d.state === 'ringing' ? 'busy' : '';
                return (
                  <tr key={c.callId} data-testid={`call-${c.callId}`} data-state={d.state}>
                    <td>
                      <PartyText p={d.caller} />
                    </td>
                    <td>
                      <PartyText p={d.callee} />
                      {c.clickToCall ? <span className="badge tag">{t('dashboard.calls.clickToCall')}</span> : null}
                    </td>
                    <td>
                      <span className={`badge ${badge}`}>{d.state === 'other' ? d.rawState || '—' : t(`dashboard.calls.states.${d.state}`)}</span>
                    </td>
                    <td className="mono nowrap" data-testid="call-duration">
                      {formatDuration(c.durationSeconds + elapsed)}
                    </td>
                    <td>
                      {d.trunks.length ? <div>{t('dashboard.calls.trunk', { names: d.trunks.join(', ') })}</div> : null}
                      {d.extensions.length ? <div>{t('dashboard.calls.extensions', { numbers: d.extensions.join(', ') })}</div> : null}
                    </td>
                    {writable ? (
                      <td className="nowrap">
                        <button
                          type="button"
                          className="danger"
                          data-testid="hangup"
                          disabled={hangingUp.has(c.callId)}
                          aria-label={t('dashboard.calls.hangupWhat', { caller: d.caller.number || '?', callee: d.callee.number || '?' })}
                          onClick={() => void hangup(c)}
                        >
                          {hangingUp.has(c.callId) ? t('dashboard.calls.hangingUp') : t('dashboard.calls.hangup')}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
