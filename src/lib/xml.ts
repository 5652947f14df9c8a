// XML well-formedness, for phone files (admin templates must still give parseable XML) and
// tests. The only file that imports fast-xml-parser.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Why `text` is not well-formed XML ("line 3: …"), or undefined. */
export function xmlProblem(text: string): string | undefined {
  const r = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (r === true) return undefined;
  return `line ${r.err.line}: ${r.err.msg}`;
}

/** Parsed as plain objects; attributes under `@_name`, text under `#text` when mixed. */
export function parseXml(text: string): Record<string, unknown> {
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, trimValues: true }).parse(text) as Record<string, unknown>;
}
