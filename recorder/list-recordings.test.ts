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

  it("lists every WAV with its sidecar's state and metadata, past a broken sidecar", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "rec-b.json"), JSON.stringify({ id: "rec-b", params: { case: "42" } }));
    fs.writeFileSync(path.join(dir, "rec-b.wav"), "RIFF");
    fs.writeFileSync(path.join(dir, "rec-a.json"), "{ not json");
    fs.writeFileSync(path.join(dir, "rec-a.wav"), "RIFF");
    fs.writeFileSync(path.join(dir, "rec-c.json"), JSON.stringify({ state: "recording" }));
    fs.writeFileSync(path.join(dir, "rec-c.wav"), "RIFF");
    fs.writeFileSync(path.join(dir, "rec-d.wav"), "RIFF");
    // A sidecar whose WAV is gone (or not created yet) is no recording anyone can play.
    fs.writeFileSync(path.join(dir, "rec-e.json"), JSON.stringify({ state: "finished" }));
    fs.writeFileSync(path.join(dir, "notes.txt"), "ignored");
    const list = await listRecordings(dir);
    expect(list.map((r) => [r.id, r.state])).toEqual([
      ["rec-a", "unknown"],
      ["rec-b", "unknown"],
      ["rec-c", "recording"],
      ["rec-d", "unknown"],
    ]);
    expect(list[0]).toMatchObject({ metadata: { error: expect.stringMatching(/unreadable metadata/) } });
    expect(list[1]).toMatchObject({
      wavFile: path.join(dir, "rec-b.wav"),
      metadataFile: path.join(dir, "rec-b.json"),
      metadata: { params: { case: "42" } },
    });
    expect(list[3]).toMatchObject({ metadataFile: null, metadata: null });
  });

  it("calls a sidecar of an older recorder, without state but with an end reason, finished", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "old.json"), JSON.stringify({ endReason: "bye" }));
    fs.writeFileSync(path.join(dir, "old.wav"), "RIFF");
    expect((await listRecordings(dir)).map((r) => r.state)).toEqual(["finished"]);
  });
});
