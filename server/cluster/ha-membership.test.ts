import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../common/logger";
import { HaMembership, type HaMembershipOptions } from "./ha-membership";

/** A lease held in memory: `other` holds it until released; renewals answer as told. */
function fakeLease() {
  const lease = {
    other: null as string | null,
    epoch: 0,
    renewals: 0,
    released: [] as number[],
    renewAnswer: (() => Promise.resolve(true)) as () => Promise<boolean>,
    tryAcquire: () => Promise.resolve(lease.other === null ? ++lease.epoch : null),
    renew: () => {
      lease.renewals += 1;
      return lease.renewAnswer();
    },
    release: (epoch: number) => {
      lease.released.push(epoch);
      return Promise.resolve();
    },
    holder: () =>
      Promise.resolve(
        lease.other === null ? null : { holder: lease.other, epoch: lease.epoch, expiresInMs: 1000 },
      ),
  };
  return lease;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-ha-"));
  dirs.push(dir);
  return dir;
}

function membership(lease: ReturnType<typeof fakeLease>, extra: Partial<HaMembershipOptions> = {}) {
  const reported: string[] = [];
  const m = new HaMembership({
    node: "ctl-b",
    leaseMs: 300,
    lease,
    log: createLogger("test", "error", () => undefined),
    report: (where, error) => reported.push(`${where}: ${String(error)}`),
    ...extra,
  });
  return { m, reported };
}

describe("HA membership", () => {
  it("waits as standby while the other instance holds the lease, then brings the address up (HA_NODE in the command's environment) and is active", async () => {
    const lease = fakeLease();
    lease.other = "ctl-a";
    const marker = path.join(tempDir(), "vip");
    const { m } = membership(lease, { vipUp: `echo "$HA_NODE up" > ${marker}` });
    const abort = new AbortController();
    let active = false;
    const waiting = m.waitUntilActive(abort.signal).then(() => (active = true));
    await expect.poll(() => m.current).toBe("standby");
    await new Promise((resolve) => setImmediate(resolve));
    expect(active).toBe(false);
    expect(fs.existsSync(marker)).toBe(false);
    lease.other = null;
    await waiting;
    expect(m.current).toBe("active");
    expect(fs.readFileSync(marker, "utf8")).toBe("ctl-b up\n");
    await expect.poll(() => lease.renewals).toBeGreaterThan(2);
    await m.stop();
  });

  it("an up command that fails gives the lease back, counts the failure and tries again", async () => {
    const lease = fakeLease();
    const flag = path.join(tempDir(), "may-come-up");
    const { m, reported } = membership(lease, {
      vipUp: `test -e ${flag} || { echo "no such device" >&2; exit 2; }`,
    });
    const waiting = m.waitUntilActive(new AbortController().signal);
    await expect.poll(() => lease.released.length).toBeGreaterThan(0);
    expect(m.current).toBe("standby");
    expect(reported[0]).toMatch(/ha_vip_up: Error: HA_VIP_UP_COMMAND failed \(2\): no such device/);
    fs.writeFileSync(flag, "");
    await waiting;
    expect(m.current).toBe("active");
    await m.stop();
  });

  it("loses the lease when another instance holds it now, and when renewals stop succeeding before it could expire", async () => {
    for (const renewAnswer of [() => Promise.resolve(false), () => new Promise<boolean>(() => undefined)]) {
      const lease = fakeLease();
      const { m } = membership(lease);
      const reasons: string[] = [];
      m.onLost = (reason) => reasons.push(reason);
      await m.waitUntilActive(new AbortController().signal);
      lease.renewAnswer = renewAnswer;
      await vi.waitFor(() => expect(reasons).toHaveLength(1), { timeout: 2_000 });
      expect(m.current).toBe("lost");
      expect(reasons[0]).toMatch(/another instance holds the lease|not renewed for \d+ ms/);
    }
  });

  it("a clean stop takes the address down and gives the lease back", async () => {
    const lease = fakeLease();
    const marker = path.join(tempDir(), "vip");
    const { m } = membership(lease, { vipUp: `touch ${marker}`, vipDown: `rm ${marker}` });
    await m.waitUntilActive(new AbortController().signal);
    expect(fs.existsSync(marker)).toBe(true);
    await m.stop();
    expect(fs.existsSync(marker)).toBe(false);
    expect(lease.released).toEqual([1]);
    expect(m.current).toBe("stopped");
  });
});
