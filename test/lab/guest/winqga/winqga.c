/*
 * winqga: the stand-in guest's "QEMU guest agent for Windows" (test/lab/guest/README.md).
 *
 * Answers on the virtio-serial port org.qemu.guest_agent.0 the way qemu-ga for Windows does for the
 * commands virtplay's Windows bootstrap uses: guest-sync(-delimited), guest-ping, guest-info,
 * guest-get-osinfo (Windows Server 2008 R2 or 2016), guest-get-devices (PCI devices Windows has a
 * driver for), guest-network-get-interfaces (Windows adapter names), guest-exec/guest-exec-status
 * (Windows programs mapped to scripts in /etc/virtplay/win/; asynchronous as qemu-ga: the pid at
 * once, `exited: false` while the program runs), guest-shutdown.
 *
 * Usage: winqga -p /dev/vportNpM [-P win2k8r2|win2k16]
 * Framing: a stream of JSON objects in (libvirt sends one per line), one JSON object + "\n" out.
 * A 0xFF byte in the input resets the parser (qga's delimiter). EOF on the port means the host side
 * is not connected (yet): as qemu-ga does on virtio-serial, the port stays open and the agent
 * sleeps a little and reads again. Closing it would tell QEMU, and so libvirt, that the agent
 * went away: libvirt connects to the agent only once the guest has opened the port, so a close
 * while libvirt is still connecting (slow under a loaded TCG host) can leave it "not connected"
 * for the rest of the boot. The agent never exits on its own.
 * Built statically by build.sh: gcc -static -Os.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WIN_DIR "/etc/virtplay/win"
#define DRIVERS_TXT "/boot/windows/drivers.txt"
#define AGENT_VERSION "100.0.0"
#define EXEC_TIMEOUT_MS 120000

static const char *personality = "win2k8r2";
static const char *port_path;

/* ---- growable buffer ------------------------------------------------------------------------ */
typedef struct { char *p; size_t n, cap; } Buf;

static void bput(Buf *b, const void *s, size_t len) {
  if (b->n + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + len + 1) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) abort();
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = 0;
}
static void bputs(Buf *b, const char *s) { bput(b, s, strlen(s)); }
static void bprintf(Buf *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) bput(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
static void bfree(Buf *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }

/* A JSON string literal. */
static void bjstr(Buf *b, const char *s) {
  bputs(b, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    switch (*c) {
      case '"': bputs(b, "\\\""); break;
      case '\\': bputs(b, "\\\\"); break;
      case '\n': bputs(b, "\\n"); break;
      case '\r': bputs(b, "\\r"); break;
      case '\t': bputs(b, "\\t"); break;
      default:
        if (*c < 0x20) bprintf(b, "\\u%04x", *c);
        else bput(b, c, 1);
    }
  }
  bputs(b, "\"");
}

static void b64(Buf *b, const unsigned char *s, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  bputs(b, "\"");
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
    char o[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=', i + 2 < n ? tab[v & 63] : '='};
    bput(b, o, 4);
  }
  bputs(b, "\"");
}

/* ---- minimal JSON parser -------------------------------------------------------------------- */
enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct J {
  int t;
  long long num;
  char *str;
  int len;
  char **keys;
  struct J **vals;
} J;

static void jfree(J *j) {
  if (!j) return;
  free(j->str);
  for (int i = 0; i < j->len; i++) {
    if (j->keys) free(j->keys[i]);
    jfree(j->vals[i]);
  }
  free(j->keys);
  free(j->vals);
  free(j);
}

static void skipws(const char **p) { while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r') (*p)++; }

static char *pstring(const char **p) {
  if (**p != '"') return NULL;
  (*p)++;
  Buf b = {0};
  bputs(&b, "");
  while (**p && **p != '"') {
    char c = *(*p)++;
    if (c != '\\') { bput(&b, &c, 1); continue; }
    c = *(*p)++;
    switch (c) {
      case 'n': bputs(&b, "\n"); break;
      case 't': bputs(&b, "\t"); break;
      case 'r': bputs(&b, "\r"); break;
      case 'b': bputs(&b, "\b"); break;
      case 'f': bputs(&b, "\f"); break;
      case 'u': {
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
          char h = **p;
          if (!isxdigit((unsigned char)h)) { bfree(&b); return NULL; }
          v = v * 16 + (isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
          (*p)++;
        }
        char u[3];
        if (v < 0x80) { u[0] = (char)v; bput(&b, u, 1); }
        else if (v < 0x800) { u[0] = (char)(0xC0 | v >> 6); u[1] = (char)(0x80 | (v & 63)); bput(&b, u, 2); }
        else { u[0] = (char)(0xE0 | v >> 12); u[1] = (char)(0x80 | (v >> 6 & 63)); u[2] = (char)(0x80 | (v & 63)); bput(&b, u, 3); }
        break;
      }
      case 0: bfree(&b); return NULL;
      default: bput(&b, &c, 1);
    }
  }
  if (**p != '"') { bfree(&b); return NULL; }
  (*p)++;
  return b.p;
}

static J *pvalue(const char **p, int depth) {
  if (depth > 32) return NULL;
  skipws(p);
  J *j = calloc(1, sizeof *j);
  if (!j) abort();
  if (**p == '{' || **p == '[') {
    int obj = **p == '{';
    char close = obj ? '}' : ']';
    j->t = obj ? J_OBJ : J_ARR;
    (*p)++;
    skipws(p);
    if (**p == close) { (*p)++; return j; }
    for (;;) {
      char *key = NULL;
      if (obj) {
        skipws(p);
        key = pstring(p);
        if (!key) goto bad;
        skipws(p);
        if (**p != ':') { free(key); goto bad; }
        (*p)++;
      }
      J *v = pvalue(p, depth + 1);
      if (!v) { free(key); goto bad; }
      j->vals = realloc(j->vals, sizeof *j->vals * (j->len + 1));
      if (obj) j->keys = realloc(j->keys, sizeof *j->keys * (j->len + 1));
      j->vals[j->len] = v;
      if (obj) j->keys[j->len] = key;
      j->len++;
      skipws(p);
      if (**p == ',') { (*p)++; continue; }
      if (**p == close) { (*p)++; return j; }
      goto bad;
    }
  }
  if (**p == '"') {
    j->t = J_STR;
    j->str = pstring(p);
    if (!j->str) goto bad;
    return j;
  }
  if (!strncmp(*p, "true", 4)) { j->t = J_BOOL; j->num = 1; *p += 4; return j; }
  if (!strncmp(*p, "false", 5)) { j->t = J_BOOL; *p += 5; return j; }
  if (!strncmp(*p, "null", 4)) { j->t = J_NULL; *p += 4; return j; }
  if (**p == '-' || isdigit((unsigned char)**p)) {
    char *end;
    j->t = J_NUM;
    j->num = strtoll(*p, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E') strtod(*p, &end);
    *p = end;
    return j;
  }
bad:
  jfree(j);
  return NULL;
}

static J *jget(const J *o, const char *key) {
  if (!o || o->t != J_OBJ) return NULL;
  for (int i = 0; i < o->len; i++)
    if (!strcmp(o->keys[i], key)) return o->vals[i];
  return NULL;
}
static const char *jstr(const J *j) { return j && j->t == J_STR ? j->str : NULL; }

/* ---- replies -------------------------------------------------------------------------------- */
static int port_fd = -1;

static void send_raw(const char *s, size_t n) {
  while (n > 0 && port_fd >= 0) {
    ssize_t w = write(port_fd, s, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    s += w;
    n -= (size_t)w;
  }
}

static void reply_return(const char *json) {
  Buf b = {0};
  bputs(&b, "{\"return\": ");
  bputs(&b, json);
  bputs(&b, "}\n");
  send_raw(b.p, b.n);
  bfree(&b);
}

static void reply_error(const char *cls, const char *desc) {
  Buf b = {0};
  bputs(&b, "{\"error\": {\"class\": ");
  bjstr(&b, cls);
  bputs(&b, ", \"desc\": ");
  bjstr(&b, desc);
  bputs(&b, "}}\n");
  send_raw(b.p, b.n);
  bfree(&b);
}

/* ---- helpers -------------------------------------------------------------------------------- */
static int is_2016(void) { return !strcmp(personality, "win2k16"); }

static char *read_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  Buf b = {0};
  bputs(&b, "");
  char tmp[4096];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) bput(&b, tmp, n);
  fclose(f);
  return b.p;
}

static long sysfs_hex(const char *dev, const char *attr) {
  char path[512];
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/%s", dev, attr);
  char *s = read_file(path);
  if (!s) return -1;
  long v = strtol(s, NULL, 16);
  free(s);
  return v;
}

/* The state of an installed driver from drivers.txt ("viostor: signed, installed, oem1.inf"):
 * 0 none, 1 staged, 2 installed. */
static int driver_state(const char *name) {
  char *s = read_file(DRIVERS_TXT);
  if (!s) return 0;
  int st = 0;
  size_t nl = strlen(name);
  for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncasecmp(line, name, nl) || line[nl] != ':') continue;
    if (strstr(line, "installed")) st = 2;
    else if (strstr(line, "staged")) st = 1;
  }
  free(s);
  return st;
}

static long long date_ns(int y, int m, int d) {
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  return (long long)timegm(&tm) * 1000000000LL;
}

/* ---- guest-get-osinfo ----------------------------------------------------------------------- */
static void cmd_osinfo(void) {
  const char *pretty = "Windows Server 2008 R2 Enterprise", *version = "Microsoft Windows Server 2008 R2",
             *vid = "2008 R2", *kv = "6.1", *kr = "7601";
  if (is_2016()) {
    pretty = "Windows Server 2016 Standard";
    version = "Microsoft Windows Server 2016";
    vid = "2016";
    kv = "10.0";
    kr = "14393";
  }
  Buf b = {0};
  bprintf(&b,
          "{\"name\": \"Microsoft Windows\", \"kernel-release\": \"%s\", \"version\": \"%s\", \"variant\": \"server\", "
          "\"pretty-name\": \"%s\", \"version-id\": \"%s\", \"variant-id\": \"server\", \"kernel-version\": \"%s\", "
          "\"machine\": \"x86_64\", \"id\": \"mswindows\"}",
          kr, version, pretty, vid, kv);
  reply_return(b.p);
  bfree(&b);
}

/* ---- guest-get-devices ---------------------------------------------------------------------- */
struct known {
  unsigned vendor, device;
  const char *name;
  const char *driver; /* NULL: inbox (always); else the drivers.txt name that must be staged/installed */
};
static const struct known KNOWN[] = {
  {0x8086, 0x1237, "Intel 82441FX Pentium(R) Pro Processor to PCI bridge", NULL},
  {0x8086, 0x7000, "Intel 82371SB PCI to ISA bridge", NULL},
  {0x8086, 0x7010, "Intel(R) 82371SB PCI Bus Master IDE Controller", NULL},
  {0x8086, 0x7020, "Intel(R) 82371SB PCI to USB Universal Host Controller", NULL},
  {0x8086, 0x7113, "Intel 82371AB/EB Power Management Controller", NULL},
  {0x8086, 0x100e, "Intel(R) PRO/1000 MT Network Connection", NULL},
  {0x10ec, 0x8139, "Realtek RTL8139/810x Family Fast Ethernet NIC", NULL},
  {0x1234, 0x1111, "Standard VGA Graphics Adapter", NULL},
  {0x8086, 0x29c0, "Intel(R) 82G33/G31/P35/P31 Express DRAM Controller - 29C0", NULL},
  {0x8086, 0x2918, "Intel(R) ICH9 LPC Interface Controller - 2918", NULL},
  {0x8086, 0x2922, "Standard SATA AHCI Controller", NULL},
  {0x8086, 0x2930, "Intel(R) ICH9 Family SMBus Controller - 2930", NULL},
  {0x8086, 0x2934, "Standard Universal PCI to USB Host Controller", NULL},
  {0x8086, 0x2935, "Standard Universal PCI to USB Host Controller", NULL},
  {0x8086, 0x2936, "Standard Universal PCI to USB Host Controller", NULL},
  {0x8086, 0x293a, "Standard Enhanced PCI to USB Host Controller", NULL},
  {0x1b36, 0x000c, "PCI Express Root Port", NULL},
  {0x1b36, 0x000d, "USB xHCI Compliant Host Controller", NULL},
  {0x1af4, 0x1003, "VirtIO Serial Driver", ""},
  {0x1af4, 0x1043, "VirtIO Serial Driver", ""},
  {0x1af4, 0x1001, "Red Hat VirtIO SCSI controller", "viostor"},
  {0x1af4, 0x1042, "Red Hat VirtIO SCSI controller", "viostor"},
  {0x1af4, 0x1000, "Red Hat VirtIO Ethernet Adapter", "netkvm"},
  {0x1af4, 0x1041, "Red Hat VirtIO Ethernet Adapter", "netkvm"},
  {0x1af4, 0x1002, "VirtIO Balloon Driver", "balloon"},
  {0x1af4, 0x1045, "VirtIO Balloon Driver", "balloon"},
};

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void cmd_devices(void) {
  DIR *d = opendir("/sys/bus/pci/devices");
  char *names[256];
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) && n < 256)
    if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  if (d) closedir(d);
  qsort(names, n, sizeof *names, name_cmp);
  Buf b = {0};
  bputs(&b, "[");
  int first = 1;
  for (int i = 0; i < n; i++) {
    long ven = sysfs_hex(names[i], "vendor"), dev = sysfs_hex(names[i], "device");
    const struct known *k = NULL;
    for (size_t j = 0; j < sizeof KNOWN / sizeof *KNOWN; j++)
      if (KNOWN[j].vendor == (unsigned)ven && KNOWN[j].device == (unsigned)dev) k = &KNOWN[j];
    if (!k) continue;
    const char *version;
    long long date;
    if (!k->driver) {
      version = is_2016() ? "10.0.14393.0" : "6.1.7601.17514";
      date = date_ns(2006, 6, 21);
    } else {
      if (*k->driver && driver_state(k->driver) == 0) continue; /* no driver: qga skips it */
      version = "100.94.104.24000";
      date = date_ns(2023, 8, 28);
    }
    if (!first) bputs(&b, ", ");
    first = 0;
    bputs(&b, "{\"driver-date\": ");
    bprintf(&b, "%lld, \"driver-name\": ", date);
    bjstr(&b, k->name);
    bputs(&b, ", \"driver-version\": ");
    bjstr(&b, version);
    bprintf(&b, ", \"id\": {\"device-id\": %ld, \"vendor-id\": %ld, \"type\": \"pci\"}}", dev, ven);
  }
  bputs(&b, "]");
  for (int i = 0; i < n; i++) free(names[i]);
  reply_return(b.p);
  bfree(&b);
}

/* ---- guest-network-get-interfaces ----------------------------------------------------------- */
static int prefix_len(const struct sockaddr *mask) {
  int bits = 0;
  const unsigned char *p;
  size_t len;
  if (!mask) return 0;
  if (mask->sa_family == AF_INET) { p = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr; len = 4; }
  else { p = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr; len = 16; }
  for (size_t i = 0; i < len; i++)
    for (int j = 7; j >= 0; j--) bits += p[i] >> j & 1;
  return bits;
}

static void iface_addresses(Buf *b, struct ifaddrs *all, const char *ifname) {
  int first = 1;
  bputs(b, "[");
  for (int fam = 0; fam < 2; fam++)
    for (struct ifaddrs *a = all; a; a = a->ifa_next) {
      if (strcmp(a->ifa_name, ifname) || !a->ifa_addr) continue;
      int af = a->ifa_addr->sa_family;
      if ((fam == 0 && af != AF_INET) || (fam == 1 && af != AF_INET6)) continue;
      char addr[INET6_ADDRSTRLEN];
      const void *src = af == AF_INET ? (const void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr
                                      : (const void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
      inet_ntop(af, src, addr, sizeof addr);
      if (!first) bputs(b, ", ");
      first = 0;
      bprintf(b, "{\"ip-address-type\": \"%s\", \"ip-address\": \"%s\", \"prefix\": %d}", af == AF_INET ? "ipv4" : "ipv6", addr,
              prefix_len(a->ifa_netmask));
    }
  bputs(b, "]");
}

static void cmd_interfaces(void) {
  struct ifaddrs *all = NULL;
  getifaddrs(&all);
  struct if_nameindex *ni = if_nameindex();
  Buf b = {0};
  bputs(&b, "[");
  int first = 1, nic = 0;
  const char *base = is_2016() ? "Ethernet" : "Local Area Connection";
  for (struct if_nameindex *i = ni; i && i->if_index; i++) {
    if (!strcmp(i->if_name, "lo")) continue;
    char path[256], name[128];
    snprintf(path, sizeof path, "/sys/class/net/%s/address", i->if_name);
    char *mac = read_file(path);
    if (mac) mac[strcspn(mac, "\n")] = 0;
    nic++;
    if (nic == 1) snprintf(name, sizeof name, "%s", base);
    else snprintf(name, sizeof name, "%s %d", base, nic);
    if (!first) bputs(&b, ", ");
    first = 0;
    bputs(&b, "{\"name\": ");
    bjstr(&b, name);
    bputs(&b, ", \"hardware-address\": ");
    bjstr(&b, mac ? mac : "00:00:00:00:00:00");
    bputs(&b, ", \"ip-addresses\": ");
    iface_addresses(&b, all, i->if_name);
    bputs(&b, "}");
    free(mac);
  }
  if (!first) bputs(&b, ", ");
  bputs(&b, "{\"name\": \"Loopback Pseudo-Interface 1\", \"ip-addresses\": ");
  iface_addresses(&b, all, "lo");
  bputs(&b, "}]");
  if (ni) if_freenameindex(ni);
  if (all) freeifaddrs(all);
  reply_return(b.p);
  bfree(&b);
}

/* ---- guest-exec / guest-exec-status --------------------------------------------------------- */
/* A program started by guest-exec: running (its pipes polled by the main loop) or exited. */
typedef struct {
  int used;
  int pid;
  int running;
  int exitcode;
  int fd[2]; /* stdout, stderr; -1 once closed */
  struct timespec start;
  Buf raw[2];
  Buf out, err;
} Proc;
static Proc procs[64];

/* LF -> CRLF (output of a Windows program). */
static void crlf(Buf *dst, const Buf *src) {
  bputs(dst, "");
  for (size_t i = 0; i < src->n; i++) {
    if (src->p[i] == '\n' && (i == 0 || src->p[i - 1] != '\r')) bputs(dst, "\r");
    bput(dst, src->p + i, 1);
  }
}

static void cmd_exec(const J *args) {
  const char *path = jstr(jget(args, "path"));
  J *arg = jget(args, "arg");
  J *cap = jget(args, "capture-output");
  int capture = cap && ((cap->t == J_BOOL && cap->num) || (cap->t == J_STR && strcmp(cap->str, "none")));
  if (!path) { reply_error("GenericError", "Parameter 'path' is missing"); return; }
  /* The program: the name after the last backslash (or slash), case-insensitively, without .exe. */
  const char *base = path;
  for (const char *c = path; *c; c++)
    if (*c == '\\' || *c == '/') base = c + 1;
  char prog[64] = "";
  size_t n = 0;
  for (const char *c = base; *c && n < sizeof prog - 1; c++) prog[n++] = (char)tolower((unsigned char)*c);
  prog[n] = 0;
  if (n > 4 && !strcmp(prog + n - 4, ".exe")) prog[n - 4] = 0;
  char script[128];
  int ok = prog[0] != 0;
  for (char *c = prog; *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-') ok = 0;
  snprintf(script, sizeof script, WIN_DIR "/%s.sh", prog);
  if (!ok || access(script, R_OK) != 0) {
    reply_error("GenericError", "Guest agent command failed, error was 'Failed to execute child process (No such file or directory)'");
    return;
  }
  Proc *p = NULL;
  for (int i = 0; i < 64; i++)
    if (!procs[i].used) { p = &procs[i]; break; }
  if (!p) { reply_error("GenericError", "Guest agent command failed, error was 'too many processes'"); return; }

  int po[2], pe[2];
  if (pipe(po) || pipe(pe)) { reply_error("GenericError", "Guest agent command failed, error was 'pipe failed'"); return; }
  int argc = arg && arg->t == J_ARR ? arg->len : 0;
  char **argv = calloc(argc + 4, sizeof *argv);
  argv[0] = "sh";
  argv[1] = script;
  for (int i = 0; i < argc; i++) argv[2 + i] = (char *)(jstr(arg->vals[i]) ? jstr(arg->vals[i]) : "");
  mkdir("/run/winqga", 0700);
  pid_t pid = fork();
  if (pid == 0) {
    char envv[64];
    snprintf(envv, sizeof envv, "/run/winqga/exit.%d", (int)getpid());
    setenv("WINQGA_EXITCODE", envv, 1);
    setenv("WINQGA_PERSONALITY", personality, 1);
    setenv("PATH", "/sbin:/bin:/usr/sbin:/usr/bin", 1);
    int nul = open("/dev/null", O_RDWR);
    dup2(nul, 0);
    dup2(capture ? po[1] : nul, 1);
    dup2(capture ? pe[1] : nul, 2);
    for (int fd = 3; fd < 256; fd++) close(fd);
    execv("/bin/sh", argv);
    _exit(127);
  }
  free(argv);
  close(po[1]);
  close(pe[1]);
  if (pid < 0) {
    close(po[0]);
    close(pe[0]);
    reply_error("GenericError", "Guest agent command failed, error was 'Failed to execute child process (fork failed)'");
    return;
  }
  /* Asynchronous, as qemu-ga: the pid now, the output and exit status through guest-exec-status
   * once the program ended (the main loop reads its pipes meanwhile). */
  memset(p, 0, sizeof *p);
  p->used = 1;
  p->running = 1;
  p->pid = pid;
  p->fd[0] = po[0];
  p->fd[1] = pe[0];
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  char r[64];
  snprintf(r, sizeof r, "{\"pid\": %d}", (int)pid);
  reply_return(r);
}

/* The program's end, once its pipes closed and it exited (WNOHANG: a program that closed its
 * output early, or ran without capture, is asked again at the next turn): exit status (a Windows
 * code from $WINQGA_EXITCODE), CRLF output. */
static void proc_finish(Proc *p) {
  int status = 0;
  pid_t w;
  while ((w = waitpid(p->pid, &status, WNOHANG)) < 0 && errno == EINTR) {}
  if (w == 0) return;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  char ecfile[64];
  snprintf(ecfile, sizeof ecfile, "/run/winqga/exit.%d", p->pid);
  char *ec = read_file(ecfile);
  if (ec) {
    if (*ec) code = atoi(ec);
    free(ec);
    unlink(ecfile);
  }
  p->exitcode = code;
  crlf(&p->out, &p->raw[0]);
  crlf(&p->err, &p->raw[1]);
  bfree(&p->raw[0]);
  bfree(&p->raw[1]);
  p->running = 0;
}

/* Adds the running programs' pipes to fds (from index n); returns the new count. */
static int proc_fds(struct pollfd *fds, int n) {
  for (int i = 0; i < 64; i++)
    for (int k = 0; k < 2; k++)
      if (procs[i].used && procs[i].running && procs[i].fd[k] >= 0) fds[n++] = (struct pollfd){procs[i].fd[k], POLLIN, 0};
  return n;
}

/* Reads what the programs wrote, ends the ones whose pipes closed or whose time is up. */
static void proc_pump(const struct pollfd *fds, int n) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  for (int i = 0; i < 64; i++) {
    Proc *p = &procs[i];
    if (!p->used || !p->running) continue;
    for (int k = 0; k < 2; k++) {
      if (p->fd[k] < 0) continue;
      for (int j = 0; j < n; j++) {
        if (fds[j].fd != p->fd[k] || !(fds[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char tmp[4096];
        ssize_t got = read(p->fd[k], tmp, sizeof tmp);
        if (got > 0) bput(&p->raw[k], tmp, (size_t)got);
        else if (got == 0 || errno != EINTR) { close(p->fd[k]); p->fd[k] = -1; }
      }
    }
    if ((now.tv_sec - p->start.tv_sec) * 1000 > EXEC_TIMEOUT_MS) {
      kill(p->pid, SIGKILL);
      for (int k = 0; k < 2; k++)
        if (p->fd[k] >= 0) { close(p->fd[k]); p->fd[k] = -1; }
    }
    if (p->fd[0] < 0 && p->fd[1] < 0) proc_finish(p);
  }
}

static void cmd_exec_status(const J *args) {
  J *jp = jget(args, "pid");
  if (!jp || jp->t != J_NUM) { reply_error("GenericError", "Parameter 'pid' is missing"); return; }
  Proc *p = NULL;
  for (int i = 0; i < 64; i++)
    if (procs[i].used && procs[i].pid == jp->num) p = &procs[i];
  if (!p) { reply_error("GenericError", "Invalid parameter 'pid'"); return; }
  if (p->running) { reply_return("{\"exited\": false}"); return; }
  Buf b = {0};
  bprintf(&b, "{\"exitcode\": %d", p->exitcode);
  if (p->out.n) { bputs(&b, ", \"out-data\": "); b64(&b, (unsigned char *)p->out.p, p->out.n); }
  if (p->err.n) { bputs(&b, ", \"err-data\": "); b64(&b, (unsigned char *)p->err.p, p->err.n); }
  bputs(&b, ", \"exited\": true}");
  reply_return(b.p);
  bfree(&b);
  /* qga forgets a process once its exit was reported */
  bfree(&p->out);
  bfree(&p->err);
  p->used = 0;
}

/* ---- guest-shutdown ------------------------------------------------------------------------- */
static void cmd_shutdown(const J *args) {
  const char *mode = jstr(jget(args, "mode"));
  const char *action = "poweroff";
  if (mode && !strcmp(mode, "halt")) action = "halt";
  else if (mode && !strcmp(mode, "reboot")) action = "reboot";
  else if (mode && strcmp(mode, "powerdown")) { reply_error("GenericError", "Invalid parameter 'mode'"); return; }
  pid_t pid = fork();
  if (pid == 0) {
    if (fork() == 0) {
      setsid();
      execl("/bin/sh", "sh", "/etc/virtplay/poweroff.sh", "agent", action, (char *)NULL);
      _exit(127);
    }
    _exit(0);
  }
  if (pid > 0) waitpid(pid, NULL, 0);
  /* no reply on success, like qga */
}

/* ---- dispatch ------------------------------------------------------------------------------- */
static const char *COMMANDS[] = {
  "guest-sync-delimited", "guest-sync", "guest-ping", "guest-info", "guest-get-osinfo", "guest-get-devices",
  "guest-network-get-interfaces", "guest-exec", "guest-exec-status", "guest-shutdown",
};

static void cmd_info(void) {
  Buf b = {0};
  bputs(&b, "{\"version\": \"" AGENT_VERSION "\", \"supported_commands\": [");
  for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
    bprintf(&b, "%s{\"enabled\": true, \"name\": \"%s\", \"success-response\": %s}", i ? ", " : "", COMMANDS[i],
            strcmp(COMMANDS[i], "guest-shutdown") ? "true" : "false");
  bputs(&b, "]}");
  reply_return(b.p);
  bfree(&b);
}

static void handle(const char *text) {
  const char *p = text;
  J *req = pvalue(&p, 0);
  if (!req || req->t != J_OBJ) {
    reply_error("GenericError", "JSON parse error, expecting value");
    jfree(req);
    return;
  }
  const char *cmd = jstr(jget(req, "execute"));
  J *args = jget(req, "arguments");
  if (!cmd) {
    reply_error("GenericError", "QMP input lacks member 'execute'");
  } else if (!strcmp(cmd, "guest-sync") || !strcmp(cmd, "guest-sync-delimited")) {
    J *id = jget(args, "id");
    char r[64];
    snprintf(r, sizeof r, "%lld", id && id->t == J_NUM ? id->num : 0);
    if (!strcmp(cmd, "guest-sync-delimited")) send_raw("\xff", 1);
    reply_return(r);
  } else if (!strcmp(cmd, "guest-ping")) {
    reply_return("{}");
  } else if (!strcmp(cmd, "guest-info")) {
    cmd_info();
  } else if (!strcmp(cmd, "guest-get-osinfo")) {
    cmd_osinfo();
  } else if (!strcmp(cmd, "guest-get-devices")) {
    cmd_devices();
  } else if (!strcmp(cmd, "guest-network-get-interfaces")) {
    cmd_interfaces();
  } else if (!strcmp(cmd, "guest-exec")) {
    cmd_exec(args);
  } else if (!strcmp(cmd, "guest-exec-status")) {
    cmd_exec_status(args);
  } else if (!strcmp(cmd, "guest-shutdown")) {
    cmd_shutdown(args);
  } else {
    Buf b = {0};
    bprintf(&b, "The command %s has not been found", cmd);
    reply_error("CommandNotFound", b.p);
    bfree(&b);
  }
  jfree(req);
}

/* Frames JSON objects out of the byte stream: brace depth outside strings. */
static Buf cur;
static int depth, in_str, esc;

static void feed(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0xFF) { cur.n = 0; depth = in_str = esc = 0; continue; }
    if (depth == 0 && c != '{') continue; /* whitespace / newlines between objects */
    bput(&cur, &c, 1);
    if (in_str) {
      if (esc) esc = 0;
      else if (c == '\\') esc = 1;
      else if (c == '"') in_str = 0;
      continue;
    }
    if (c == '"') in_str = 1;
    else if (c == '{' || c == '[') depth++;
    else if (c == '}' || c == ']') {
      if (--depth == 0) {
        handle(cur.p);
        cur.n = 0;
      }
    }
    if (cur.n > 1 << 20) { cur.n = 0; depth = in_str = esc = 0; }
  }
}

int main(int argc, char **argv) {
  int opt;
  while ((opt = getopt(argc, argv, "p:P:")) != -1) {
    if (opt == 'p') port_path = optarg;
    else if (opt == 'P') personality = optarg;
    else { fprintf(stderr, "usage: winqga -p PORT [-P win2k8r2|win2k16]\n"); return 2; }
  }
  if (!port_path) { fprintf(stderr, "usage: winqga -p PORT [-P win2k8r2|win2k16]\n"); return 2; }
  signal(SIGPIPE, SIG_IGN);
  struct pollfd fds[1 + 128];
  for (;;) {
    port_fd = open(port_path, O_RDWR | O_NOCTTY);
    if (port_fd < 0) {
      int n = proc_fds(fds, 0);
      poll(fds, n, 200);
      proc_pump(fds, n);
      continue;
    }
    for (;;) {
      fds[0] = (struct pollfd){port_fd, POLLIN, 0};
      int n = proc_fds(fds, 1);
      if (poll(fds, n, 500) < 0 && errno != EINTR) break;
      proc_pump(fds + 1, n - 1);
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char tmp[4096];
      ssize_t k = read(port_fd, tmp, sizeof tmp);
      if (k < 0 && errno == EINTR) continue;
      if (k == 0 || (k < 0 && errno == EAGAIN)) {
        /* The host side is not connected: keep the port open (qemu-ga's QGA_SLEEP_TIME). */
        cur.n = 0;
        depth = in_str = esc = 0;
        usleep(100000);
        continue;
      }
      if (k < 0) break; /* a real error: reopen the port */
      feed(tmp, (size_t)k);
    }
    close(port_fd);
    port_fd = -1;
    cur.n = 0;
    depth = in_str = esc = 0;
    usleep(100000);
  }
}
