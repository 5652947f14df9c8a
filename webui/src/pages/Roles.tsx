// Placeholder: being written.
export function Roles() {
  return <section className="page"><h1>Roles</h1></section>;
}
