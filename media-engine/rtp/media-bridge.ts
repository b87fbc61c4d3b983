import type { MediaEndpoint } from "./media-endpoint";

export type JoinDirection = "both" | "a-to-b" | "b-to-a";

type Tap = (packet: Buffer) => void;
/** What is sent to an endpoint instead of a relayed packet: the packet itself, or a changed copy. */
export type OutgoingFilter = (packet: Buffer) => Buffer;

/** What the bridge holds for one endpoint: where its packets go and who listens to them. */
type Node = {
  /** Every joined peer, with whether packets from this endpoint are relayed to it. */
  peers: Map<MediaEndpoint, boolean>;
  /** The peers relayed to, kept as an array so the per-packet loop neither allocates nor iterates a Map. */
  targets: readonly MediaEndpoint[];
  taps: readonly Tap[];
  unsubscribe: () => void;
  onClosed: () => void;
};

/**
 * Relays RTP between joined endpoints as packets arrive: no queue, no timers, no copy. The
 * packet buffer a receive hands over is sent as is to every target, then shown to the taps.
 */
export class MediaBridge {
  private readonly nodes = new Map<MediaEndpoint, Node>();
  /** Per receiving endpoint: what replaces the packets relayed to it (a notification tone). */
  private readonly outgoing = new Map<MediaEndpoint, OutgoingFilter>();

  /**
   * Joining an already joined pair updates its direction. An endpoint may be joined to several
   * others (conference-less fan-out, e.g. supervisor).
   */
  join(a: MediaEndpoint, b: MediaEndpoint, direction: JoinDirection = "both"): void {
    if (a === b) throw new Error(`cannot join endpoint ${a.id} to itself`);
    const nodeA = this.nodeFor(a);
    const nodeB = this.nodeFor(b);
    nodeA.peers.set(b, direction !== "b-to-a");
    nodeB.peers.set(a, direction !== "a-to-b");
    rebuildTargets(nodeA);
    rebuildTargets(nodeB);
  }

  /** No-op if not joined. */
  unjoin(a: MediaEndpoint, b: MediaEndpoint): void {
    const nodeA = this.nodes.get(a);
    const nodeB = this.nodes.get(b);
    if (nodeA?.peers.delete(b)) {
      rebuildTargets(nodeA);
      this.dropIfIdle(a, nodeA);
    }
    if (nodeB?.peers.delete(a)) {
      rebuildTargets(nodeB);
      this.dropIfIdle(b, nodeB);
    }
  }

  unjoinAll(endpoint: MediaEndpoint): void {
    const node = this.nodes.get(endpoint);
    if (!node) return;
    for (const peer of [...node.peers.keys()]) this.unjoin(endpoint, peer);
  }

  /**
   * A tap sees every packet received from `endpoint` (what that party says), after relaying, so
   * a slow recorder never delays the conversation. Returns the remove function.
   */
  addTap(endpoint: MediaEndpoint, tap: Tap): () => void {
    const node = this.nodeFor(endpoint);
    node.taps = [...node.taps, tap];
    return () => {
      const current = this.nodes.get(endpoint);
      if (current !== node) return;
      node.taps = node.taps.filter((t) => t !== tap);
      this.dropIfIdle(endpoint, node);
    };
  }

  /**
   * Every packet relayed to `endpoint` passes through `filter` first (undefined removes it): the
   * notification tone replaces the audio a party hears. A filter must not change the packet it is
   * given (other targets receive the same buffer): it returns a copy when it changes anything.
   * Taps (the recording streams) see what the party sent, never what the filter made.
   */
  setOutgoingFilter(endpoint: MediaEndpoint, filter: OutgoingFilter | undefined): void {
    if (filter === undefined) this.outgoing.delete(endpoint);
    else this.outgoing.set(endpoint, filter);
  }

  peersOf(endpoint: MediaEndpoint): MediaEndpoint[] {
    const node = this.nodes.get(endpoint);
    return node ? [...node.peers.keys()] : [];
  }

  private nodeFor(endpoint: MediaEndpoint): Node {
    const existing = this.nodes.get(endpoint);
    if (existing) return existing;
    const node: Node = {
      peers: new Map(),
      targets: [],
      taps: [],
      unsubscribe: () => {},
      onClosed: () => {
        this.unjoinAll(endpoint);
        this.outgoing.delete(endpoint);
        // Taps of a closed endpoint can never fire again; holding them would leak the recorder.
        this.removeNode(endpoint, node);
      },
    };
    // Targets and taps are read from the node on every packet, so joins and taps added later
    // take effect without resubscribing.
    node.unsubscribe = endpoint.onRtp((packet) => {
      const targets = node.targets;
      const outgoing = this.outgoing;
      for (let i = 0; i < targets.length; i++) {
        const target = targets[i]!;
        // No Map lookup per packet while no tone plays anywhere.
        const filter = outgoing.size === 0 ? undefined : outgoing.get(target);
        target.sendRtp(filter === undefined ? packet : filter(packet));
      }
      const taps = node.taps;
      for (let i = 0; i < taps.length; i++) {
        try {
          taps[i]!(packet);
        } catch {
          // A failing recorder must cost its own recording, not the other taps' nor the call.
        }
      }
    });
    endpoint.on("closed", node.onClosed);
    this.nodes.set(endpoint, node);
    return node;
  }

  private dropIfIdle(endpoint: MediaEndpoint, node: Node): void {
    if (node.peers.size === 0 && node.taps.length === 0) this.removeNode(endpoint, node);
  }

  private removeNode(endpoint: MediaEndpoint, node: Node): void {
    if (this.nodes.get(endpoint) !== node) return;
    node.unsubscribe();
    removeClosedListener(endpoint, node.onClosed);
    this.nodes.delete(endpoint);
  }
}

function rebuildTargets(node: Node): void {
  const targets: MediaEndpoint[] = [];
  for (const [peer, relayed] of node.peers) if (relayed) targets.push(peer);
  node.targets = targets;
}

/** MediaEndpoint only promises `on`; endpoints built on EventEmitter also let the bridge stop listening. */
function removeClosedListener(endpoint: MediaEndpoint, listener: () => void): void {
  const off = (endpoint as { off?: (event: string, listener: () => void) => unknown }).off;
  if (typeof off === "function") off.call(endpoint, "closed", listener);
}
