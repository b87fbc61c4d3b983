/**
 * Bencode (the BitTorrent encoding: i<n>e, <len>:<bytes>, l…e, d…e with keys sorted), the
 * dictionary format of rtpengine's ng control protocol. Only what the ng messages use.
 */
export type Bencoded = number | string | Bencoded[] | { [key: string]: Bencoded };

export function bencode(value: Bencoded): Buffer {
  if (typeof value === "number") return Buffer.from(`i${Math.trunc(value)}e`);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([Buffer.from("l"), ...value.map(bencode), Buffer.from("e")]);
  const keys = Object.keys(value).sort();
  return Buffer.concat([
    Buffer.from("d"),
    ...keys.flatMap((key) => [bencode(key), bencode(value[key]!)]),
    Buffer.from("e"),
  ]);
}

export function bdecode(data: Buffer): Bencoded {
  let at = 0;
  const read = (): Bencoded => {
    const c = String.fromCharCode(data[at]!);
    if (c === "i") {
      const end = data.indexOf(0x65, at);
      const n = Number(data.subarray(at + 1, end).toString());
      at = end + 1;
      return n;
    }
    if (c === "l") {
      at++;
      const list: Bencoded[] = [];
      while (data[at] !== 0x65) list.push(read());
      at++;
      return list;
    }
    if (c === "d") {
      at++;
      const dict: Record<string, Bencoded> = {};
      while (data[at] !== 0x65) {
        const key = read() as string;
        dict[key] = read();
      }
      at++;
      return dict;
    }
    const colon = data.indexOf(0x3a, at);
    if (colon < 0) throw new Error(`bencode: bad data at ${at}`);
    const length = Number(data.subarray(at, colon).toString());
    const text = data.subarray(colon + 1, colon + 1 + length).toString("utf8");
    at = colon + 1 + length;
    return text;
  };
  return read();
}
