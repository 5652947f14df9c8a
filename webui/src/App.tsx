import { Component, lazy, Suspense, useEffect, useState, type ErrorInfo, type ReactNode } from 'react';
import { api, errorText } from './lib/api.ts';
import { I18nProvider, useT } from './lib/i18n.tsx';
import { match, navigate, useLocation } from './lib/router.tsx';
import { SessionProvider, useSession } from './lib/session.tsx';
import { FeedbackProvider, useFeedback } from './components/feedback.tsx';
import { Layout } from './components/Layout.tsx';
import { COLLECTION_PAGES, PAGES } from './routes.ts';
import { Login } from './pages/Login.tsx';
import { ChangePassword } from './pages/ChangePassword.tsx';
import { CollectionList } from './pages/CollectionList.tsx';
import { CollectionEdit } from './pages/CollectionEdit.tsx';
import { SystemSettings, EmergencyNumbers } from './pages/SystemSettings.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { Calls } from './pages/Calls.tsx';
// The wizards are used rarely (first boot, occasional creation): loaded on demand, so the
// dashboard's first load carries only what it shows.
const Setup = lazy(() => import('./pages/Setup.tsx').then((m) => ({ default: m.Setup })));
const ExtensionWizard = lazy(() => import('./pages/ObjectWizards.tsx').then((m) => ({ default: m.ExtensionWizard })));
const TrunkWizard = lazy(() => import('./pages/ObjectWizards.tsx').then((m) => ({ default: m.TrunkWizard })));
const IvrWizard = lazy(() => import('./pages/InboundWizards.tsx').then((m) => ({ default: m.IvrWizard })));
const QueueWizard = lazy(() => import('./pages/InboundWizards.tsx').then((m) => ({ default: m.QueueWizard })));
const services = () => import('./pages/ServicesPages.tsx');
const FeatureCodes = lazy(() => services().then((m) => ({ default: m.FeatureCodes })));
const MailSettings = lazy(() => services().then((m) => ({ default: m.MailSettings })));
const ServiceSettings = lazy(() => services().then((m) => ({ default: m.ServiceSettings })));
const Recordings = lazy(() => services().then((m) => ({ default: m.Recordings })));
const Phones = lazy(() => import('./pages/Phones.tsx').then((m) => ({ default: m.Phones })));
const ProvisioningSettings = lazy(() => import('./pages/Phones.tsx').then((m) => ({ default: m.ProvisioningSettings })));
const PhoneWizard = lazy(() => import('./pages/PhonesEdit.tsx').then((m) => ({ default: m.PhoneWizard })));
const PhonePage = lazy(() => import('./pages/PhonesEdit.tsx').then((m) => ({ default: m.PhonePage })));
const PhoneRequests = lazy(() => import('./pages/PhonesLog.tsx').then((m) => ({ default: m.PhoneRequests })));
const PhoneTemplates = lazy(() => import('./pages/PhonesTemplates.tsx').then((m) => ({ default: m.PhoneTemplates })));
const PhoneTemplateEdit = lazy(() => import('./pages/PhonesTemplates.tsx').then((m) => ({ default: m.PhoneTemplateEdit })));
const cdrPages = () => import('./pages/Cdr.tsx');
const cdrAdmin = () => import('./pages/CdrAdmin.tsx');
const CallRecords = lazy(() => cdrPages().then((m) => ({ default: m.CallRecords })));
const MyCalls = lazy(() => cdrPages().then((m) => ({ default: m.MyCalls })));
const Privacy = lazy(() => import('./pages/Privacy.tsx').then((m) => ({ default: m.Privacy })));
const Retention = lazy(() => cdrAdmin().then((m) => ({ default: m.Retention })));
const DirectorySettings = lazy(() => cdrAdmin().then((m) => ({ default: m.DirectorySettings })));
const MyContacts = lazy(() => cdrAdmin().then((m) => ({ default: m.MyContacts })));
const SnmpSettings = lazy(() => cdrAdmin().then((m) => ({ default: m.SnmpSettings })));
import { Audit, AuditEntry } from './pages/Audit.tsx';
import { Preview } from './pages/Preview.tsx';
import { Backup } from './pages/Backup.tsx';
import { Users } from './pages/Users.tsx';
import { Roles } from './pages/Roles.tsx';
import { Tokens } from './pages/Tokens.tsx';

const ORDERED = [...PAGES.filter((p) => !p.pattern.includes(':')), ...PAGES.filter((p) => p.pattern.includes(':'))];

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <FeedbackProvider>
          <Shell />
        </FeedbackProvider>
      </SessionProvider>
    </I18nProvider>
  );
}

function page(pattern: string, params: Record<string, string>): ReactNode {
  const col = COLLECTION_PAGES.find((c) => pattern.startsWith(`/${c.path}`));
  switch (pattern) {
    case '/':
      return <Dashboard />;
    case '/calls':
      return <Calls />;
    case '/system':
      return <SystemSettings />;
    case '/emergency-numbers':
      return <EmergencyNumbers />;
    case '/preview':
      return <Preview />;
    case '/backup':
      return <Backup />;
    case '/users':
      return <Users />;
    case '/roles':
      return <Roles />;
    case '/tokens':
      return <Tokens />;
    case '/audit':
      return <Audit />;
    case '/audit/:id':
      return <AuditEntry id={params.id!} />;
    case '/setup':
      return <Setup />;
    case '/extensions/wizard':
      return <ExtensionWizard />;
    case '/trunks/wizard':
      return <TrunkWizard />;
    case '/ivrs/wizard':
      return <IvrWizard />;
    case '/queues/wizard':
      return <QueueWizard />;
    case '/feature-codes':
      return <FeatureCodes />;
    case '/mail':
      return <MailSettings />;
    case '/service-settings':
      return <ServiceSettings />;
    case '/recordings':
      return <Recordings />;
    case '/phones':
      return <Phones />;
    case '/phones/new':
      return <PhoneWizard />;
    case '/phones/requests':
      return <PhoneRequests />;
    case '/phones/templates':
      return <PhoneTemplates />;
    case '/phones/templates/new':
      return <PhoneTemplateEdit key="new" />;
    case '/phones/templates/:name':
      return <PhoneTemplateEdit key={params.name} name={params.name!} />;
    case '/phones/settings':
      return <ProvisioningSettings />;
    case '/phones/:mac':
      return <PhonePage key={params.mac} mac={params.mac!} />;
    case '/cdr':
      return <CallRecords />;
    case '/me/calls':
      return <MyCalls />;
    case '/privacy':
      return <Privacy />;
    case '/retention':
      return <Retention />;
    case '/directory':
      return <DirectorySettings />;
    case '/me/contacts':
      return <MyContacts />;
    case '/snmp':
      return <SnmpSettings />;
  }
  if (col && pattern === `/${col.path}`) return <CollectionList key={col.path} collection={col.path} />;
  if (col && pattern === `/${col.path}/new`) return <CollectionEdit key={`${col.path}/new`} collection={col.path} />;
  if (col) return <CollectionEdit key={`${col.path}/${params.key}`} collection={col.path} objectKey={params.key!} />;
  return null;
}

function Shell() {
  const { me, loading, can } = useSession();
  const { path } = useLocation();
  const t = useT();
  const [setupDone, setSetupDone] = useState<boolean | null>(null);

  // First login after a fresh install: the wizard comes first for whoever may complete it.
  useEffect(() => {
    if (!me || me.mustChangePassword) return;
    let live = true;
    api
      .get<{ completed: boolean }>('/setup')
      .then((s) => live && setSetupDone(s.completed))
      .catch(() => live && setSetupDone(true));
    return () => {
      live = false;
    };
  }, [me, path === '/setup']);

  if (loading) return <div className="splash" aria-busy="true">{t('common.loading')}</div>;
  if (!me) return <Login />;
  if (me.mustChangePassword) return <ChangePassword forced />;
  if (setupDone === false && path !== '/setup' && can('system', 'write')) {
    navigate('/setup', { replace: true });
    return null;
  }
  if (path === '/login') {
    navigate('/', { replace: true });
    return null;
  }
  if (path === '/account/password') return <Layout><ChangePassword /></Layout>;

  // Exact patterns first ("/extensions/new" before "/extensions/:key").
  const found = ORDERED.map((p) => ({ p, params: match(p.pattern, path) })).find((x) => x.params);
  let body: ReactNode;
  if (!found) body = <Message title={t('errors.notFoundTitle')} text={t('errors.notFound')} />;
  else if (found.p.section && !can(found.p.section, found.p.level ?? 'read')) {
    // The first page a role may see stands in for the dashboard of a role without system access.
    if (found.p.pattern === '/') {
      const first = PAGES.find((p) => p.group && p.pattern !== '/' && (!p.section || can(p.section, p.level ?? 'read')));
      if (first) {
        navigate(first.pattern, { replace: true });
        return null;
      }
    }
    body = <Message title={t('errors.forbiddenTitle')} text={t('errors.forbidden')} />;
  } else body = page(found.p.pattern, found.params!);
  const pending = <div className="page" aria-busy="true">{t('common.loading')}</div>;
  if (found?.p.pattern === '/setup' && body)
    return (
      <div className="setup-shell">
        <SetupBar />
        <PageBoundary key={path}>
          <Suspense fallback={pending}>{body}</Suspense>
        </PageBoundary>
      </div>
    );
  return (
    <Layout>
      <PageBoundary key={path}>
        <Suspense fallback={pending}>{body}</Suspense>
      </PageBoundary>
    </Layout>
  );
}

/** Ways out of the first-boot wizard: sign out, or skip it (e.g. to restore a backup instead). */
function SetupBar() {
  const t = useT();
  const { logout } = useSession();
  const { confirm, toast } = useFeedback();
  const skip = async () => {
    if (!(await confirm(t('setupBar.confirmSkip'), { confirmLabel: t('setupBar.skip') }))) return;
    try {
      await api.post('/setup/complete');
      window.location.assign('/');
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };
  return (
    <div className="setup-bar no-print">
      <button type="button" className="link" onClick={() => void skip()}>
        {t('setupBar.skip')}
      </button>
      <button type="button" className="link" onClick={() => void logout()}>
        {t('nav.logout')}
      </button>
    </div>
  );
}

function Message({ title, text }: { title: string; text: string }) {
  return (
    <section className="page" data-testid="message">
      <h1>{title}</h1>
      <p>{text}</p>
    </section>
  );
}

/** A page that crashes shows what happened and how to go on, instead of a blank screen. */
class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('page crashed', error, info.componentStack);
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return <PageCrashed message={this.state.error.message} />;
  }
}

function PageCrashed({ message }: { message: string }) {
  const t = useT();
  return (
    <section className="page" role="alert">
      <h1>{t('errors.crashTitle')}</h1>
      <p>{t('errors.crash')}</p>
      <pre className="mono small">{message}</pre>
      <button type="button" onClick={() => window.location.reload()}>
        {t('common.reload')}
      </button>
    </section>
  );
}
