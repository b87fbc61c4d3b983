import { z } from "zod";
import type { CtiEventBus } from "../cti/cti-event-bus";
import type { TEvent } from "../cti/t-library-events";
import type { ChangeNotifier } from "../services/change-notifier";
import type { ConfigChange } from "../services/config/config-events";
import type { ClusterLink } from "./cluster-link";

const zConfigChange = z.object({
  entity: z.enum(["Dn", "AgentLogin", "Recorder", "User", "Setting"]),
  id: z.string(),
});

export type BridgedEvents = {
  cti: CtiEventBus;
  config: ChangeNotifier<ConfigChange>;
  alarms: ChangeNotifier<void>;
  /** An agent logged in or out on the other instance: this one reads the agents again. */
  onRemoteAgentChange: () => void;
};

/**
 * Both SIP Servers of an HA pair show one system: what one publishes — T-Library events,
 * configuration changes, alarm changes — the other's clients and caches hear through the
 * cluster link, as if it had happened there. Only local events are forwarded, so nothing echoes.
 */
export function bridgeEvents(link: ClusterLink, events: BridgedEvents): () => void {
  const offs = [
    events.cti.onLocalPublish((event) => void link.publish({ kind: "cti", event: { ...event } })),
    events.config.onLocalChange((change) => void link.publish({ kind: "change", topic: "config", change })),
    events.alarms.onLocalChange(() => void link.publish({ kind: "change", topic: "alarm", change: null })),
    link.on((message) => {
      if (message.from === link.node) return;
      if (message.kind === "cti") {
        const event = { ...message.event, time: new Date(String(message.event.time)) } as TEvent;
        events.cti.deliver(event);
        if (event.event.startsWith("EventAgent")) events.onRemoteAgentChange();
      } else if (message.kind === "change") {
        if (message.topic === "alarm") events.alarms.deliver();
        else events.config.deliver(zConfigChange.parse(message.change));
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
