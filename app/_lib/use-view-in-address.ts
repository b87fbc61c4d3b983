"use client";

import { useSearchParams } from "next/navigation";
import { useState } from "react";

/**
 * A page's view (its filters, sort, grouping) kept in the address: read from the query string at
 * mount and written back on each change, so a reload or a shared link shows the same view.
 * `replaceState`: a change is no new history entry (typing in a filter box would make dozens).
 * The component using it must be inside <Suspense> (Next.js's useSearchParams).
 */
export function useViewInAddress<V>(
  fromQuery: (query: string) => V,
  toQuery: (view: V) => string,
): [V, (next: V) => void] {
  const search = useSearchParams();
  const [view, setView] = useState<V>(() => fromQuery(search.toString()));
  const change = (next: V) => {
    setView(next);
    window.history.replaceState(null, "", `${window.location.pathname}${toQuery(next)}`);
  };
  return [view, change];
}
