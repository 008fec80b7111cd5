-- greenmet records store, migration 0002: the life of an alert from the monitoring engine
-- (issue 14 §3). Additive to 0001's alerts: what the detector said (category, fault kind,
-- where, its state, evidence, counter-measures, when last updated), whether it came from the
-- live engine or a replay, a de-duplication key (one episode of a fault is one row, however
-- often the engine sees it), and the closure by a person. Acknowledgements stay in 0001's
-- acknowledgements table; each acknowledgement and closure also writes an audit_log row
-- (greenmet.storage.alerts). DuckDB cannot add CHECK constraints to existing tables, so the
-- allowed values of category, state and mode are checked by greenmet.storage.alerts.

ALTER TABLE alerts ADD COLUMN category VARCHAR;
ALTER TABLE alerts ADD COLUMN fault_kind VARCHAR;
ALTER TABLE alerts ADD COLUMN location VARCHAR;
ALTER TABLE alerts ADD COLUMN state VARCHAR;
ALTER TABLE alerts ADD COLUMN mode VARCHAR;
ALTER TABLE alerts ADD COLUMN dedup_key VARCHAR;
ALTER TABLE alerts ADD COLUMN evidence JSON;
ALTER TABLE alerts ADD COLUMN countermeasures JSON;
ALTER TABLE alerts ADD COLUMN updated_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN closed_by VARCHAR;
ALTER TABLE alerts ADD COLUMN closing_comment VARCHAR;

CREATE UNIQUE INDEX alerts_dedup_key_index ON alerts (site, furnace, dedup_key);

-- Each alert with its first acknowledgement and the operator's status:
-- open (nobody acknowledged it), acknowledged, closed.
CREATE VIEW alert_lifecycle AS
SELECT alerts.*,
       first_acknowledgement.acknowledged_at,
       first_acknowledgement.acknowledged_by,
       CASE WHEN alerts.closed_at IS NOT NULL THEN 'closed'
            WHEN first_acknowledgement.acknowledged_at IS NOT NULL THEN 'acknowledged'
            ELSE 'open' END AS status
FROM alerts
LEFT JOIN (
    SELECT alert_id,
           min(acknowledged_at) AS acknowledged_at,
           arg_min(user_name, acknowledged_at) AS acknowledged_by
    FROM acknowledgements
    GROUP BY alert_id
) AS first_acknowledgement ON first_acknowledgement.alert_id = alerts.id;
