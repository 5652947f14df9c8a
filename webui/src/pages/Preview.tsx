// Placeholder: being written.
export function Preview() {
  return <section className="page"><h1>Preview</h1></section>;
}
