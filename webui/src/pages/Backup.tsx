// Placeholder: being written.
export function Backup() {
  return <section className="page"><h1>Backup</h1></section>;
}
