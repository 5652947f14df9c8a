// Versioned schema migrations, applied in order at start. Never edit a released entry: append.
// Object attributes that no query filters on live in a JSON `data` column; identities and
// references are real columns with foreign keys, so "still referenced" holds in the database too.
export const MIGRATIONS: readonly string[] = [
  /* 1: foundation model */ `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE calling_classes (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
  CREATE TABLE extensions (
    number TEXT PRIMARY KEY,
    class TEXT REFERENCES calling_classes(name) ON UPDATE CASCADE,
    data TEXT NOT NULL
  );
  CREATE TABLE devices (
    username TEXT PRIMARY KEY,
    extension TEXT NOT NULL REFERENCES extensions(number) ON DELETE CASCADE ON UPDATE CASCADE,
    position INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE TABLE trunks (name TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE inbound_routes (did TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE outbound_rules (name TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE outbound_rule_trunks (
    rule TEXT NOT NULL REFERENCES outbound_rules(name) ON DELETE CASCADE ON UPDATE CASCADE,
    trunk TEXT NOT NULL REFERENCES trunks(name) ON UPDATE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (rule, trunk)
  );
  CREATE TABLE class_rules (
    class TEXT NOT NULL REFERENCES calling_classes(name) ON DELETE CASCADE ON UPDATE CASCADE,
    rule TEXT NOT NULL REFERENCES outbound_rules(name) ON UPDATE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (class, rule)
  );
  CREATE TABLE emergency_numbers (number TEXT PRIMARY KEY, position INTEGER NOT NULL);
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    changes TEXT NOT NULL,
    revision INTEGER NOT NULL
  );
  `,
  /* 2: management plane: CRM objects, auth, object-level audit, webhook deliveries */ `
  CREATE TABLE ami_users (username TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE webhooks (name TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE phonebook (id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery TEXT NOT NULL,
    webhook TEXT NOT NULL,
    event TEXT NOT NULL,
    call_id TEXT,
    at TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER,
    error TEXT,
    duration_ms INTEGER
  );
  CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook, id);

  CREATE TABLE roles (name TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL REFERENCES roles(name) ON UPDATE CASCADE,
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
  );
  -- Session and token secrets are stored as SHA-256 hashes: a copy of the database opens nothing.
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE ON UPDATE CASCADE,
    csrf TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  -- Object-level audit: what each entry touched, and the state before it (secrets included,
  -- never served by the API) so the entry can be reverted.
  ALTER TABLE audit_log ADD COLUMN object_type TEXT;
  ALTER TABLE audit_log ADD COLUMN object_key TEXT;
  ALTER TABLE audit_log ADD COLUMN undo TEXT;
  CREATE INDEX audit_log_object ON audit_log (object_type, object_key);
  CREATE INDEX audit_log_actor ON audit_log (actor, id);
  `,
  /* 3: state of the box that is not PBX configuration (first-boot setup): not in the model, its
     exports or backups. `settings` (migration 1) holds the model's own rows. */ `
  CREATE TABLE appliance_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  /* 4: inbound call handling: the objects of CALL_HANDLING_LISTS (model.ts), one JSON row each;
     references between them are checked by the domain rules, not by foreign keys. */ `
  CREATE TABLE call_handling (
    list TEXT NOT NULL,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (list, key)
  );
  CREATE INDEX call_handling_order ON call_handling (list, position);
  `,
  /* 5: the index of call recordings (src/store/recording-store.ts). Runtime data, not model:
     not in exports or backups of the configuration. `storage_key` is where the storage adapter
     (src/recordings/storage.ts) put the file; NULL while the call is still being recorded. */ `
  CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    uniqueid TEXT NOT NULL,
    linkedid TEXT NOT NULL,
    caller TEXT NOT NULL,
    callee TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'internal')),
    started_at TEXT NOT NULL,
    duration_ms INTEGER,
    size INTEGER,
    storage_key TEXT,
    policy TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('always', 'onDemand')),
    state TEXT NOT NULL CHECK (state IN ('recording', 'stored'))
  );
  CREATE INDEX recordings_started ON recordings (started_at);
  CREATE INDEX recordings_linkedid ON recordings (linkedid);
  CREATE INDEX recordings_caller ON recordings (caller, started_at);
  CREATE INDEX recordings_callee ON recordings (callee, started_at);
  `,
  /* 6: phone provisioning at run time (src/store/provisioning-log.ts): the request log (bounded,
     trimmed from the oldest id) and the phones that asked for files without being configured.
     Runtime data, not model: not in exports or backups of the configuration. */ `
  CREATE TABLE provisioning_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    protocol TEXT NOT NULL CHECK (protocol IN ('http', 'https', 'tftp')),
    source TEXT NOT NULL,
    mac TEXT,
    vendor TEXT,
    model TEXT,
    user_agent TEXT,
    file TEXT NOT NULL,
    result TEXT NOT NULL,
    status INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    detail TEXT
  );
  CREATE INDEX provisioning_requests_at ON provisioning_requests (at);
  CREATE INDEX provisioning_requests_mac ON provisioning_requests (mac, id);
  CREATE INDEX provisioning_requests_source ON provisioning_requests (source, id);
  CREATE INDEX provisioning_requests_result ON provisioning_requests (result, id);
  CREATE INDEX provisioning_requests_protocol ON provisioning_requests (protocol, id);
  CREATE TABLE discovered_phones (
    mac TEXT PRIMARY KEY,
    vendor TEXT,
    model TEXT,
    user_agent TEXT,
    source TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    requests INTEGER NOT NULL,
    last_file TEXT NOT NULL
  );
  CREATE INDEX discovered_phones_last_seen ON discovered_phones (last_seen);
  `,
  /* 7: call detail records (src/store/cdr-store.ts): one row per call leg and one per queue call,
     ingested from Asterisk's cdr_custom and queue_log files; runtime data, not model. */ `
  CREATE TABLE cdr_placeholder (id INTEGER PRIMARY KEY);
  `,
  /* 8: privacy (src/store/privacy-store.ts): the privacy officer's public key, wrapped data keys
     of the field encryption, key changes and their progress. Never a usable secret key. */ `
  CREATE TABLE privacy_placeholder (id INTEGER PRIMARY KEY);
  `,
  /* 9: personal contacts of the users (src/store/contact-store.ts): never published over LDAP. */ `
  CREATE TABLE personal_contacts_placeholder (id INTEGER PRIMARY KEY);
  `,
];
