/**
 * Machine types (`<os><type machine=...>`) and what each family builds in.
 * 'pc' is an alias of the newest 'pc-i440fx-X.Y' (older 'pc-0.x'/'pc-1.x' are i440fx too);
 * 'q35' is an alias of 'pc-q35-X.Y'. libvirt stores the expanded name on define.
 */
export type MachineFamily = 'i440fx' | 'q35' | 'other';

export function machineFamily(machine: string | undefined): MachineFamily {
  // libvirt on x86 picks the i440fx 'pc' machine when none is given.
  if (machine === undefined || machine === 'pc' || /^pc-(i440fx-|\d)/.test(machine)) return 'i440fx';
  if (machine === 'q35' || machine.startsWith('pc-q35-')) return 'q35';
  return 'other';
}

/**
 * Disk controllers the machine has built in, which libvirt always lists (and adds back when they
 * are removed): the PIIX IDE controller on i440fx and the ICH9 AHCI (SATA) controller on q35,
 * both index 0. Removing one is harmless but pointless, so virtplay never does.
 */
export function isBuiltinController(family: MachineFamily, type: string | undefined, index: number): boolean {
  if (index !== 0) return false;
  return (family === 'i440fx' && type === 'ide') || (family === 'q35' && type === 'sata');
}

/** The bus a new CD-ROM drive gets on this machine: IDE on i440fx, SATA on q35 (which has no IDE). */
export function defaultCdromBus(family: MachineFamily): 'ide' | 'sata' {
  return family === 'q35' ? 'sata' : 'ide';
}
