// The store holds message bodies and phone numbers: the folders the bridge creates for it are the owner's alone (0700),
// and so are the files (0600; SQLite gives its -wal and -shm files the database file's mode).
import * as fs from "node:fs"
import * as path from "node:path"

/**
 * Makes `file`'s folder (0700, each folder it creates) and the file itself, empty (0600), unless they exist; a file an
 * older version made readable to others (0644) is made the owner's alone, when this process owns it.
 */
export const createPrivately = (file: string) => {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 })
  try {
    fs.writeFileSync(file, "", { mode: 0o600, flag: "wx" })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    const stat = fs.statSync(file)
    if (stat.isFile() && (stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) fs.chmodSync(file, stat.mode & 0o700)
  }
}
