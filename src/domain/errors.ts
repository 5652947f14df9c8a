// Typed errors of the domain and services. The API boundary maps each class once to an HTTP
// status and the `{ error: { code, message, fields } }` shape; nothing else inspects messages.

export type FieldPath = (string | number)[];
export interface FieldError {
  path: FieldPath;
  message: string;
  /** 1-based line in the source document, when the input came from a file (pbxctl). */
  line?: number;
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
