// Placeholder: being written.
export function ExtensionWizard() {
  return <section className="page"><h1>New extension</h1></section>;
}
export function TrunkWizard() {
  return <section className="page"><h1>New trunk</h1></section>;
}
