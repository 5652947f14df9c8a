import { lazy, Suspense, useEffect, useState, type ComponentType } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useCollection } from '../lib/collections.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { ObjectForm } from '../components/ObjectForm.tsx';
import type { EditPanelProps } from './InboundPanels.tsx';

// Live state and files of an object (a switch's state, a prompt's recordings), shown above its
// form; loaded on demand, as most edit pages have none.
const inbound = () => import('./InboundPanels.tsx');
const services = () => import('./ServicesPanels.tsx');
const EDIT_PANELS: Record<string, ComponentType<EditPanelProps>> = {
  switches: lazy(() => inbound().then((m) => ({ default: m.SwitchStatePanel }))),
  queues: lazy(() => inbound().then((m) => ({ default: m.QueueStatusPanel }))),
  prompts: lazy(() => inbound().then((m) => ({ default: m.PromptAudioPanel }))),
  lookups: lazy(() => inbound().then((m) => ({ default: m.LookupTablePanel }))),
  extensions: lazy(() => services().then((m) => ({ default: m.ExtensionPanel }))),
  'voicemail-boxes': lazy(() => services().then((m) => ({ default: m.VoicemailBoxPanel }))),
  'moh-classes': lazy(() => services().then((m) => ({ default: m.MohFilesPanel }))),
  conferences: lazy(() => services().then((m) => ({ default: m.ConferencePanel }))),
};
/** Panels that only show live state: a new object of these goes back to the list like any other. */
const LIVE_ONLY = new Set(['extensions', 'conferences']);

interface WriteResult {
  item: Record<string, unknown>;
  revision: number;
  apply?: WriteApply;
}

export function CollectionEdit({ collection, objectKey }: { collection: string; objectKey?: string }) {
  const { t } = useI18n();
  const { meta, error: metaError } = useCollection(collection);
  const { can } = useSession();
  const { toast } = useFeedback();
  const [item, setItem] = useState<Record<string, unknown> | undefined>(undefined);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!objectKey) return;
    api.get<Record<string, unknown>>(`/${collection}/${encodeURIComponent(objectKey)}`).then(setItem, (e) => setError(errorText(e)));
  }, [collection, objectKey, round]);
  const Panel = EDIT_PANELS[collection];
  if (!meta)
    return (
      <section className="page" aria-busy={!metaError}>
        {metaError ? (
          <div className="form-error" role="alert">
            {metaError}
          </div>
        ) : null}
      </section>
    );
  const writable = can(meta.section, 'write');
  const what = t(`object.${collection}`);
  const saved = (r: WriteResult) => {
    reportSaved(toast, t, `${what} ${String(r.item[meta.keyField])}`, r.apply);
    // A new object with a panel (a prompt's recordings) is opened, so its panel can be used at once.
    navigate(!objectKey && Panel && !LIVE_ONLY.has(collection) ? `/${collection}/${encodeURIComponent(String(r.item[meta.keyField]))}` : `/${collection}`);
  };
  return (
    <section className="page" aria-labelledby="page-title">
      <p className="crumbs">
        <Link to={`/${collection}`}>{t(`nav.${collection}`)}</Link> /
      </p>
      <h1 id="page-title">{objectKey ? `${what.charAt(0).toUpperCase()}${what.slice(1)} ${objectKey}` : t('list.new', { what })}</h1>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : objectKey && !item ? (
        <div aria-busy="true">{t('common.loading')}</div>
      ) : (
        <>
          {Panel && objectKey && item ? (
            <Suspense fallback={null}>
              <Panel objectKey={objectKey} item={item} reload={() => setRound((n) => n + 1)} />
            </Suspense>
          ) : null}
          <ObjectForm
            schemaPath={`/${collection}`}
            initial={item}
            readOnly={objectKey ? [meta.keyField] : []}
            disabled={!writable}
            submitLabel={objectKey ? t('form.save') : t('form.create')}
            onSubmit={async (v) => {
              if (objectKey) saved(await api.put<WriteResult>(`/${collection}/${encodeURIComponent(objectKey)}`, v));
              else saved(await api.post<WriteResult>(`/${collection}`, v));
            }}
            extraActions={
              <Link to={`/${collection}`} className="button">
                {t('common.cancel')}
              </Link>
            }
          />
        </>
      )}
    </section>
  );
}
