"use client";

import { AppShell } from "../_components/app-shell";
import { AgentLoginSection } from "./agent-login-section";
import { ComplianceRules } from "./compliance-rules";
import { DnSection } from "./dn-section";
import { RecorderSection } from "./recorder-section";

export default function AdminPage() {
  return (
    <AppShell requiredRole="supervisor">
      <div className="space-y-10">
        <h1 className="sr-only">Configuration</h1>
        <p className="rounded-md bg-brand-50 px-4 py-2 text-sm text-brand-700">
          Changes to <code>record</code> apply to calls that start after the change.
        </p>
        <DnSection />
        <AgentLoginSection />
        <RecorderSection />
        <ComplianceRules />
      </div>
    </AppShell>
  );
}
