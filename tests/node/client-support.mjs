// Client support of an HTML email against caniemail.com's data (npm `caniemail`, data bundled).
//
//   node tests/node/client-support.mjs FILE.html
//
// Prints JSON: {"data": <date of the caniemail data>, "clients": [...],
//   "errors": [{client, title, support, line, notes}], "warnings": [...]}
// An error is a feature the client's latest version does not support at all, a warning one
// it supports only partly. Exit status 0 unless the file cannot be read or checked.
import { readFileSync } from "node:fs";

// The clients the newsletter must look right in (issue 5): classic Outlook for Windows,
// Outlook.com, Gmail (web, mobile web and apps), Apple Mail on macOS and iOS Mail.
export const CLIENTS = [
  "gmail.desktop-webmail",
  "gmail.mobile-webmail",
  "gmail.ios",
  "gmail.android",
  "outlook.windows",
  "outlook.outlook-com",
  "apple-mail.macos",
  "apple-mail.ios",
];

// caniemail 1.x matches client globs against a fixed list that leaves out Outlook.com, though
// its data covers it for every feature. The list is a module-level array: reach the same
// module instance (same file URL as the package's own import) and add the name, so the
// check runs on caniemail's real data for Outlook.com too.
const clientsModule = new URL("./node_modules/caniemail/dist/clients.js", import.meta.url);
const { clientNames } = await import(clientsModule.href);
for (const name of CLIENTS) {
  if (!clientNames.includes(name)) clientNames.push(name);
}
const { caniemail, rawData } = await import("caniemail");
// Throws "client(s) ... were not found" if the name did not take (a new caniemail layout).
caniemail({ clients: ["outlook.outlook-com"], html: "<p>check</p>" });

function flatten(featureMap) {
  const rows = [];
  for (const [client, issues] of featureMap) {
    for (const issue of issues) {
      rows.push({
        client,
        title: issue.title,
        support: issue.support,
        line: issue.position?.start?.line ?? null,
        notes: issue.notes.filter(Boolean),
      });
    }
  }
  return rows.sort(
    (a, b) =>
      a.client.localeCompare(b.client) ||
      a.title.localeCompare(b.title) ||
      (a.line ?? 0) - (b.line ?? 0),
  );
}

const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node client-support.mjs FILE.html");
  process.exit(2);
}
const html = readFileSync(file, "utf8");
const { issues } = caniemail({ clients: CLIENTS, html });
const result = {
  data: rawData.last_update_date,
  clients: CLIENTS,
  errors: flatten(issues.errors),
  warnings: flatten(issues.warnings),
};
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
