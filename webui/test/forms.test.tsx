// The schema-driven form: what a new object shows is what the server will store (defaults), lists
// edited as lines keep the Enter key, and the API's field errors land next to their field.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { emptyValue, type JsonSchema } from '../src/lib/schema.ts';
import { LinesInput, SchemaForm } from '../src/components/SchemaForm.tsx';

const trunk: JsonSchema = {
  type: 'object',
  required: ['name', 'type', 'host'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['register', 'ip'] },
    host: { type: 'string' },
    qualify: { type: 'boolean', default: true },
    codecs: { type: 'array', default: ['alaw', 'ulaw'], items: { type: 'string', enum: ['alaw', 'ulaw', 'g722'] } },
    callerId: { type: 'string' },
  },
};

describe('emptyValue', () => {
  it('fills required fields and the defaults the server would apply, nothing else', () => {
    expect(emptyValue(trunk)).toEqual({ name: '', type: 'register', host: '', qualify: true, codecs: ['alaw', 'ulaw'] });
  });
  it('gives a union its first kind and a literal its value', () => {
    const dest: JsonSchema = { anyOf: [{ type: 'object', required: ['hangup'], properties: { hangup: { type: 'boolean', const: true } } }] };
    expect(emptyValue(dest)).toEqual({ hangup: true });
  });
});

describe('LinesInput', () => {
  function Harness({ onValue }: { onValue(v: string[]): void }) {
    const [v, setV] = useState<string[]>([]);
    return (
      <LinesInput
        id="patterns"
        value={v}
        onChange={(n) => {
          setV(n);
          onValue(n);
        }}
      />
    );
  }
  it('keeps a new line while typing and yields the non-empty lines', () => {
    const seen = vi.fn();
    render(<Harness onValue={seen} />);
    const box = screen.getByRole('textbox') as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: '0X.\n' } });
    expect(box.value).toBe('0X.\n');
    expect(seen).toHaveBeenLastCalledWith(['0X.']);
    fireEvent.change(box, { target: { value: '0X.\n00X.' } });
    expect(box.value).toBe('0X.\n00X.');
    expect(seen).toHaveBeenLastCalledWith(['0X.', '00X.']);
  });
});

describe('SchemaForm', () => {
  it('shows a new object with the server defaults ticked and puts API errors next to nested fields', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        ...trunk.properties,
        devices: { type: 'array', items: { type: 'object', required: ['username'], properties: { username: { type: 'string' }, password: { type: 'string' } } } },
      },
      required: ['name'],
    };
    const value = { ...(emptyValue(schema) as Record<string, unknown>), devices: [{ username: '201', password: 'x' }] };
    render(<SchemaForm schema={schema} value={value} onChange={() => {}} errors={[{ path: 'devices[0].password', message: 'at least 8 characters' }]} />);
    expect((screen.getByLabelText(/Check reachability/) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('alaw') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('g722') as HTMLInputElement).checked).toBe(false);
    const pw = document.getElementById('f-devices_0__password') as HTMLInputElement;
    expect(pw.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('f-devices_0__password-err')?.textContent).toBe('at least 8 characters');
  });
});
