"use client";

import type { RouterOutputs } from "../_lib/trpc";

type Hour = RouterOutputs["dashboard"]["snapshot"]["hours"][number];

const WIDTH = 720;
const HEIGHT = 160;
const PAD_LEFT = 28;
const PAD_BOTTOM = 20;

const hourLabel = (from: Date) =>
  new Date(from).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });

/**
 * Recorded calls per hour over the last 24 h, drawn as SVG bars (no chart library: 24 bars need
 * none). Each bar has a title; the whole chart a summary for screen readers, and the same numbers
 * are in a table under it.
 */
export function HourChart({ hours }: { hours: Hour[] }) {
  const max = Math.max(1, ...hours.map((h) => h.recorded + h.failed));
  const total = hours.reduce((n, h) => n + h.recorded, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  const slot = (WIDTH - PAD_LEFT) / hours.length;
  const y = (n: number) => ((HEIGHT - PAD_BOTTOM) * n) / max;
  return (
    <div>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Recorded calls per hour, last 24 hours: ${total} recorded, ${failed} failed; busiest hour ${max}.`}
        className="h-40 w-full"
      >
        <line
          x1={PAD_LEFT}
          x2={WIDTH}
          y1={HEIGHT - PAD_BOTTOM}
          y2={HEIGHT - PAD_BOTTOM}
          className="stroke-slate-300"
        />
        <text x={PAD_LEFT - 4} y={10} textAnchor="end" className="fill-slate-500 text-[10px]">
          {max}
        </text>
        <text
          x={PAD_LEFT - 4}
          y={HEIGHT - PAD_BOTTOM}
          textAnchor="end"
          className="fill-slate-500 text-[10px]"
        >
          0
        </text>
        {hours.map((h, i) => {
          const x = PAD_LEFT + i * slot + 2;
          const recordedHeight = y(h.recorded);
          const failedHeight = y(h.failed);
          const base = HEIGHT - PAD_BOTTOM;
          return (
            <g
              key={new Date(h.from).toISOString()}
              data-testid="hour-bar"
              data-from={new Date(h.from).toISOString()}
              data-count={h.recorded}
              data-failed={h.failed}
            >
              <title>{`${hourLabel(h.from)}: ${h.recorded} recorded, ${h.failed} failed`}</title>
              <rect
                x={x}
                width={slot - 4}
                y={base - recordedHeight}
                height={recordedHeight}
                className="fill-brand-600"
              />
              <rect
                x={x}
                width={slot - 4}
                y={base - recordedHeight - failedHeight}
                height={failedHeight}
                className="fill-red-500"
              />
              {i % 3 === 0 && (
                <text
                  x={x + (slot - 4) / 2}
                  y={HEIGHT - 6}
                  textAnchor="middle"
                  className="fill-slate-500 text-[10px]"
                >
                  {hourLabel(h.from)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <details className="mt-1 text-sm">
        <summary className="cursor-pointer text-brand-700">Show the numbers as a table</summary>
        <table aria-label="Recorded calls per hour" className="mt-2 text-left text-sm">
          <thead>
            <tr className="text-slate-500">
              <th className="pr-4 font-medium">Hour</th>
              <th className="pr-4 font-medium">Recorded</th>
              <th className="font-medium">Failed</th>
            </tr>
          </thead>
          <tbody>
            {hours.map((h) => (
              <tr key={new Date(h.from).toISOString()}>
                <td className="pr-4 font-mono">{hourLabel(h.from)}</td>
                <td className="pr-4">{h.recorded}</td>
                <td>{h.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
