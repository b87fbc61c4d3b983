import type { MsmlPlay } from "../../protocol/msml";
import { Call, CallState, type CallParty } from "../sip/calls/call";
import type { CallLifecycleListener, CallSide } from "../sip/calls/call-controller";
import type { RecordingCallLayer } from "../services/recording/recording-service";

/**
 * The call layer (SIP and the media engine) for tests of the real RecordingService on a real
 * database: a recorder of what it was asked to do.
 */
export class FakeCallLayer implements RecordingCallLayer {
  readonly calls = new Map<string, Call>();
  readonly started: {
    connId: string;
    side: CallSide;
    recordingId: string;
    dest: string[];
    params: Record<string, string>;
    dtmfMasking?: string;
  }[] = [];
  readonly commands: string[] = [];
  listener: CallLifecycleListener = {};

  get(connId: string) {
    return this.calls.get(connId);
  }
  listen(listener: CallLifecycleListener) {
    this.listener = listener;
    return () => undefined;
  }
  async startRecording(
    connId: string,
    side: CallSide,
    request: { recordingId: string; dest: string[]; params: Record<string, string>; dtmfMasking?: string },
  ) {
    this.started.push({
      connId,
      side,
      recordingId: request.recordingId,
      dest: request.dest,
      params: request.params,
      ...(request.dtmfMasking === undefined ? {} : { dtmfMasking: request.dtmfMasking }),
    });
    return `conn:${side}/dialog:${request.recordingId}`;
  }
  /** Runs while the engine "carries out" a control request, before its MSML answer. */
  whileControlling: () => Promise<void> = async () => undefined;
  async controlRecording(_connId: string, _side: CallSide, dialogId: string, action: string) {
    this.commands.push(`${action} ${dialogId}`);
    await this.whileControlling();
  }
  /** Recording notification tones asked for: the call, the carrying side, who hears it, the play. */
  readonly tones: { connId: string; via: CallSide; sides: readonly CallSide[]; play: MsmlPlay }[] = [];
  async playTone(connId: string, via: CallSide, sides: readonly CallSide[], play: MsmlPlay) {
    this.tones.push({ connId, via, sides, play });
  }
}

export const trunkParty: CallParty = { kind: "trunk", dn: "pstn", number: "+15550001" };
export const agentParty: CallParty = { kind: "extension", dn: "1001", number: "1001" };

export function establishedCall(
  connId: string,
  routeExtensions: Record<string, string> = {},
  caller: CallParty = trunkParty,
): Call {
  const invite = {
    message: { headers: { get: () => `${connId}@test` } },
  } as unknown as ConstructorParameters<typeof Call>[1]["invite"];
  const call = new Call(connId, { party: caller, invite }, "1001");
  call.callee = {
    party: agentParty,
    destination: { transport: "UDP", host: "127.0.0.1", port: 5063 },
    provisional: true,
    cancelRequested: false,
  };
  call.routeExtensions = routeExtensions;
  call.transition(CallState.Alerting);
  call.transition(CallState.Established);
  return call;
}
