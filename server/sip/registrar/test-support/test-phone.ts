import {
  computeDigestHa1,
  computeDigestResponse,
  formatDigestAuthorization,
  parseDigestHeader,
  type DigestAlgorithm,
  type SipResponse,
} from "../../../../protocol/sip";
import type { SipAddress } from "../../../../sip-core";
import type { MemoryTransport } from "../../../../sip-core/test-support/memory-transport";
import { vi } from "vitest";

export interface RegisterOptions {
  /** Contact values, one row each; none makes a query. */
  readonly contacts?: readonly string[];
  readonly expires?: number | string;
  readonly callId?: string;
  /** Default: the phone's next CSeq. */
  readonly cseq?: number;
  /** To user; default the phone's user. */
  readonly toUser?: string;
  readonly authorization?: string;
  readonly extraHeaders?: readonly string[];
}

export interface PhoneOptions {
  readonly user: string;
  readonly password: string;
  readonly realm: string;
  /** Where its requests come from; default UDP 192.0.2.10:5060. */
  readonly source?: Partial<SipAddress>;
  /** The username it authenticates as; default `user`. */
  readonly authUser?: string;
  readonly algorithm?: DigestAlgorithm;
}

let branchCounter = 0;

/**
 * A registering phone over a MemoryTransport: builds REGISTER requests, answers 401 challenges
 * like a real UA (cnonce, increasing nc on a reused nonce) and reads back the responses.
 */
export class TestPhone {
  readonly callId: string;
  private cseq = 1;
  private nonce: string | undefined;
  private nc = 0;

  constructor(
    private readonly transport: MemoryTransport,
    readonly options: PhoneOptions,
  ) {
    this.callId = `reg-${options.user}-${++branchCounter}@test`;
  }

  get algorithm(): DigestAlgorithm {
    return this.options.algorithm ?? "SHA-256";
  }

  /** Sends one REGISTER, returns the response it got. */
  async send(options: RegisterOptions = {}): Promise<SipResponse> {
    const before = this.transport.sent.length;
    this.transport.receive(this.registerText(options), this.options.source ?? {});
    // The answer comes after the bindings are saved: at once with an in-memory store or SQLite,
    // a few network round trips later with PostgreSQL.
    return vi.waitFor(
      () => {
        const responses = this.transport
          .sentMessages()
          .slice(before)
          .filter((m): m is SipResponse => m.kind === "response");
        const last = responses[responses.length - 1];
        if (last === undefined) throw new Error("no response to REGISTER");
        return last;
      },
      { timeout: 5_000, interval: 1 },
    );
  }

  /** REGISTER, and again with credentials when challenged (reusing a known nonce first). */
  async register(options: RegisterOptions = {}): Promise<SipResponse> {
    if (this.nonce !== undefined) {
      const response = await this.send({ ...options, authorization: this.authorization() });
      if (response.status !== 401) return response;
      this.adopt(response);
    } else {
      const challenge = await this.send(options);
      if (challenge.status !== 401) return challenge;
      this.adopt(challenge);
    }
    return this.send({ ...options, authorization: this.authorization() });
  }

  /** Takes the nonce of the challenge for our algorithm. */
  adopt(challenge: SipResponse): void {
    for (const value of challenge.headers.getAll("WWW-Authenticate")) {
      const params = parseDigestHeader(value).params;
      if (params.get("algorithm") === this.algorithm) {
        this.nonce = params.get("nonce");
        this.nc = 0;
        return;
      }
    }
    throw new Error(`no ${this.algorithm} challenge`);
  }

  /** Credentials for the current nonce with the next nonce count. */
  authorization(overrides: { nc?: number; password?: string; nonce?: string } = {}): string {
    const nonce = overrides.nonce ?? this.nonce;
    if (nonce === undefined) throw new Error("no nonce yet");
    this.nc = overrides.nc ?? this.nc + 1;
    const nc = this.nc.toString(16).padStart(8, "0");
    const cnonce = `cn${this.nc}x${branchCounter}`;
    const username = this.options.authUser ?? this.options.user;
    const uri = `sip:${this.options.realm}`;
    const ha1 = computeDigestHa1(
      this.algorithm,
      username,
      this.options.realm,
      overrides.password ?? this.options.password,
    );
    const response = computeDigestResponse({
      algorithm: this.algorithm,
      ha1,
      nonce,
      method: "REGISTER",
      uri,
      qop: "auth",
      nc,
      cnonce,
    });
    return formatDigestAuthorization({
      username,
      realm: this.options.realm,
      nonce,
      uri,
      response,
      algorithm: this.algorithm,
      qop: "auth",
      nc,
      cnonce,
    });
  }

  registerText(options: RegisterOptions = {}): string {
    const source = this.options.source ?? {};
    const transport = source.transport ?? "UDP";
    const host = source.host ?? "192.0.2.10";
    const port = source.port ?? 5060;
    const user = options.toUser ?? this.options.user;
    const cseq = options.cseq ?? this.cseq++;
    const lines = [
      `REGISTER sip:${this.options.realm} SIP/2.0`,
      `Via: SIP/2.0/${transport} ${host}:${port};branch=z9hG4bKreg${++branchCounter};rport`,
      "Max-Forwards: 70",
      `From: <sip:${this.options.user}@${this.options.realm}>;tag=f${branchCounter}`,
      `To: <sip:${user}@${this.options.realm}>`,
      `Call-ID: ${options.callId ?? this.callId}`,
      `CSeq: ${cseq} REGISTER`,
      ...(options.contacts ?? []).map((contact) => `Contact: ${contact}`),
      ...(options.expires === undefined ? [] : [`Expires: ${options.expires}`]),
      ...(options.authorization === undefined ? [] : [`Authorization: ${options.authorization}`]),
      "User-Agent: TestPhone/1.0",
      ...(options.extraHeaders ?? []),
      "Content-Length: 0",
      "",
      "",
    ];
    return lines.join("\r\n");
  }
}
