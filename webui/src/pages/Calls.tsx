// Placeholder: being written.
export function Calls() {
  return <section className="page"><h1>Calls</h1></section>;
}
