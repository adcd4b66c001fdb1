// The bundle's first statement: a Node too old for node:sqlite (unflagged from 22.13 and 23.4) is told so in one line,
// instead of dying on the import with a stack. Deno and Bun bring their own; the single executable brings Node 24.

/** Whether this Node version has node:sqlite without a flag. */
export const hasSqlite = (version: string): boolean => {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number)
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13)
}

/** `hasSqlite` and what to say, as source for the bundle's banner (esbuild puts it before everything else). */
export const runtimeCheckBanner = `(() => {
  if (globalThis.Deno || globalThis.Bun) return;
  const hasSqlite = ${hasSqlite.toString()};
  if (hasSqlite(process.versions.node)) return;
  console.error("custom-channel-server needs Node 22.13 or later (node:sqlite); this is Node " + process.versions.node +
    ": run the single executable dist/channel-server, which brings its own, or this file with Deno 2 or Bun");
  process.exit(1);
})();`
