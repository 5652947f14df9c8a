// Typed errors of the domain and services. The API boundary maps each class once to an HTTP
// status and the `{ error: { code, message, fields } }` shape; nothing else inspects messages.

export type FieldPath = (string | number)[];
export interface FieldError {
  path: FieldPath;
  message: string;
  /** 1-based line in the source document, when the input came from a file (pbxctl). */
  line?: number;
  /** The value collides with an existing object (a number or name already used): a 409 for the API. */
  conflict?: boolean;
}

export class PbxError extends Error {
  readonly code: string;
  readonly fields: FieldError[];
  constructor(code: string, message: string, fields: FieldError[] = []) {
    super(message);
    this.code = code;
    this.fields = fields;
    this.name = new.target.name;
  }
}

export class ValidationError extends PbxError {
  constructor(message: string, fields: FieldError[]) {
    super('validation_failed', message, fields);
  }
}

export class ConflictError extends PbxError {
  constructor(message: string, fields: FieldError[] = []) {
    super('conflict', message, fields);
  }
}

export class NotFoundError extends PbxError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

/** No valid credentials (401). */
export class UnauthorizedError extends PbxError {
  constructor(message = 'authentication required') {
    super('unauthorized', message);
  }
}

/** Authenticated, but the role or token scope does not allow this (403). */
export class ForbiddenError extends PbxError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** The action is understood and allowed for the caller, but the PBX's rules refuse it (403), e.g. a number the calling class forbids. */
export class NotPermittedError extends PbxError {
  constructor(message: string) {
    super('not_permitted', message);
  }
}

/** The default/reset password must be changed before anything else (403). */
export class PasswordChangeRequiredError extends PbxError {
  constructor() {
    super('password_change_required', 'the password must be changed first: POST /api/v1/auth/password');
  }
}

/** Too many failed logins: locked out for a while (429). */
export class LockedOutError extends PbxError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('locked_out', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A part the request needs is down (Asterisk not connected) (503). */
export class UnavailableError extends PbxError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/** A server the box relies on (the SMTP relay) refused or could not be reached (502). */
export class UpstreamError extends PbxError {
  constructor(message: string) {
    super('upstream_failed', message);
  }
}

/** The privacy data needs the privacy officer's key unlocked for this session (403, code 'locked'). */
export class LockedError extends PbxError {
  constructor(message = 'locked: unlock the privacy key for this session first (POST /api/v1/privacy/unlock)') {
    super('locked', message);
  }
}
