// The box at a glance, live: the server pushes a 'status' event on every change (and at least
// every 10 s), so tiles update without polling. The frame renders at once and tiles fill in as
// data arrives; nothing here is heavier than formatting a few numbers.
import { useEffect, useState, type ReactNode } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useEvent } from '../lib/events.ts';
import { useI18n, type Translate } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useApplyStatus } from '../components/ApplyIndicator.tsx';
import './Dashboard.css';

export interface SystemStatus {
  host: {
    hostname: string;
    uptimeSeconds: number;
    load: [number, number, number];
    cpuCores: number;
    cpuPercent: number;
    memory: { totalBytes: number; usedBytes: number; availableBytes: number };
    disk: { mount: string; totalBytes: number; usedBytes: number; availableBytes: number } | null;
    temperatureC: number | null;
  };
  asterisk: { state: string; ok: boolean };
  calls: { active: number };
  devices: { registered: number; total: number };
  trunks: { name: string; type: 'register' | 'ip'; state: string }[];
  apply: { revision: number; apply: { state: string; [k: string]: unknown } };
  health: { status: 'ok' | 'unhealthy'; reasons: string[] };
}

/** No status for this long while "connected" means the stream is dead without having said so. */
const STALE_MS = 30_000;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(bytes: number, lang: string): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: v < 10 && u > 0 ? 1 : 0 }).format(v)} ${UNITS[u]}`;
}

export function formatUptime(seconds: number, t: Translate): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return t('dashboard.uptimeDays', { d, h });
  if (h > 0) return t('dashboard.uptimeHours', { h, m });
  return t('dashboard.uptimeMinutes', { m });
}

export function trunkBadge(state: string): 'good' | 'busy' | 'bad' {
  if (state === 'registered' || state === 'reachable') return 'good';
  if (state === 'rejected' || state === 'unreachable') return 'bad';
  return 'busy';
}

export function applyBadge(state: string): 'good' | 'busy' | 'bad' {
  return state === 'failed' ? 'bad' : state === 'pending' || state === 'applying' ? 'busy' : 'good';
}

function Tile({ label, to, testId, busy, children }: { label: string; to?: string; testId?: string; busy: boolean; children: ReactNode }) {
  const body = (
    <>
      <div className="label">{label}</div>
      {busy ? <div className="value muted" aria-hidden="true">—</div> : children}
    </>
  );
  // A whole-tile link is an easy target on a tablet; the tile text is its accessible name.
  return to ? (
    <Link to={to} className="card tile tile-link" data-testid={testId} aria-busy={busy}>
      {body}
    </Link>
  ) : (
    <div className="card tile" data-testid={testId} aria-busy={busy}>
      {body}
    </div>
  );
}

export function Dashboard() {
  const { t, has, lang } = useI18n();
  const { can } = useSession();
  const applyStatus = useApplyStatus();
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [error, setError] = useState('');
  const [conn, setConn] = useState<'connecting' | 'live' | 'lost'>('connecting');

  const take = (s: SystemStatus) => {
    setStatus(s);
    setUpdatedAt(new Date());
    setError('');
  };
  const load = () =>
    api.get<SystemStatus>('/system/status').then(
      (s) => take(s),
      (err) => setError(errorText(err)),
    );

  useEffect(() => {
    void load();
  }, []);

  // 'error' is the EventSource's own event (the stream dropped; it reconnects by itself and
  // 'open' follows), dispatched by the shared source like any other type.
  useEvent(['status', 'open', 'error'], (type, data) => {
    if (type === 'status' && data) {
      take(data as SystemStatus);
      setConn('live');
    } else if (type === 'open') {
      setConn('live');
      void load();
    } else if (type === 'error') setConn('lost');
  });

  useEffect(() => {
    const timer = setInterval(() => {
      setConn((c) => (c === 'live' && updatedAt && Date.now() - updatedAt.getTime() > STALE_MS ? 'lost' : c));
    }, 5000);
    return () => clearInterval(timer);
  }, [updatedAt]);

  const s = status;
  const busy = !s;
  const host = s?.host;
  const fmt = (n: number, digits = 2) => new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
  const asteriskState = s ? (has(`dashboard.asteriskState.${s.asterisk.state}`) ? t(`dashboard.asteriskState.${s.asterisk.state}`) : s.asterisk.state) : '';
  const apply = applyStatus?.apply ?? s?.apply.apply;
  const revision = applyStatus?.revision ?? s?.apply.revision;
  const applyLabel = apply ? (has(`apply.${apply.state}`) ? t(`apply.${apply.state}`) : apply.state) : '';
  const unhealthy = s?.health.status === 'unhealthy';

  return (
    <section className="page dashboard" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.dashboard')}</h1>
        <span className="muted small" data-testid="updated">
          {updatedAt ? t('dashboard.updated', { time: updatedAt.toLocaleTimeString(lang) }) : t('common.loading')}
        </span>
        <span className={`badge ${conn === 'lost' ? 'bad' : conn === 'live' ? 'good' : 'busy'}`} data-testid="connection" data-state={conn} role="status">
          {t(`dashboard.connection.${conn}`)}
        </span>
      </div>
      {conn === 'lost' ? <p className="muted small">{t('dashboard.connection.lostHint')}</p> : null}
      {error ? (
        <div className="form-error" role="alert">
          {t('dashboard.loadFailed')}
          {'\n'}
          {error}
        </div>
      ) : null}

      <div data-testid="health-reasons" data-status={s?.health.status ?? 'unknown'} role={unhealthy ? 'alert' : undefined} className={unhealthy ? 'health bad form-error' : 'health'}>
        {!s ? null : unhealthy ? (
          <>
            <strong>{t('dashboard.unhealthy')}</strong>
            <ul>
              {s.health.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </>
        ) : (
          <p className="ok-text">{t('dashboard.healthy')}</p>
        )}
      </div>

      <div className="cards">
        <Tile label={t('dashboard.tile.calls')} to={can('calls') ? '/calls' : undefined} testId="tile-active-calls" busy={busy}>
          <div className="value" data-testid="active-calls">
            {s?.calls.active}
          </div>
        </Tile>
        <Tile label={t('dashboard.tile.devices')} to={can('extensions') ? '/extensions' : undefined} testId="tile-devices" busy={busy}>
          <div className="value" data-testid="registered-devices">
            {s ? t('dashboard.devicesOf', { r: s.devices.registered, t: s.devices.total }) : null}
          </div>
          <div className="muted small">{t('dashboard.devicesHint')}</div>
        </Tile>
        <Tile label={t('dashboard.tile.asterisk')} testId="tile-asterisk" busy={busy}>
          <div className="value">
            <span className={`badge big ${s?.asterisk.ok ? 'good' : 'bad'}`} data-testid="asterisk-state" data-ok={String(!!s?.asterisk.ok)}>
              {asteriskState}
            </span>
          </div>
        </Tile>
        <Tile label={t('dashboard.tile.apply')} to="/preview" testId="tile-apply" busy={!apply}>
          {apply ? (
            <>
              <div className="value">
                <span className={`badge big ${applyBadge(apply.state)}`} data-testid="apply-state" data-state={apply.state}>
                  {applyLabel}
                </span>
              </div>
              <div className="muted small">{t('dashboard.revision', { n: revision ?? '—' })}</div>
            </>
          ) : null}
        </Tile>
        <Tile label={t('dashboard.tile.cpu')} testId="tile-cpu" busy={busy}>
          {host ? (
            <>
              <div className="value">{fmt(host.load[0])}</div>
              <div className="muted small">{t('dashboard.load', { a: fmt(host.load[0]), b: fmt(host.load[1]), c: fmt(host.load[2]) })}</div>
              <div className="muted small">{t('dashboard.cores', { n: host.cpuCores, p: fmt(host.cpuPercent, 0) })}</div>
            </>
          ) : null}
        </Tile>
        <Tile label={t('dashboard.tile.memory')} testId="tile-memory" busy={busy}>
          {host ? (
            <>
              <div className="value">{formatBytes(host.memory.usedBytes, lang)}</div>
              <div className="muted small">{t('dashboard.ofTotal', { total: formatBytes(host.memory.totalBytes, lang) })}</div>
              <meter min={0} max={host.memory.totalBytes} value={host.memory.usedBytes} aria-label={t('dashboard.tile.memory')} />
            </>
          ) : null}
        </Tile>
        <Tile label={t('dashboard.tile.disk')} testId="tile-disk" busy={busy}>
          {host?.disk ? (
            <>
              <div className="value">{formatBytes(host.disk.availableBytes, lang)}</div>
              <div className="muted small">{t('dashboard.diskOf', { total: formatBytes(host.disk.totalBytes, lang), mount: host.disk.mount })}</div>
              <meter min={0} max={host.disk.totalBytes} value={host.disk.usedBytes} low={host.disk.totalBytes * 0.8} high={host.disk.totalBytes * 0.9} optimum={0} aria-label={t('dashboard.diskUsed')} />
            </>
          ) : host ? (
            <div className="value muted">{t('dashboard.unknown')}</div>
          ) : null}
        </Tile>
        <Tile label={t('dashboard.tile.uptime')} testId="tile-uptime" busy={busy}>
          {host ? (
            <>
              <div className="value">{formatUptime(host.uptimeSeconds, t)}</div>
              <div className="muted small mono">{host.hostname}</div>
            </>
          ) : null}
        </Tile>
        {host && host.temperatureC !== null ? (
          <Tile label={t('dashboard.tile.temperature')} testId="tile-temperature" busy={false}>
            <div className="value">{t('dashboard.celsius', { n: fmt(host.temperatureC, 0) })}</div>
          </Tile>
        ) : null}
      </div>

      <h2 id="trunks-title">{can('trunks') ? <Link to="/trunks">{t('nav.trunks')}</Link> : t('nav.trunks')}</h2>
      <div className="table-wrap">
        <table className="list" aria-labelledby="trunks-title" data-testid="trunks-table">
          <thead>
            <tr>
              <th scope="col">{t('field.name')}</th>
              <th scope="col">{t('field.type')}</th>
              <th scope="col">{t('dashboard.trunkState')}</th>
            </tr>
          </thead>
          <tbody>
            {!s ? (
              <tr>
                <td colSpan={3} className="empty">
                  {t('common.loading')}
                </td>
              </tr>
            ) : s.trunks.length === 0 ? (
              <tr>
                <td colSpan={3} className="empty">
                  {t('dashboard.noTrunks')}
                </td>
              </tr>
            ) : (
              s.trunks.map((tr) => (
                <tr key={tr.name} data-testid={`trunk-${tr.name}`} data-state={tr.state}>
                  <td>{can('trunks') ? <Link to={`/trunks/${encodeURIComponent(tr.name)}`}>{tr.name}</Link> : tr.name}</td>
                  <td>{has(`enum.${tr.type}`) ? t(`enum.${tr.type}`) : tr.type}</td>
                  <td>
                    <span className={`badge ${trunkBadge(tr.state)}`}>{has(`dashboard.trunkStates.${tr.state}`) ? t(`dashboard.trunkStates.${tr.state}`) : tr.state}</span>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
