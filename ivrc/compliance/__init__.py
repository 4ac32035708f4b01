"""Compliance: whom a campaign may call, when in their own local time, and how often, checked
against the policy before anything is sent (the gate) and afterwards against the call records
(the audit)."""
