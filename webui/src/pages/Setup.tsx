// Placeholder: being written.
export function Setup() {
  return <section className="page"><h1>Setup</h1></section>;
}
