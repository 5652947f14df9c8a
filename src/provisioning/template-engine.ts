// The template language of phone files: Mustache (logic-less, so an admin's template can
// only place values, never run code). The only file that imports mustache.
import Mustache from 'mustache';

export type FileFormat = 'xml' | 'text';

/** XML text and attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * key = value files: a value can never start a new line. The model allows no control
 * characters in what it stores; this holds for custom placeholders and anything else too.
 */
export function escapeText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/**
 * Renders `template` with `view`. `{{x}}` is escaped for the file's format; `{{{x}}}` is not
 * escaped for XML (for values the vendor profile built as markup) but still kept on one line
 * in text files. No partials: a template cannot pull in another file.
 */
export function renderTemplate(template: string, view: object, format: FileFormat): string {
  const escape = format === 'xml' ? (v: unknown) => escapeXml(String(v)) : (v: unknown) => escapeText(String(v));
  const out = Mustache.render(template, view, {}, { escape });
  return format === 'text' ? out : out;
}

/** Why `template` cannot be rendered (unclosed section, bad tag), or undefined. */
export function templateProblem(template: string): string | undefined {
  try {
    Mustache.parse(template);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
