// Metadata of the model's collections (key field, searchable and sortable fields, section),
// from GET /collections, fetched once per session.
import { useEffect, useState } from 'react';
import { api } from './api.ts';

export interface CollectionMeta {
  type: string;
  path: string;
  keyField: string;
  section: string;
  ordered: boolean;
  fields: string[];
  search: string[];
  secrets: string[];
}

let cache: Promise<CollectionMeta[]> | null = null;
export function collections(): Promise<CollectionMeta[]> {
  cache ??= api.get<{ items: CollectionMeta[] }>('/collections').then(
    (r) => r.items,
    (e) => {
      cache = null;
      throw e;
    },
  );
  return cache;
}
export function resetCollections(): void {
  cache = null;
}

export function useCollection(path: string): { meta: CollectionMeta | null; error: string } {
  const [meta, setMeta] = useState<CollectionMeta | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    collections().then(
      (all) => live && setMeta(all.find((c) => c.path === path) ?? null),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return { meta, error };
}

/** A one-line description of an object for lists and pickers. */
export function describe(path: string, item: Record<string, unknown>): string {
  switch (path) {
    case 'extensions':
      return `${(item.devices as unknown[] | undefined)?.length ?? 0} device(s)`;
    case 'inbound-routes': {
      const d = item.destination as Record<string, unknown> | undefined;
      return d ? Object.entries(d).map(([k, v]) => `${k} ${v === true ? '' : String(v)}`).join(' ') : '';
    }
    case 'outbound-rules':
      return `${(item.patterns as string[]).join(', ')} → ${(item.trunks as string[]).join(', ')}`;
    case 'calling-classes':
      return ((item.rules as string[]) ?? []).join(', ');
    case 'voicemail-boxes':
    case 'paging-groups':
      return ((item.members as string[] | undefined) ?? []).join(', ');
    default:
      return '';
  }
}
