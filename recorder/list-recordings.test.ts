import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listRecordings } from "./list-recordings";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recordings-"));
  dirs.push(dir);
  return dir;
}

describe("listRecordings", () => {
  it("is empty when the folder does not exist yet", async () => {
    expect(await listRecordings(path.join(tempDir(), "missing"))).toEqual([]);
  });

  it("pairs each metadata file with its WAV and keeps going past a broken one", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "rec-b.json"), JSON.stringify({ id: "rec-b", params: { case: "42" } }));
    fs.writeFileSync(path.join(dir, "rec-b.wav"), "RIFF");
    fs.writeFileSync(path.join(dir, "rec-a.json"), "{ not json");
    fs.writeFileSync(path.join(dir, "notes.txt"), "ignored");
    const list = await listRecordings(dir);
    expect(list.map((r) => r.id)).toEqual(["rec-a", "rec-b"]);
    expect(list[0]).toMatchObject({
      wavFile: null,
      metadata: { error: expect.stringMatching(/unreadable metadata/) },
    });
    expect(list[1]).toMatchObject({
      wavFile: path.join(dir, "rec-b.wav"),
      metadata: { params: { case: "42" } },
    });
  });
});
