// Placeholder: being written.
export function Tokens() {
  return <section className="page"><h1>Tokens</h1></section>;
}
