// Users/roles/tokens/audit pages: the permission matrix (what it reports, what it refuses to
// offer), the audit filters' mapping to the query string, and the rights-ceiling 403 shown on
// the user form. The API is mocked at fetch; everything else is the real component.
process.env.TZ = 'Europe/Rome';

import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PermissionMatrix, SECTIONS, compact, permissionsWithin, type Permissions } from '../src/components/PermissionMatrix.tsx';
import { Audit, auditQueryString, csvHref, filtersFromQuery, filtersToInputs, inputsToFilters, isoToLocal, localToIso, sectionOfObject } from '../src/pages/Audit.tsx';
import { Users } from '../src/pages/Users.tsx';
import { SessionProvider } from '../src/lib/session.tsx';
import { FeedbackProvider } from '../src/components/feedback.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  history.replaceState(null, '', '/');
});

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('PermissionMatrix', () => {
  it('reports the new permissions when a level is chosen, leaving "none" out', () => {
    const onChange = vi.fn();
    render(<PermissionMatrix value={{ extensions: 'read', phonebook: 'write' }} onChange={onChange} />);
    fireEvent.click(screen.getByTestId('perm-extensions-write'));
    expect(onChange).toHaveBeenLastCalledWith({ extensions: 'write', phonebook: 'write' });
    fireEvent.click(screen.getByTestId('perm-phonebook-none'));
    expect(onChange).toHaveBeenLastCalledWith({ extensions: 'read' });
    fireEvent.click(screen.getByTestId('perm-audit-read'));
    expect(onChange).toHaveBeenLastCalledWith({ extensions: 'read', phonebook: 'write', audit: 'read' });
  });

  it('has one labelled radio group per section, usable by its label', () => {
    function Stateful() {
      const [v, setV] = useState<Permissions>({});
      return <PermissionMatrix value={v} onChange={setV} />;
    }
    render(<Stateful />);
    expect(screen.getAllByRole('group').filter((g) => g.tagName === 'FIELDSET')).toHaveLength(SECTIONS.length);
    const write = screen.getByLabelText('Extensions Write') as HTMLInputElement;
    expect(write.checked).toBe(false);
    expect((screen.getByLabelText('Extensions None') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(write);
    expect((screen.getByLabelText('Extensions Write') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Extensions None') as HTMLInputElement).checked).toBe(false);
    // Radios of one section share a name (arrow keys move within it), sections do not.
    expect(write.name).toBe((screen.getByLabelText('Extensions Read') as HTMLInputElement).name);
    expect(write.name).not.toBe((screen.getByLabelText('Trunks Write') as HTMLInputElement).name);
  });

  it('disables the levels above the ceiling, and "all read" stays within it', () => {
    const onChange = vi.fn();
    const ceiling: Permissions = { extensions: 'write', trunks: 'read', phonebook: 'write' };
    render(<PermissionMatrix value={{}} onChange={onChange} ceiling={ceiling} />);
    const disabled = (id: string) => (screen.getByTestId(id) as HTMLInputElement).disabled;
    expect(disabled('perm-extensions-write')).toBe(false);
    expect(disabled('perm-trunks-read')).toBe(false);
    expect(disabled('perm-trunks-write')).toBe(true);
    expect(disabled('perm-privacy-read')).toBe(true);
    expect(disabled('perm-privacy-write')).toBe(true);
    expect(disabled('perm-privacy-none')).toBe(false);
    expect(screen.getByText(/Levels you do not hold yourself are disabled/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('perm-trunks-write'));
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('perm-all-read'));
    expect(onChange).toHaveBeenLastCalledWith({ extensions: 'read', trunks: 'read', phonebook: 'read' });
    fireEvent.click(screen.getByTestId('perm-all-none'));
    expect(onChange).toHaveBeenLastCalledWith({});
  });

  it('is entirely read-only when disabled', () => {
    render(<PermissionMatrix value={{ cdr: 'read' }} onChange={() => {}} disabled />);
    expect(screen.queryByTestId('perm-all-read')).toBeNull();
    for (const s of SECTIONS) expect((screen.getByTestId(`perm-${s}-none`) as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByTestId('perm-cdr-read') as HTMLInputElement).checked).toBe(true);
  });

  it('compares permission sets against a ceiling', () => {
    expect(permissionsWithin({ extensions: 'read' }, { extensions: 'write' })).toBe(true);
    expect(permissionsWithin({ privacy: 'write' }, { extensions: 'write' })).toBe(false);
    expect(permissionsWithin({ privacy: 'write' }, undefined)).toBe(true);
    expect(compact({ extensions: 'none', trunks: 'read' })).toEqual({ trunks: 'read' });
  });
});

describe('audit filters and the query string', () => {
  it('converts datetime-local values to UTC instants and back (Rome: +01:00 in winter, +02:00 in summer)', () => {
    expect(localToIso('2026-01-15T14:30')).toBe('2026-01-15T13:30:00.000Z');
    expect(localToIso('2026-07-01T00:10')).toBe('2026-06-30T22:10:00.000Z');
    expect(localToIso('')).toBeUndefined();
    expect(localToIso('yesterday')).toBeUndefined();
    expect(isoToLocal('2026-06-30T22:10:00.000Z')).toBe('2026-07-01T00:10');
    expect(isoToLocal('2026-01-15T14:30:00+01:00')).toBe('2026-01-15T14:30');
    expect(isoToLocal('garbage')).toBe('');
  });

  it('maps the form to the API filters: trimmed, empty left out, in a stable order', () => {
    const f = inputsToFilters({ actor: ' admin ', action: '', objectType: 'extension', objectKey: '201', from: '2026-01-15T14:30', to: '' });
    expect(f).toEqual({ actor: 'admin', objectType: 'extension', objectKey: '201', from: '2026-01-15T13:30:00.000Z' });
    expect(auditQueryString(f)).toBe('actor=admin&objectType=extension&objectKey=201&from=2026-01-15T13%3A30%3A00.000Z');
    expect(auditQueryString(f, { before: 120, format: undefined })).toBe('actor=admin&objectType=extension&objectKey=201&from=2026-01-15T13%3A30%3A00.000Z&before=120');
    // URL → filters → form round-trip (back button, shared links).
    const back = filtersFromQuery(new URLSearchParams(auditQueryString(f, { before: 120 })));
    expect(back).toEqual(f);
    expect(filtersToInputs(back)).toEqual({ actor: 'admin', action: '', objectType: 'extension', objectKey: '201', from: '2026-01-15T14:30', to: '' });
    expect(filtersFromQuery(new URLSearchParams('actor=&action=%20&foo=bar'))).toEqual({});
  });

  it('exports CSV with the same filters and the largest page', () => {
    expect(csvHref({ action: 'extensions.update' })).toBe('/api/v1/audit?action=extensions.update&format=csv&limit=10000');
  });

  it('names the section a revert writes like the API does', () => {
    const types = new Map([['extension', 'extensions'], ['AMI user', 'crm']]);
    expect(sectionOfObject('extension', types)).toBe('extensions');
    expect(sectionOfObject('system', types)).toBe('system');
    expect(sectionOfObject('emergency numbers', types)).toBe('routing');
    expect(sectionOfObject('trunk order', types)).toBe('routing');
    expect(sectionOfObject('webhook', types)).toBeUndefined();
  });

  it('the page reads its filters from the URL, and the filter form puts them back there', async () => {
    history.replaceState(null, '', '/audit?actor=admin');
    const calls: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const u = String(input);
      calls.push(u);
      return json({ items: [{ id: 7, at: '2026-01-15T13:30:00.000Z', actor: 'admin', source: '127.0.0.1', action: 'extensions.update', objectType: 'extension', objectKey: '201', summary: 'extension 201 changed', changes: [], revision: 3, revertible: true }] });
    });
    render(<Audit />);
    await screen.findByTestId('audit-row-7');
    expect(calls[0]).toBe('/api/v1/audit?actor=admin&limit=100');
    expect((screen.getByLabelText('Who') as HTMLInputElement).value).toBe('admin');
    expect(screen.getByTestId('audit-csv').getAttribute('href')).toBe('/api/v1/audit?actor=admin&format=csv&limit=10000');
    expect(screen.getByTestId('audit-row-7').querySelector('a')!.getAttribute('href')).toBe('/audit/7');
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'extensions.update' } });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-01-15T14:30' } });
    fireEvent.click(screen.getByTestId('audit-filter'));
    await waitFor(() => expect(calls.length).toBe(2));
    expect(location.pathname + location.search).toBe('/audit?actor=admin&action=extensions.update&from=2026-01-15T13%3A30%3A00.000Z');
    expect(calls[1]).toBe('/api/v1/audit?actor=admin&action=extensions.update&from=2026-01-15T13%3A30%3A00.000Z&limit=100');
    // Fewer entries than a page: there is nothing older.
    expect((screen.getByTestId('audit-older') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('Users', () => {
  it('shows the rights-ceiling refusal (403) of the API next to the form, and marks roles beyond the editor', async () => {
    const posted: unknown[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const u = String(input);
      const method = init?.method ?? 'GET';
      if (u === '/api/v1/auth/me') return json({ kind: 'user', name: 'boss', permissions: { users: 'write', extensions: 'write' }, mustChangePassword: false });
      if (u === '/api/v1/users') {
        if (method === 'POST') {
          posted.push(JSON.parse(String(init!.body)));
          return json({ error: { code: 'forbidden', message: 'role admin has write on trunks, which you do not have', fields: [] } }, 403);
        }
        return json({ items: [{ username: 'boss', role: 'helpdesk', language: 'en', mustChangePassword: false }], total: 1 });
      }
      if (u === '/api/v1/roles')
        return json({
          items: [
            { name: 'admin', permissions: { extensions: 'write', trunks: 'write' }, builtIn: true },
            { name: 'helpdesk', permissions: { users: 'write', extensions: 'write' }, builtIn: false },
            { name: 'reception', permissions: { extensions: 'read' }, builtIn: false },
          ],
          sections: [],
          levels: [],
        });
      if (u === '/api/v1/passwords/check') return json({ ok: true, problems: [] });
      if (u.startsWith('/api/v1/passwords/generate')) return json({ password: 'Gen-Erated-Pass-2026!' });
      return json({ error: { code: 'not_found', message: 'no such route', fields: [] } }, 404);
    });
    render(
      <SessionProvider>
        <FeedbackProvider>
          <Users />
        </FeedbackProvider>
      </SessionProvider>,
    );
    await screen.findByTestId('user-row-boss');
    const add = await screen.findByTestId('user-new');
    await waitFor(() => expect((add as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(add);
    const role = screen.getByLabelText('Role') as HTMLSelectElement;
    // The default is a role the editor may grant; the others are marked.
    expect(role.value).toBe('helpdesk');
    expect([...role.options].map((o) => o.textContent)).toEqual(['admin (rights you do not have)', 'helpdesk', 'reception']);
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'carla' } });
    fireEvent.change(role, { target: { value: 'admin' } });
    expect(screen.getByText(/This role has rights you do not hold yourself/)).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    });
    expect((screen.getByLabelText('Temporary password') as HTMLInputElement).value).toBe('Gen-Erated-Pass-2026!');
    fireEvent.click(screen.getByTestId('user-save'));
    const alert = await screen.findByTestId('user-form-error');
    expect(alert.textContent).toContain('Not permitted: role admin has write on trunks, which you do not have');
    expect(posted).toEqual([{ username: 'carla', password: 'Gen-Erated-Pass-2026!', role: 'admin', language: 'en' }]);
  });
});
