"""Market signals: compiling pledges into disclosure-controlled snapshots.

Snapshot data format (Snapshot.lead_data and Snapshot.public_data, the API's `data`): documented and typed in
alliance.signals.contract, which every reader goes through.

Release control (alliance.signals.releases): the public reads only released snapshots. A snapshot is
released when its public view passes the checks against every earlier release of the round; otherwise it
is held (Snapshot.held_reason, lead_data["release_check"]) and the public keeps the last release.
"""
