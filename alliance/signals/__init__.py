"""Market signals: compiling pledges into disclosure-controlled snapshots.

Snapshot data format (Snapshot.lead_data and Snapshot.public_data share it). Figures are integers:
quantities in the category's unit, values in minor units of `currency`. In public_data a suppressed
entry has "quantity", "value_minor" and "buyers" set to null, "suppressed": true and a "reason"; in
lead_data the figures stay and "suppressed"/"reason" say what the public sees.

{
  "round": {"id": 7, "title": "...", "currency": "EUR", "delivery_from": "2027-Q1", "delivery_to": "2028-Q4"},
  "k": 3, "p": 80, "release": {"number": 2 | null, "date": "YYYY-MM-DD" | null},
  (lead_data only:) "compiled_at": "ISO 8601", "watermark": "...",
                    "release_check": {"released": bool, "held_reason": ".." | null, "against": [1, 2]},
  "totals": {"quantity": .., "value_minor": .., "buyers": .., "countries": .., "comprehensive_value_share": 0.0-1.0},
  "categories": [{"cpv_code": "30213100-6", "name": "Portable computers", "unit": "C62"}],
  "cells":      [{"category": "30213100-6", "quarter": "2027-Q1", "country": "SE", <figures>}],
  "by_category": [{"category": ..., <figures>, "comprehensive_value_share": ..}],
  "by_quarter":  [{"category": ..., "quarter": ..., <figures>}],
  "by_country":  [{"category": ..., "country": ..., <figures>}],
  "by_level":    [{"category": ..., "level": "core" | "comprehensive", <figures>}],
  "impact":      [{"category": .., "criterion_code": .., "criterion_title": .., "factor": .., "unit": ..,
                   "source": .., "estimate": .. | null, "suppressed": bool, "reason": ..}],
  "readiness":   [{"criterion_id": .., "criterion_code": .., "category": .., "meets": n | null,
                   "meets_sme": n | null, "by_date": n | null, "earliest_quarter": "YYYY-Qn" | null,
                   "cannot": n | null, "required_quantity": .. | null, "suppressed": bool, "reason": ..}],
  "change":      {"previous_snapshot_id": .. | null, "quantity": .. | null, "value_minor": .. | null,
                  (public_data only:) "previous_release": n | null}
}
where <figures> = "quantity", "value_minor", "buyers", "suppressed", "reason" ("fewer than 3 buyers",
"one buyer holds more than 80% of the volume", "hidden so a suppressed figure cannot be derived").

Added keys: by_category rows carry "countries"; impact rows carry "criteria_set_id", "level" and "quantity"
(null when suppressed); "change" carries "by_category": [{"category", "quantity", "value_minor"}];
in public_data the change is since the last public release (previous_snapshot_id is null), and a figure is
null when hidden in either release. A comprehensive_value_share is null in public_data when a level figure
it would reveal is suppressed.

Release control (alliance.signals.releases): the public reads only released snapshots. A snapshot is
released when its public view passes the checks against every earlier release of the round; otherwise it
is held (Snapshot.held_reason, lead_data["release_check"]) and the public keeps the last release. The
public view never carries the watermark, the compile instant or the number of pledges.
"""
