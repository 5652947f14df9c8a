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
  CREATE TABLE cdr (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uniqueid TEXT NOT NULL,
    linkedid TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    start TEXT NOT NULL,
    answer TEXT,
    end_at TEXT NOT NULL,
    duration REAL NOT NULL,
    billsec REAL NOT NULL,
    -- Masked forms (external numbers end in xxx, external names empty); whole values only in
    -- sealed/clear (the privacy part's FieldProtector), exactly one of which is set when any differ.
    caller TEXT NOT NULL,
    caller_name TEXT NOT NULL,
    called TEXT NOT NULL,
    called_name TEXT NOT NULL,
    did TEXT NOT NULL,
    extensions TEXT NOT NULL,
    trunk TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'internal')),
    disposition TEXT NOT NULL,
    hangup_cause INTEGER,
    route TEXT NOT NULL,
    recording_id TEXT,
    account_code TEXT NOT NULL,
    channel TEXT NOT NULL,
    dst_channel TEXT NOT NULL,
    last_app TEXT NOT NULL,
    sealed TEXT,
    clear TEXT,
    UNIQUE (uniqueid, sequence)
  );
  CREATE INDEX cdr_start ON cdr (start, id);
  CREATE INDEX cdr_duration ON cdr (duration, id);
  CREATE INDEX cdr_billsec ON cdr (billsec, id);
  CREATE INDEX cdr_linkedid ON cdr (linkedid);
  CREATE INDEX cdr_caller ON cdr (caller, start);
  CREATE INDEX cdr_called ON cdr (called, start);
  CREATE INDEX cdr_did ON cdr (did, start) WHERE did <> '';
  CREATE INDEX cdr_direction ON cdr (direction, start, id);
  CREATE INDEX cdr_disposition ON cdr (disposition, start, id);
  CREATE INDEX cdr_trunk ON cdr (trunk, start, id) WHERE trunk <> '';
  CREATE INDEX cdr_clear ON cdr (id) WHERE clear IS NOT NULL;
  -- What a row can be found by besides its columns: ext:<number> for each extension that took
  -- part, queue:<name> for each queue of its route.
  CREATE TABLE cdr_links (value TEXT NOT NULL, cdr_id INTEGER NOT NULL REFERENCES cdr(id) ON DELETE CASCADE, PRIMARY KEY (value, cdr_id)) WITHOUT ROWID;
  CREATE INDEX cdr_links_row ON cdr_links (cdr_id);
  -- One caller's stay in a queue, from queue_log; outcome NULL while it lasts.
  CREATE TABLE queue_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id TEXT NOT NULL,
    linkedid TEXT,
    queue TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    ended_at TEXT,
    caller TEXT NOT NULL,
    caller_name TEXT NOT NULL,
    wait_time INTEGER NOT NULL DEFAULT 0,
    agent TEXT NOT NULL DEFAULT '',
    talk_time INTEGER NOT NULL DEFAULT 0,
    outcome TEXT CHECK (outcome IN ('answered', 'abandoned', 'overflowed', 'timedOut', 'exited')),
    exit_cause TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    sealed TEXT,
    clear TEXT,
    UNIQUE (call_id, queue, entered_at)
  );
  CREATE INDEX queue_calls_entered ON queue_calls (entered_at, id);
  CREATE INDEX queue_calls_queue ON queue_calls (queue, entered_at);
  CREATE INDEX queue_calls_agent ON queue_calls (agent, entered_at);
  CREATE INDEX queue_calls_call ON queue_calls (call_id);
  CREATE INDEX queue_calls_linkedid ON queue_calls (linkedid);
  -- How far each file Asterisk writes was ingested: committed with the rows it produced, so a
  -- restart neither loses nor duplicates. file_id: device:inode, to notice a rotated file.
  CREATE TABLE cdr_ingest (source TEXT PRIMARY KEY, file_id TEXT NOT NULL, offset INTEGER NOT NULL);
  -- Calls (by linked id) that retention must not delete.
  CREATE TABLE legal_holds (linkedid TEXT PRIMARY KEY, held_by TEXT NOT NULL, held_at TEXT NOT NULL, reason TEXT NOT NULL);
  `,
  /* 8: privacy (src/store/privacy-store.ts): the privacy officer's public key, wrapped data keys
     of the field encryption, key changes and their progress. Never a usable secret key. */ `
  -- state: 'current' (one row at most: what new data is encrypted to), 'retiring' (the key of a
  -- re-encryption in progress: files not yet done still open with it), 'retired' (nothing is
  -- encrypted to it any more; its locked private key is dropped).
  CREATE TABLE privacy_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('passphrase', 'publicKey')),
    public_key TEXT NOT NULL,
    locked_private_key TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('current', 'retiring', 'retired')),
    retired_at TEXT
  );
  CREATE UNIQUE INDEX privacy_keys_current ON privacy_keys (state) WHERE state = 'current';
  -- Data keys of the CDR field encryption, only ever as OpenPGP messages to a privacy key.
  CREATE TABLE privacy_epochs (
    id TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES privacy_keys (id),
    wrapped TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX privacy_epochs_key ON privacy_epochs (key_id);
  -- Background (re-)encryption to to_key; cursor: the last recording id done (in id order).
  CREATE TABLE privacy_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_key INTEGER REFERENCES privacy_keys (id),
    to_key INTEGER NOT NULL REFERENCES privacy_keys (id),
    reason TEXT NOT NULL CHECK (reason IN ('set', 'change', 'revoke')),
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    cursor TEXT NOT NULL DEFAULT '',
    error TEXT
  );
  `,
  /* 9: personal contacts of the users (src/store/contact-store.ts): never published over LDAP.
     Keyed by the extension number, without a foreign key: the model's rows are rewritten on
     every change, and a user's contacts must not go with them. */ `
  CREATE TABLE personal_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    extension TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX personal_contacts_extension ON personal_contacts (extension, id);
  `,
];
