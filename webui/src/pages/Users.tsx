// Placeholder: being written.
export function Users() {
  return <section className="page"><h1>Users</h1></section>;
}
