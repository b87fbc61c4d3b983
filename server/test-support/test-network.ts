import { execFileSync } from "node:child_process";

export type TestNetwork = {
  /** The test process's own address on the network (the root namespace, on the bridge). */
  readonly hostIp: string;
  /** `<subnet>.0/24` */
  readonly cidr: string;
  ipOf(host: string): string;
  /** Another address on the subnet, for a virtual IP. */
  spareIp(last: number): string;
  /** The command prefix that runs a process on a host: `ip netns exec <namespace>`. */
  wrap(host: string): string[];
  /** Runs a command on a host and returns its output. */
  exec(host: string, ...command: string[]): string;
  /** The host's interface on the network, inside its namespace. */
  readonly nic: string;
  /** Cuts a host off as a dead machine would be: its link goes down, no ICMP, nothing. */
  cut(host: string): void;
  /** Brings a cut host's link back up (the machine rebooted or the cable is back). */
  restore(host: string): void;
  remove(): void;
};

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe", encoding: "utf8" });

/** Whether this process may create network namespaces (root on Linux). */
export function canCreateNetworks(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0;
}

/**
 * Hosts for a test: one network namespace per name, each with an address on one bridge (a
 * switch) that the test process joins too. Created by the test and removed by `remove()` (also
 * on a failed creation). Names are short (interface names have 15 characters); `tag` keeps two
 * test runs apart.
 */
export function createTestNetwork(tag: number, hosts: readonly string[], subnet: string): TestNetwork {
  const bridge = `flb${tag}`;
  const nsOf = (host: string) => `fl${tag}-${host}`;
  const nic = "eth0";
  const created: (() => void)[] = [];
  const remove = () => {
    for (const undo of created.splice(0).reverse()) {
      try {
        undo();
      } catch {
        // already gone
      }
    }
  };
  try {
    ip("link", "add", bridge, "type", "bridge");
    created.push(() => ip("link", "del", bridge));
    ip("addr", "add", `${subnet}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    hosts.forEach((host, i) => {
      const ns = nsOf(host);
      const outside = `flv${tag}h${i}`;
      const inside = `flv${tag}n${i}`;
      ip("netns", "add", ns);
      created.push(() => ip("netns", "del", ns));
      ip("link", "add", outside, "type", "veth", "peer", "name", inside);
      created.push(() => ip("link", "del", outside));
      ip("link", "set", inside, "netns", ns);
      ip("-n", ns, "link", "set", inside, "name", nic);
      ip("-n", ns, "addr", "add", `${subnet}.${i + 2}/24`, "dev", nic);
      ip("-n", ns, "link", "set", nic, "up");
      ip("-n", ns, "link", "set", "lo", "up");
      ip("link", "set", outside, "master", bridge);
      ip("link", "set", outside, "up");
    });
  } catch (error) {
    remove();
    throw error;
  }
  const index = (host: string) => {
    const i = hosts.indexOf(host);
    if (i < 0) throw new Error(`no test host ${host}`);
    return i;
  };
  return {
    hostIp: `${subnet}.1`,
    cidr: `${subnet}.0/24`,
    nic,
    ipOf: (host) => `${subnet}.${index(host) + 2}`,
    spareIp: (last) => `${subnet}.${last}`,
    wrap: (host) => ["ip", "netns", "exec", nsOf(host)],
    exec: (host, ...command) =>
      execFileSync("ip", ["netns", "exec", nsOf(host), ...command], { stdio: "pipe", encoding: "utf8" }),
    cut: (host) => void ip("-n", nsOf(host), "link", "set", nic, "down"),
    restore: (host) => void ip("-n", nsOf(host), "link", "set", nic, "up"),
    remove,
  };
}
