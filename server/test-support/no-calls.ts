import { RecordingPolicyError } from "../cti/gsip-record";
import type { CtiCallControl, CtiRecordingControl } from "../cti/cti-service";
import { TErrorCode } from "../cti/t-library-events";
import type {
  LiveCalls,
  LiveCallsFeed,
  LiveRecordings,
  RecordingControl,
  SipProbe,
} from "../services/calls/call-control-service";

/**
 * A SIP Server with no call, for tests of the API and services that do not place calls: every
 * request about a call answers as the real layers do for a ConnID they do not know.
 */
export const noLiveCalls: LiveCalls = { list: () => [] };

export const noLiveCallsFeed: LiveCallsFeed = {
  list: () => Promise.resolve([]),
  async *watch() {
    yield [];
  },
};

export const noLiveRecordings: LiveRecordings = { liveFor: () => [] };

export const noRecordingsToControl: RecordingControl = {
  control: (_action, request) =>
    Promise.reject(
      new RecordingPolicyError(TErrorCode.NO_SUCH_CALL, `No call with ConnID ${request.connId}.`),
    ),
};

export const noCallControl: CtiCallControl = {
  routeCall: () => false,
  releaseCall: () => Promise.resolve(false),
  singleStepTransfer: () => Promise.resolve(false),
};

/** What RecordingService.privateService answers for a ConnID it does not know. */
export const noRecordingControl: CtiRecordingControl = {
  privateService: (req) =>
    Promise.resolve({
      event: "EventError",
      id: "no-recording-control",
      seq: 0,
      time: new Date(),
      thisDn: req.thisDn,
      otherDn: null,
      connId: req.connId,
      agentId: null,
      referenceId: req.referenceId,
      userData: {},
      error: { code: TErrorCode.NO_SUCH_CALL, message: `No call with ConnID ${req.connId}.` },
    }),
};

export const noSipProbe: SipProbe = () =>
  Promise.resolve({ status: 503, reason: "No SIP Server in this test", ms: 0 });
