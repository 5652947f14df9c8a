// Placeholder: being written.
export function Audit() {
  return <section className="page"><h1>Audit</h1></section>;
}
export function AuditEntry({ id }: { id: string }) {
  return <section className="page"><h1>Audit {id}</h1></section>;
}
