// Placeholder: being written.
export function Dashboard() {
  return <section className="page"><h1>Dashboard</h1></section>;
}
