// The GUI's pages: path pattern, the permission needed to see it, and where it sits in the
// navigation. A page a role cannot read is neither listed nor reachable by URL.
export interface RouteInfo {
  pattern: string;
  /** Translation key of the page title (nav.<id>). */
  id: string;
  section?: string;
  level?: 'read' | 'write';
  /** Navigation group; absent = not in the menu. */
  group?: 'overview' | 'pbx' | 'callHandling' | 'services' | 'integration' | 'system';
  /** Translation key of the menu label when it is not nav.<id> (pages whose strings live in an area file). */
  label?: string;
  /** Only for users with their own extension (their calls, their contacts). */
  extension?: boolean;
}

/** Model collections (generic list/edit pages), in menu order. Paths are the API's. */
export const COLLECTION_PAGES: { path: string; section: string; group: RouteInfo['group'] }[] = [
  { path: 'extensions', section: 'extensions', group: 'pbx' },
  { path: 'trunks', section: 'trunks', group: 'pbx' },
  { path: 'inbound-routes', section: 'routing', group: 'pbx' },
  { path: 'outbound-rules', section: 'routing', group: 'pbx' },
  { path: 'calling-classes', section: 'routing', group: 'pbx' },
  { path: 'blocked-callers', section: 'routing', group: 'pbx' },
  { path: 'disa', section: 'routing', group: 'pbx' },
  { path: 'phonebook', section: 'phonebook', group: 'pbx' },
  // Where a call goes once it is in: menus, groups, and what decides between them.
  { path: 'ivrs', section: 'ivr', group: 'callHandling' },
  { path: 'ring-groups', section: 'groups', group: 'callHandling' },
  { path: 'queues', section: 'groups', group: 'callHandling' },
  { path: 'time-conditions', section: 'routing', group: 'callHandling' },
  { path: 'switches', section: 'switches', group: 'callHandling' },
  { path: 'announcements', section: 'ivr', group: 'callHandling' },
  { path: 'lookups', section: 'ivr', group: 'callHandling' },
  { path: 'prompts', section: 'ivr', group: 'callHandling' },
  // What people use at their phones: mailboxes, rooms, paging, music.
  { path: 'voicemail-boxes', section: 'services', group: 'services' },
  { path: 'conferences', section: 'services', group: 'services' },
  { path: 'paging-groups', section: 'services', group: 'services' },
  { path: 'moh-classes', section: 'services', group: 'services' },
  { path: 'ami-users', section: 'crm', group: 'integration' },
  { path: 'webhooks', section: 'crm', group: 'integration' },
];

export const PAGES: RouteInfo[] = [
  { pattern: '/', id: 'dashboard', section: 'system', group: 'overview' },
  { pattern: '/calls', id: 'calls', section: 'calls', group: 'overview' },
  ...COLLECTION_PAGES.map((c) => ({ pattern: `/${c.path}`, id: c.path, section: c.section, group: c.group })),
  // Provisioned phones: the list, the add wizard, one phone, the request log, templates, settings.
  { pattern: '/phones', id: 'phones', section: 'provisioning', group: 'pbx' },
  { pattern: '/phones/new', id: 'phones', section: 'provisioning', level: 'write' },
  { pattern: '/phones/requests', id: 'phones', section: 'provisioning' },
  { pattern: '/phones/templates', id: 'phones', section: 'provisioning' },
  { pattern: '/phones/templates/new', id: 'phones', section: 'provisioning', level: 'write' },
  { pattern: '/phones/templates/:name', id: 'phones', section: 'provisioning' },
  { pattern: '/phones/settings', id: 'phones', section: 'provisioning' },
  { pattern: '/phones/:mac', id: 'phones', section: 'provisioning' },
  { pattern: '/tokens', id: 'tokens', section: 'users', group: 'integration' },
  { pattern: '/system', id: 'system', section: 'system', group: 'system' },
  { pattern: '/feature-codes', id: 'feature-codes', section: 'system', group: 'services' },
  { pattern: '/service-settings', id: 'service-settings', section: 'system', group: 'services' },
  // Only the privacy admin's role has this section: the admin does not see the page at all.
  { pattern: '/recordings', id: 'recordings', section: 'recordings', group: 'services' },
  { pattern: '/mail', id: 'mail', section: 'system', group: 'system' },
  // Call records, privacy, retention, directory and SNMP (issue 9; strings in locales/*.cdr.json).
  { pattern: '/cdr', id: 'cdr', section: 'cdr', group: 'overview', label: 'cdr.nav.cdr' },
  { pattern: '/privacy', id: 'privacy', section: 'privacy', group: 'system', label: 'cdr.nav.privacy' },
  { pattern: '/retention', id: 'retention', section: 'cdr', group: 'system', label: 'cdr.nav.retention' },
  { pattern: '/directory', id: 'directory', section: 'phonebook', group: 'integration', label: 'cdr.nav.directory' },
  { pattern: '/snmp', id: 'snmp', section: 'system', group: 'integration', label: 'cdr.nav.snmp' },
  { pattern: '/emergency-numbers', id: 'emergency', section: 'routing', group: 'system' },
  { pattern: '/preview', id: 'preview', section: 'system', group: 'system' },
  { pattern: '/backup', id: 'backup', section: 'system', group: 'system' },
  { pattern: '/users', id: 'users', section: 'users', group: 'system' },
  { pattern: '/roles', id: 'roles', section: 'users', group: 'system' },
  { pattern: '/audit', id: 'audit', section: 'audit', group: 'system' },
  { pattern: '/audit/:id', id: 'audit', section: 'audit' },
  { pattern: '/setup', id: 'setup', section: 'system', level: 'write' },
  { pattern: '/extensions/wizard', id: 'extensionWizard', section: 'extensions', level: 'write' },
  { pattern: '/trunks/wizard', id: 'trunkWizard', section: 'trunks', level: 'write' },
  { pattern: '/ivrs/wizard', id: 'ivrWizard', section: 'ivr', level: 'write' },
  { pattern: '/queues/wizard', id: 'queueWizard', section: 'groups', level: 'write' },
  ...COLLECTION_PAGES.flatMap((c) => [
    { pattern: `/${c.path}/new`, id: c.path, section: c.section, level: 'write' as const },
    { pattern: `/${c.path}/:key`, id: c.path, section: c.section },
  ]),
  // Last: a role without other pages (a plain user with an extension) lands on the first of these.
  { pattern: '/me/calls', id: 'my-calls', group: 'overview', label: 'cdr.nav.myCalls', extension: true },
  { pattern: '/me/contacts', id: 'my-contacts', group: 'overview', label: 'cdr.nav.myContacts', extension: true },
];

/** Collections whose list offers a guided creation at /<path>/wizard. */
export function hasWizard(collection: string): boolean {
  return PAGES.some((p) => p.pattern === `/${collection}/wizard`);
}
