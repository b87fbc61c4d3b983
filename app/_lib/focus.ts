"use client";

import { useCallback, useEffect, useState } from "react";

type FocusRequest = { find: () => HTMLElement | null | undefined; scroll?: () => Element | null | undefined };

/**
 * Moves focus once React has committed the next render. The element to focus often exists only
 * in that render (a Confirm button replacing Delete, a status message that just appeared, a row
 * moved by a refetch), so it is looked up by `find` at that moment rather than held as a ref now.
 * Without this, a keyboard user whose button was removed or disabled is left on <body>.
 */
export function useFocusAfterRender() {
  const [request, setRequest] = useState<FocusRequest | null>(null);
  useEffect(() => {
    if (!request) return;
    setRequest(null);
    const element = request.find();
    if (!element) return;
    request.scroll?.()?.scrollIntoView({ block: "nearest" });
    element.focus();
  }, [request]);
  return useCallback(
    (find: FocusRequest["find"], scroll?: FocusRequest["scroll"]) => setRequest({ find, scroll }),
    [],
  );
}

/** The element with that id, for `useFocusAfterRender`: ids survive the re-render a ref may not. */
export const byId = (id: string) => () => document.getElementById(id);
