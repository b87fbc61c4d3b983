"use client";

import type * as JsSipTypes from "jssip";
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent } from "jssip/lib/UA";
import { useCallback, useEffect, useRef, useState } from "react";
import { SIP_WEBSOCKET_PATH } from "../../common/sip-websocket-path";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";
import { disconnectText, registrationFailureText } from "./registration-problem";

type JsSipModule = typeof JsSipTypes;
export type UA = InstanceType<JsSipModule["UA"]>;
export type NewSessionEvent = IncomingRTCSessionEvent | OutgoingRTCSessionEvent;

export type RegistrationStatus = "unregistered" | "registering" | "registered" | "reconnecting";
export type Registration = {
  status: RegistrationStatus;
  /** The extension registered (or being registered). */
  as: string | null;
  /** Why it is not (or may soon not be) registered; null when all is well. */
  problem: string | null;
};

/** How the phone proves it may register: a typed SIP password, or a credential from the server. */
export type Secret = { kind: "password"; password: string } | { kind: "credential" };

/** A credential is renewed at this share of its life, so a re-REGISTER never carries an old one. */
const RENEW_AT = 0.5;
const RETRY_MS = 15_000;

/**
 * The softphone's SIP registration over WebSocket (JsSIP). With `{ kind: "credential" }` the
 * signed-in user's extension registers with a short-lived credential from `cti.softphoneCredential`
 * (no typed password): it is renewed at half its life and the phone re-registers with the new one
 * at once; a 403 for it (expired while the laptop slept) gets one retry with a fresh one. The
 * state says why the phone is not registered: the server's answer, the WebSocket's close, or a
 * credential that could not be had.
 */
export function useSipRegistration(onSession: (ua: UA, event: NewSessionEvent) => void) {
  const ua = useRef<UA | null>(null);
  const renewal = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [registration, setRegistration] = useState<Registration>({
    status: "unregistered",
    as: null,
    problem: null,
  });
  const issue = trpc.cti.softphoneCredential.useMutation();
  const issueCredential = issue.mutateAsync;
  const sessionHandler = useRef(onSession);
  sessionHandler.current = onSession;

  const clearRenewal = () => {
    if (renewal.current !== null) clearTimeout(renewal.current);
    renewal.current = null;
  };

  const stop = useCallback(() => {
    clearRenewal();
    const current = ua.current;
    ua.current = null;
    current?.stop();
  }, []);
  useEffect(() => stop, [stop]);

  /** Fetches a credential for `extension` and schedules its renewal; null (and a problem shown) on failure. */
  const fetchCredential = useCallback(
    async (extension: string, owner: () => UA | null): Promise<string | null> => {
      try {
        const credential = await issueCredential({ dn: extension });
        const lifeMs = new Date(credential.expiresAt).getTime() - Date.now();
        clearRenewal();
        renewal.current = setTimeout(
          () => {
            const current = owner();
            if (current === null || current !== ua.current) return;
            void fetchCredential(extension, owner).then((password) => {
              if (password === null || current !== ua.current) return;
              current.set("password", password);
              // A REGISTER at once with the new credential (JsSIP's own refresh would come later).
              current.register();
            });
          },
          Math.max(5_000, lifeMs * RENEW_AT),
        );
        return credential.password;
      } catch (error) {
        setRegistration((r) => ({
          ...r,
          problem: `Could not get a softphone credential: ${errorMessage(error)}`,
        }));
        // Tried again shortly; the registration holds until its own expiry meanwhile.
        clearRenewal();
        renewal.current = setTimeout(() => {
          const current = owner();
          if (current === null || current !== ua.current) return;
          void fetchCredential(extension, owner).then((password) => {
            if (password === null || current !== ua.current) return;
            current.set("password", password);
            current.register();
          });
        }, RETRY_MS);
        return null;
      }
    },
    [issueCredential],
  );

  const start = useCallback(
    async (extension: string, secret: Secret) => {
      stop();
      setRegistration({ status: "registering", as: extension, problem: null });
      const JsSIP: JsSipModule = await import("jssip");
      let next: UA | null = null;
      const owner = () => next;
      const password = secret.kind === "password" ? secret.password : await fetchCredential(extension, owner);
      if (password === null) {
        setRegistration((r) => ({ ...r, status: "unregistered" }));
        return;
      }
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      const socket = new JsSIP.WebSocketInterface(`${scheme}://${window.location.host}${SIP_WEBSOCKET_PATH}`);
      const created = new JsSIP.UA({
        sockets: [socket],
        uri: `sip:${extension}@${window.location.hostname}`,
        password,
        register: true,
        session_timers: false,
        user_agent: "Forkline softphone (JsSIP)",
      });
      next = created;
      const mine = () => ua.current === created;
      let retriedWithFreshCredential = false;
      created.on("registered", () => {
        if (!mine()) return;
        retriedWithFreshCredential = false;
        setRegistration({ status: "registered", as: extension, problem: null });
      });
      created.on("registrationFailed", (e) => {
        if (!mine()) return;
        const status = e.response?.status_code;
        const reason = e.response?.reason_phrase;
        if (
          secret.kind === "credential" &&
          status === 403 &&
          reason === "Bad credentials" &&
          !retriedWithFreshCredential
        ) {
          // Expired (a sleeping laptop, a slow renewal): one more try with a fresh credential.
          retriedWithFreshCredential = true;
          void fetchCredential(extension, owner).then((fresh) => {
            if (fresh === null || !mine()) return;
            created.set("password", fresh);
            created.register();
          });
          return;
        }
        stop();
        setRegistration({
          status: "unregistered",
          as: null,
          problem: registrationFailureText({
            ...(status === undefined ? {} : { status }),
            ...(reason === undefined ? {} : { reason }),
            ...(e.cause === undefined ? {} : { cause: String(e.cause) }),
            withCredential: secret.kind === "credential",
          }),
        });
      });
      created.on("unregistered", () => {
        if (!mine()) return;
        setRegistration((r) => ({ ...r, status: "unregistered", as: null }));
      });
      created.on("disconnected", (e) => {
        if (!mine()) return;
        if (e.code === 1008) {
          // A policy close (user disabled, extension taken away): reconnecting would not help.
          stop();
          setRegistration({ status: "unregistered", as: null, problem: disconnectText(e.code, e.reason) });
          return;
        }
        // JsSIP reconnects on its own and registers again once connected.
        setRegistration((r) => ({
          status: r.status === "registering" ? "registering" : "reconnecting",
          as: r.as,
          problem:
            r.status === "registering"
              ? registrationFailureText({
                  cause: "Connection Error",
                  withCredential: secret.kind === "credential",
                })
              : disconnectText(e.code, e.reason),
        }));
      });
      created.on("connected", () => {
        if (!mine()) return;
        setRegistration((r) =>
          r.status === "reconnecting" ? { ...r, problem: "Reconnected; registering again…" } : r,
        );
      });
      created.on("newRTCSession", (e: NewSessionEvent) => sessionHandler.current(created, e));
      ua.current = created;
      created.start();
    },
    [fetchCredential, stop],
  );

  const unregister = useCallback(() => {
    stop();
    setRegistration({ status: "unregistered", as: null, problem: null });
  }, [stop]);

  return { registration, start, unregister, ua };
}
