// YAML with source positions: parse a document and find the line of any value by its path, so
// errors in a file (pbxctl apply -f) can say where they are. The only importer of `yaml`.
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';

export interface YamlSource {
  value: unknown;
  /** Syntax errors of the document itself, with 1-based lines. */
  errors: { line: number; message: string }[];
  /** 1-based line of the deepest node that exists along `path`. */
  lineOf(path: (string | number)[]): number | undefined;
}

export function parseYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => ({ line: lineCounter.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.message }));
  const lineOf = (path: (string | number)[]): number | undefined => {
    let node: unknown = doc.contents;
    let line: number | undefined;
    const at = (n: unknown) => {
      const range = (n as Node | undefined)?.range;
      if (range) line = lineCounter.linePos(range[0]).line;
    };
    at(node);
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        at(pair.key);
        node = pair.value;
        if (node) at(node);
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (!node) break;
        at(node);
      } else break;
    }
    return line;
  };
  return { value: errors.length ? undefined : doc.toJS(), errors, lineOf };
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
