import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const MACHINE_ID_FILES: readonly string[] = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

/**
 * A value that identifies this machine, mixed into the secret box's key so a
 * database copied elsewhere (with its secret file) does not decrypt there.
 */
export function machineValue(files: readonly string[] = MACHINE_ID_FILES): string {
  for (const file of files) {
    try {
      const value = readFileSync(file, 'utf8').trim();
      if (value.length > 0) return value;
    } catch {
      // Absent or unreadable: try the next source.
    }
  }
  return hostname();
}
