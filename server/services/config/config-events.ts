import { ChangeNotifier } from "../change-notifier";

export type ConfigChange = { entity: "Dn" | "AgentLogin" | "Recorder" | "User" | "Setting"; id: string };

/** Configuration changes, so that every open admin page shows what another admin saved. */
export const configEvents = new ChangeNotifier<ConfigChange>();
