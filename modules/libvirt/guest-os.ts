/**
 * What a guest's definition says about its operating system, and the guard the disk modules
 * (virtio_disk, boot_disk) apply with it: a Windows guest whose boot disk moves to virtio before
 * its virtio storage driver (viostor) is installed never boots again (INACCESSIBLE_BOOT_DEVICE).
 *
 * Sources, in the definition only (no guest access):
 *  - virt-install's libosinfo id: `<metadata><libosinfo:libosinfo><libosinfo:os id="..."/>`;
 *  - the Windows bootstrap's metadata (bootstrap-metadata.ts): the guest agent's guest-get-osinfo
 *    id (`mswindows` on Windows) and the phase that proves the storage driver is in.
 */
import type { Domain } from './domain/index.js';
import { agentOsId, networkDriverEvidence, storageDriverEvidence } from './bootstrap-metadata.js';

export const LIBOSINFO_NS = 'http://libosinfo.org/xmlns/libvirt/domain/1.0';

export type OsFamily = 'windows' | 'linux' | 'other' | 'unknown';

export interface GuestOs {
  family: OsFamily;
  /** The libosinfo id, e.g. http://microsoft.com/win/2k8r2. */
  libosinfoId?: string;
  /** The guest agent's OS id as the bootstrap recorded it, e.g. mswindows, debian. */
  agentOs?: string;
  /** Where the family comes from, for messages: "libosinfo win2k8r2", "guest agent mswindows". */
  source: string;
}

/**
 * Hosts (and path prefixes) of Linux and BSD vendors in libosinfo's ids (osinfo-db's os/ folders:
 * http://<vendor>/<distro>/<version>). Anything else that is not Windows is "other" (macOS,
 * Solaris, MS-DOS, NetWare, Haiku...).
 */
const LINUX_VENDORS = [
  'redhat.com',
  'fedoraproject.org',
  'centos.org',
  'almalinux.org',
  'rockylinux.org',
  'oracle.com/ol',
  'oracle.com/oel',
  'scientificlinux.org',
  'debian.org',
  'ubuntu.com',
  'suse.com',
  'opensuse.org',
  'archlinux.org',
  'alpinelinux.org',
  'altlinux.org',
  'asianux.com',
  'cclinux.org',
  'clearlinux.org',
  'cirros-cloud.net',
  'elementary.io',
  'endlessos.com',
  'gentoo.org',
  'guix.gnu.org',
  'hyperbola.info',
  'mageia.org',
  'mandriva.com',
  'manjaro.org',
  'miraclelinux.com',
  'nixos.org',
  'pureos.net',
  'slackware.com',
  'system76.com',
  'trisquel.info',
  'univention.de',
  'voidlinux.org',
  'libosinfo.org/linux',
  'freebsd.org',
  'netbsd.org',
  'openbsd.org',
  'dragonflybsd.org',
];

/** guest-get-osinfo ids (os-release ID) of Linux and BSD guests. */
const LINUX_AGENT_IDS =
  /^(rhel|centos|fedora|almalinux|rocky|ol|debian|ubuntu|linuxmint|kali|sles|sled|opensuse.*|suse|arch|alpine|gentoo|mageia|void|nixos|clear-linux-os|freebsd|netbsd|openbsd|linux)$/;

/** The libosinfo id virt-install recorded in the definition, if any. */
export function libosinfoId(dom: Domain): string | undefined {
  const el = dom
    .metadataElement(LIBOSINFO_NS)
    ?.elements()
    .find((e) => e.localName === 'os');
  return el?.attr('id') || undefined;
}

/** The family of a libosinfo id: windows (http://microsoft.com/win/..., winnt/...), linux (a Linux/BSD vendor), else other. */
export function familyOfLibosinfo(id: string): Exclude<OsFamily, 'unknown'> {
  const rest = id.replace(/^https?:\/\//, '');
  if (rest.startsWith('microsoft.com/win/') || rest.startsWith('microsoft.com/winnt/')) return 'windows';
  if (LINUX_VENDORS.some((v) => rest === v || rest.startsWith(`${v}/`))) return 'linux';
  return 'other';
}

/** libosinfo's short id for messages: http://microsoft.com/win/2k8r2 -> win2k8r2, http://debian.org/debian/11 -> debian11. */
export function shortOsId(id: string): string {
  const parts = id
    .replace(/^https?:\/\//, '')
    .split('/')
    .filter(Boolean);
  if (parts[0] === 'microsoft.com' && parts[1] === 'win' && parts[2]) return `win${parts[2]}`;
  return parts.length >= 3 ? `${parts[parts.length - 2]}${parts[parts.length - 1]}` : parts.join('/') || id;
}

/**
 * What the definition says about the guest's OS. Windows wins when any source says so (the agent
 * reports the OS that actually runs); libosinfo's "unknown" id counts as no id.
 */
export function guestOs(dom: Domain): GuestOs {
  const id = libosinfoId(dom);
  const agentOs = agentOsId(dom);
  const fromId = id !== undefined && !/libosinfo\.org\/unknown/.test(id) ? familyOfLibosinfo(id) : undefined;
  const base = { ...(id !== undefined ? { libosinfoId: id } : {}), ...(agentOs !== undefined ? { agentOs } : {}) };
  if (fromId === 'windows') return { ...base, family: 'windows', source: `libosinfo ${shortOsId(id!)}` };
  if (agentOs === 'mswindows') return { ...base, family: 'windows', source: 'guest agent mswindows' };
  if (fromId !== undefined) return { ...base, family: fromId, source: `libosinfo ${shortOsId(id!)}` };
  if (agentOs !== undefined) return { ...base, family: LINUX_AGENT_IDS.test(agentOs) ? 'linux' : 'other', source: `guest agent ${agentOs}` };
  return { ...base, family: 'unknown', source: id !== undefined ? `libosinfo id ${id}` : 'no libosinfo id in its definition' };
}

/** The outcome of the storage-driver guard for one guest about to get a virtio boot (or data) disk. */
export interface GuardResult {
  /** Refuse the guest: the reason, for guests[].msg. */
  refuse?: string;
  /** Go on, but say this. */
  warning?: string;
}

export interface GuardOptions {
  /** The task says the driver is in (the operator installed it): `driver_ready: true`. */
  driverReady?: boolean;
  /** What the change does, for the refusal: the boot disk moves / is switched to virtio, or only data disks move. */
  bootDisk: boolean;
  /** The module's verb, for the unknown-OS warning: "moves its disks to virtio". */
  action: string;
}

export const REFUSAL_HINT = 'Use playbooks/windows-virtio.yml (virtio_bootstrap), or set driver_ready: true if you installed the driver yourself';

/**
 * The Windows guard: a guest known to be Windows gets no virtio disk change unless its virtio
 * storage driver is known to be in (the bootstrap's phase installed/switched/done) or the task
 * says so (driver_ready). A guest whose OS the definition does not tell goes on, with a warning.
 */
export function virtioStorageGuard(dom: Domain, opts: GuardOptions): GuardResult {
  if (opts.driverReady === true) return {};
  const os = guestOs(dom);
  if (os.family === 'unknown') {
    return {
      warning: `its OS was not checked (${os.source}): virtplay ${opts.action} as if it were not Windows; a Windows guest without its virtio storage driver (viostor) would not boot again`,
    };
  }
  if (os.family !== 'windows' || storageDriverEvidence(dom) !== undefined) return {};
  const harm = opts.bootDisk
    ? 'moving its boot disk to virtio would leave it unbootable (INACCESSIBLE_BOOT_DEVICE)'
    : 'a disk moved to virtio stays invisible to Windows until that driver is in';
  return { refuse: `Windows guest (${os.source}) without evidence that its virtio storage driver (viostor) is installed: ${harm}. ${REFUSAL_HINT}` };
}

/**
 * The NIC guard (virtio_nic): a guest known to be Windows gets no virtio NIC unless its virtio
 * network driver (NetKVM) is known to be in (the bootstrap staged it: the phase that proves the
 * storage driver, without nic='keep') or the task says so (driver_ready). Windows boots without
 * it, but the NIC has no driver: a remote guest is cut off. A guest whose OS the definition does
 * not tell goes on silently (its NIC is not its boot path; the disk guard warns about it).
 */
export function virtioNetGuard(dom: Domain, opts: { driverReady?: boolean }): GuardResult {
  if (opts.driverReady === true) return {};
  const os = guestOs(dom);
  if (os.family !== 'windows' || networkDriverEvidence(dom) !== undefined) return {};
  return {
    refuse:
      `Windows guest (${os.source}) without evidence that its virtio network driver (NetKVM) is installed: ` +
      `a virtio NIC would have no driver and cut the guest off the network. ${REFUSAL_HINT}`,
  };
}
