// What the component tests share: fetch routed to a handler of the test (the API mocked at the
// wire, so the real lib/api.ts runs), the providers every page needs, and the confirm dialog.
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { I18nProvider } from '../src/lib/i18n.tsx';
import { SessionProvider } from '../src/lib/session.tsx';
import { FeedbackProvider } from '../src/components/feedback.tsx';

/** One request the page made: path without /api/v1 and query; a JSON body parsed, any other as sent. */
export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  contentType?: string;
}
export type Answer = { status?: number; body?: unknown } | undefined;

/**
 * Routes fetch to `handler`; GET /auth/me answers `me` and GET /openapi.json `openapi` when given;
 * what nobody answers is a 404. Returns the calls, filled in as they are made.
 */
export function mockFetch(handler: (c: Call) => Answer, { me, openapi }: { me?: unknown; openapi?: unknown } = {}): Call[] {
  const calls: Call[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const u = new URL(String(input), 'http://box');
    const raw = init?.body;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const isJson = headers['Content-Type'] === 'application/json';
    const call: Call = { method: init?.method ?? 'GET', path: u.pathname.replace(/^\/api\/v1/, ''), query: u.searchParams, body: raw === undefined ? undefined : isJson ? JSON.parse(String(raw)) : raw, contentType: headers['Content-Type'] };
    calls.push(call);
    let r: Answer;
    if (me !== undefined && call.path === '/auth/me') r = { body: me };
    else if (openapi !== undefined && call.path === '/openapi.json') r = { body: openapi };
    else r = handler(call);
    r ??= { status: 404, body: { error: { code: 'not_found', message: `no ${call.path}` } } };
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  return calls;
}

/** Renders `ui` inside the providers the app puts around every page. */
export function wrap(ui: ReactNode) {
  return render(
    <I18nProvider>
      <SessionProvider>
        <FeedbackProvider>{ui}</FeedbackProvider>
      </SessionProvider>
    </I18nProvider>,
  );
}

/** jsdom has <dialog> but not its modal methods; the confirm dialog needs them. */
export function installDialog() {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.removeAttribute('open');
  };
}

/** Answers the open confirm dialog with its button named `label`. */
export async function confirmDialog(label: string) {
  const dialog = await waitFor(() => {
    const d = document.querySelector('dialog.confirm');
    if (!d?.hasAttribute('open')) throw new Error('no open dialog');
    return d as HTMLElement;
  });
  fireEvent.click(within(dialog).getByRole('button', { name: label }));
}
